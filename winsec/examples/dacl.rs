//! `dacl PATH…`: prints the current user's SID, then each path's DACL as SDDL and whether
//! it is exactly the owner-only DACL certtool gives a private file (`owner-only`) or
//! directory (`owner-only-dir`), or something else (`other`). scripts/test-dist-windows.sh
//! runs it under Wine on what the shipped certtool.exe wrote.

#[cfg(windows)]
fn main() -> std::process::ExitCode {
    use certtool_winsec::{current_user_sid, dacl_sddl, owner_only_sddl};
    let sid = match current_user_sid() {
        Ok(sid) => sid,
        Err(e) => {
            eprintln!("cannot read the current user's SID: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("user {sid}");
    let mut status = std::process::ExitCode::SUCCESS;
    for path in std::env::args_os().skip(1) {
        let path = std::path::PathBuf::from(path);
        match dacl_sddl(&path) {
            Ok(dacl) => {
                let verdict = if dacl == owner_only_sddl(&sid, false) {
                    "owner-only"
                } else if dacl == owner_only_sddl(&sid, true) {
                    "owner-only-dir"
                } else {
                    "other"
                };
                println!("{verdict} {dacl} {}", path.display());
            }
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                status = std::process::ExitCode::FAILURE;
            }
        }
    }
    status
}

#[cfg(not(windows))]
fn main() {
    eprintln!("dacl reads Windows DACLs; build it for a Windows target");
    std::process::exit(2);
}
