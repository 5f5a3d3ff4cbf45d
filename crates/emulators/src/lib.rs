//! Emulators of Microsoft Graph ([`graph`]) and of the booking system ([`booking`]): real HTTP
//! servers on loopback with their own state. They are the only Microsoft 365 and the only
//! booking system the tests and the demo have, so they are as strict as the real services.

pub mod booking;
pub mod demo;
pub mod graph;
pub mod porticoestate;
pub mod seed;
