//! Secrets (PFX passwords, client secrets) and where they come from.
//!
//! A [`Secret`] holds its bytes in a [`Zeroizing`] buffer that is wiped on drop; it has no
//! `Display` and its `Debug` prints only `Secret(<redacted>)`, so it cannot end up in a
//! log line or an error message by accident. The source functions here are what the CLI
//! calls: reading an environment variable or asking on the terminal is the CLI's job (the
//! core never prints or prompts); the value then comes here as a ready [`Secret`].

use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A password or client secret. Wiped from memory when dropped; never printed.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    /// Wraps a value the caller already holds (an environment variable's value, say).
    /// The value is registered with [`crate::redact`], so no log line can show it.
    pub fn new(value: String) -> Self {
        crate::redact::register(&value);
        Secret(Zeroizing::new(value))
    }

    /// The empty password.
    pub fn empty() -> Self {
        Secret::new(String::new())
    }

    /// The secret as text. Handle with care: never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when this is the empty password.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Turns raw bytes from a file or stdin into a secret: UTF-8 required, one leading BOM
/// and one trailing newline (`\n` or `\r\n`) removed, nothing else touched.
pub fn from_bytes(bytes: Zeroizing<Vec<u8>>, input: &str) -> Result<Secret> {
    let mut text = std::str::from_utf8(&bytes)
        .map_err(|_| Error::malformed(input, "the secret is not valid UTF-8 text"))?;
    text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    Ok(Secret::new(text.to_owned()))
}

/// Reads a secret from a file (see [`from_bytes`] for the trimming rules).
pub fn from_file(path: &Path) -> Result<Secret> {
    let file = std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    from_reader(file, &path.display().to_string())
}

/// Reads a secret from a reader such as stdin, up to its end (at most
/// [`MAX_SECRET_BYTES`](crate::limits::MAX_SECRET_BYTES)).
pub fn from_reader(reader: impl Read, input: &str) -> Result<Secret> {
    let bytes = crate::limits::read_limited(reader, crate::limits::MAX_SECRET_BYTES, input)?;
    from_bytes(bytes, input)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trimmed(b: &[u8]) -> String {
        from_bytes(Zeroizing::new(b.to_vec()), "t")
            .unwrap()
            .expose()
            .to_owned()
    }

    #[test]
    fn trims_one_newline_and_a_bom_only() {
        assert_eq!(trimmed(b"pw\n"), "pw");
        assert_eq!(trimmed(b"pw\r\n"), "pw");
        assert_eq!(trimmed(b"pw\n\n"), "pw\n");
        assert_eq!(trimmed("\u{feff}pässwörd\n".as_bytes()), "pässwörd");
        assert_eq!(trimmed(b" pw "), " pw ");
    }

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("hunter2".into());
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
    }

    #[test]
    fn rejects_non_utf8() {
        assert!(from_bytes(Zeroizing::new(vec![0xff, 0xfe, 0x00]), "t").is_err());
    }
}
