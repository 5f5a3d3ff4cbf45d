//! More of what the outside world does in the booking system (closures, recurring reservations).

#[allow(unused_imports)]
use super::*;
