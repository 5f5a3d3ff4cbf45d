//! Microsoft Graph connector. (being written)
