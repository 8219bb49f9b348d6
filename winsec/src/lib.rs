//! The Windows side of two promises certtool makes on Unix with modes and resource limits
//! (docs/windows.md, docs/security.md):
//!
//! - **Private files and directories** ([`create_private_file`], [`create_private_dir`]):
//!   created with a *protected* DACL (no entry inherited from the parent directory) that
//!   grants the current user full control and no one else anything — the equivalent of
//!   modes 0600 and 0700. The security descriptor is passed to `CreateFileW` /
//!   `CreateDirectoryW`, so the file never exists, not even empty, with the directory's
//!   inherited ACL.
//! - **No key material in crash reports** ([`keep_secrets_out_of_crash_reports`]).
//!
//! A separate crate because certtool-core forbids unsafe code and every Win32 call is an FFI
//! call. On other systems only the pure SDDL text ([`owner_only_sddl`]) is compiled.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(windows)]
mod imp;
#[cfg(windows)]
pub use imp::{
    create_private_dir, create_private_file, current_user_sid, dacl_sddl, is_owner_only,
    keep_secrets_out_of_crash_reports, under_wine,
};

/// The security descriptor (SDDL, DACL part only) certtool gives a private file or directory:
/// `P` protects the DACL from inheritance, and its one entry allows (`A`) full control (`FA`)
/// to `sid`. A directory's entry is also inherited by what is later created in it (`OI`
/// objects, `CI` containers), as the group and other bits of a 0700 directory do not let
/// anyone else in either. See
/// <https://learn.microsoft.com/windows/win32/secauthz/security-descriptor-string-format>.
pub fn owner_only_sddl(sid: &str, directory: bool) -> String {
    let inherit = if directory { "OICI" } else { "" };
    format!("D:P(A;{inherit};FA;;;{sid})")
}

/// What Wine shows for a file or folder created with [`owner_only_sddl`]. Wine keeps no
/// security descriptor on disk: it maps the one given at creation to Unix mode bits (the
/// user's entry to the owner and group bits, no "other" bits) and, read back, derives a
/// DACL from the mode, always adding SYSTEM and never the protected flag. A descriptor
/// that let anyone else in would show an Everyone (`WD`) entry instead.
pub fn wine_view_of_owner_only(sid: &str, directory: bool) -> String {
    let inherit = if directory { "OICI" } else { "" };
    format!("D:(A;{inherit};FA;;;SY)(A;{inherit};FA;;;{sid})")
}

#[cfg(test)]
mod tests {
    use super::{owner_only_sddl, wine_view_of_owner_only};

    #[test]
    fn one_protected_entry_for_the_user_only() {
        let sid = "S-1-5-21-1004336348-1177238915-682003330-1001";
        assert_eq!(owner_only_sddl(sid, false), format!("D:P(A;;FA;;;{sid})"));
        assert_eq!(
            owner_only_sddl(sid, true),
            format!("D:P(A;OICI;FA;;;{sid})")
        );
        // Wine's view of the same: not protected, SYSTEM added, no one else.
        assert_eq!(
            wine_view_of_owner_only(sid, true),
            format!("D:(A;OICI;FA;;;SY)(A;OICI;FA;;;{sid})")
        );
    }
}
