//! `dacl PATH…`: prints the current user's SID, then for each path whether its DACL is the
//! owner-only one certtool gives a private file (`owner-only`) or folder
//! (`owner-only-dir`) — under Wine, as Wine shows it (`certtool_winsec::is_owner_only`) —
//! or anything else (`other`), and the DACL as SDDL. scripts/test-dist-windows.sh runs it
//! on what the shipped certtool.exe wrote.

#[cfg(windows)]
fn main() -> std::process::ExitCode {
    use certtool_winsec::{current_user_sid, dacl_sddl, is_owner_only, under_wine};
    let sid = match current_user_sid() {
        Ok(sid) => sid,
        Err(e) => {
            eprintln!("cannot read the current user's SID: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!(
        "user {sid}{}",
        if under_wine() { " (under Wine)" } else { "" }
    );
    let mut status = std::process::ExitCode::SUCCESS;
    for path in std::env::args_os().skip(1) {
        let path = std::path::PathBuf::from(path);
        let verdict = match (is_owner_only(&path, false), is_owner_only(&path, true)) {
            (Ok(true), _) => "owner-only",
            (_, Ok(true)) => "owner-only-dir",
            (Ok(false), _) => "other",
            (Err(e), _) => {
                eprintln!("{}: {e}", path.display());
                status = std::process::ExitCode::FAILURE;
                continue;
            }
        };
        let dacl = dacl_sddl(&path).unwrap_or_default();
        println!("{verdict} {dacl} {}", path.display());
    }
    status
}

#[cfg(not(windows))]
fn main() {
    eprintln!("dacl reads Windows DACLs; build it for a Windows target");
    std::process::exit(2);
}
