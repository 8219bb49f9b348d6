//! How a PFX is protected: the profiles certtool writes and the description of the
//! protection found in (or written to) a file. Plain data, used by reading, writing and
//! the reports.

use serde::Serialize;

/// Iteration count for key derivation and MAC in every profile certtool writes: what
/// OpenSSL writes, and well under the 10 000 that .NET allows for password-less files.
pub const ITERATIONS: u32 = 2048;

/// How a PFX certtool writes is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// pbeWithSHAAnd3-KeyTripleDES-CBC for keys and certificates, HMAC-SHA1 MAC, 2048
    /// iterations: the form every reader accepts (Windows Server 2016, App Service, .NET).
    Compat,
    /// PBES2 AES-256-CBC with PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC, 2048 iterations.
    Aes,
    /// No encryption and no MAC. Java silently drops keys stored this way.
    None,
}

/// How a PFX that was read (or written) is protected.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Protection {
    /// The integrity MAC, or `None` when the file has none.
    pub mac: Option<MacInfo>,
    /// One entry per encrypted container or shrouded key, in file order.
    pub encryption: Vec<EncryptionInfo>,
    /// Which password opened the file.
    pub password: PasswordForm,
}

/// The MAC of a PFX.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MacInfo {
    /// Digest name, e.g. `SHA-1`, `SHA-256`.
    pub algorithm: String,
    /// Iteration count (1 when the field is omitted).
    pub iterations: u64,
}

/// The encryption of one part of a PFX.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EncryptionInfo {
    /// What is protected.
    pub protects: Protects,
    /// Algorithm name, e.g. `pbeWithSHAAnd40BitRC2-CBC` or `PBES2 AES-256-CBC PBKDF2-HMAC-SHA-256`.
    pub algorithm: String,
    /// Key-derivation iteration count.
    pub iterations: u64,
    /// Where in the file, e.g. `container 1` or `shrouded key bag 1 (container 2)`.
    pub location: String,
}

/// The password that opened a PFX.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordForm {
    /// A non-empty password supplied by the user.
    Given,
    /// A non-empty, non-ASCII password with each UTF-8 byte widened to 16 bits, as
    /// OpenSSL before 1.1.0 encoded it.
    GivenWidenedBytes,
    /// The empty password, in RFC 7292 form (BMPString terminator `00 00`).
    EmptyBmp,
    /// The empty password as a zero-length byte string (Windows legacy exports).
    EmptyNull,
    /// Nothing in the file is encrypted or MAC-protected: no password was needed.
    NotNeeded,
}

/// What one encrypted part of a PFX protects. Shown as `key`, `certificates` or `other`,
/// in text (Display) and JSON (serde) alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protects {
    /// A private key (a shrouded key bag, or a container holding only keys).
    Key,
    /// A container holding only certificates.
    Certificates,
    /// A container holding anything else, or a mix.
    Other,
}

impl Protects {
    /// The word for reports, the same as the JSON value.
    pub fn as_str(self) -> &'static str {
        match self {
            Protects::Key => "key",
            Protects::Certificates => "certificates",
            Protects::Other => "other",
        }
    }
}

one_word!(Protects);

impl PasswordForm {
    /// Words for reports, e.g. `empty password (RFC 7292 form)`.
    pub fn describe(self) -> &'static str {
        match self {
            PasswordForm::Given => "password",
            PasswordForm::GivenWidenedBytes => "password (pre-1.1.0 OpenSSL byte encoding)",
            PasswordForm::EmptyBmp => "empty password (RFC 7292 form)",
            PasswordForm::EmptyNull => "empty password (zero-length form)",
            PasswordForm::NotNeeded => "no password (nothing encrypted, no MAC)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protects_reads_the_same_in_text_and_json() {
        for p in [Protects::Key, Protects::Certificates, Protects::Other] {
            assert_eq!(serde_json::to_value(p).unwrap(), p.to_string());
        }
    }
}
