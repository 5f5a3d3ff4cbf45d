//! Microsoft Graph emulator. (being written)
