//! Booking-system emulator. (being written)
