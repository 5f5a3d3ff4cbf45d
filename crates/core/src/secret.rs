//! A secret value (client secret, API key) in memory.
//!
//! It has no `Debug`, `Display` or `Serialize`, so it cannot end up in a log line, an IPC
//! payload, an export or the database by accident; the only way to read it is [`Secret::expose`],
//! which the connectors call when they put it on the wire.

pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret's text, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Overwrite the bytes before the allocation is freed.
        // SAFETY: zero bytes are valid UTF-8, so the String stays valid.
        let bytes = unsafe { self.0.as_bytes_mut() };
        for b in bytes.iter_mut() {
            *b = 0;
        }
    }
}
