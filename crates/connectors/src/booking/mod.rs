//! Booking-system connector. (being written)
