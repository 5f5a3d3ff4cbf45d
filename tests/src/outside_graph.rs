//! More of what the outside world does in Outlook (series, meetings from other organizers).

#[allow(unused_imports)]
use super::*;
