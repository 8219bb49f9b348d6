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

/// Whether a DACL read back from a file (SDDL) is the owner-only one: protected (`P`; the
/// system may add `AI`, auto-inherited, beside it) with exactly the one entry of
/// [`owner_only_sddl`]. With `wine`, Wine's derived form ([`wine_view_of_owner_only`]) is
/// accepted as well.
pub fn is_owner_only_sddl(dacl: &str, sid: &str, directory: bool, wine: bool) -> bool {
    let wanted = owner_only_sddl(sid, directory);
    let entries = &wanted[wanted.find('(').expect("an entry")..];
    let protected = dacl
        .strip_prefix("D:")
        .and_then(|rest| rest.split_once('('))
        .is_some_and(|(flags, _)| {
            flags.contains('P') && flags.chars().all(|c| matches!(c, 'P' | 'A' | 'I' | 'R'))
        });
    (protected && dacl.ends_with(entries) && dacl.matches('(').count() == 1)
        || (wine && dacl == wine_view_of_owner_only(sid, directory))
}

#[cfg(test)]
mod tests {
    use super::{is_owner_only_sddl, owner_only_sddl, wine_view_of_owner_only};

    const SID: &str = "S-1-5-21-1004336348-1177238915-682003330-1001";

    #[test]
    fn one_protected_entry_for_the_user_only() {
        assert_eq!(owner_only_sddl(SID, false), format!("D:P(A;;FA;;;{SID})"));
        assert_eq!(
            owner_only_sddl(SID, true),
            format!("D:P(A;OICI;FA;;;{SID})")
        );
    }

    #[test]
    fn a_dacl_read_back_is_owner_only_when_protected_with_the_one_entry() {
        let file = |dacl: &str| is_owner_only_sddl(dacl, SID, false, false);
        assert!(file(&format!("D:P(A;;FA;;;{SID})")));
        assert!(
            file(&format!("D:PAI(A;;FA;;;{SID})")),
            "auto-inherited flag beside P"
        );
        assert!(!file(&format!("D:(A;;FA;;;{SID})")), "not protected");
        assert!(!file(&format!("D:AI(A;;FA;;;{SID})")), "not protected");
        assert!(
            !file(&format!("D:P(A;;FA;;;{SID})(A;;FR;;;WD)")),
            "Everyone too"
        );
        assert!(
            !file(&format!("D:P(A;;FA;;;BU)(A;;FA;;;{SID})")),
            "Users too"
        );
        assert!(!file("D:P(A;;FA;;;S-1-5-21-1-2-3-1002)"), "another user");
        assert!(!file(&format!("D:P(A;;FR;;;{SID})")), "read only");
        assert!(
            !file(&format!("D:P(A;OICI;FA;;;{SID})")),
            "a directory's entry"
        );
        assert!(is_owner_only_sddl(
            &format!("D:PAI(A;OICI;FA;;;{SID})"),
            SID,
            true,
            false
        ));
    }

    #[test]
    fn wines_derived_form_counts_only_under_wine() {
        for directory in [false, true] {
            let view = wine_view_of_owner_only(SID, directory);
            assert!(is_owner_only_sddl(&view, SID, directory, true));
            assert!(!is_owner_only_sddl(&view, SID, directory, false));
        }
        assert_eq!(
            wine_view_of_owner_only(SID, false),
            format!("D:(A;;FA;;;SY)(A;;FA;;;{SID})")
        );
        // What Wine derives for a file anyone may read is never taken for private.
        let world = format!("D:(A;;FA;;;SY)(A;;0x1200a9;;;WD)(A;;FA;;;{SID})");
        assert!(!is_owner_only_sddl(&world, SID, false, true));
    }
}
