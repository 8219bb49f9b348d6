//! The Win32 calls. Every pointer handed to the system points into a live Rust buffer or
//! into memory the system allocated and this module frees (`LocalFree`) exactly once.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::FromRawHandle;
use std::path::Path;
use std::ptr;

use windows_sys::core::PWSTR;
use windows_sys::Win32::Foundation::{
    CloseHandle, LocalFree, GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Security::Authorization::{
    ConvertSecurityDescriptorToStringSecurityDescriptorW, ConvertSidToStringSidW,
    ConvertStringSecurityDescriptorToSecurityDescriptorW, GetNamedSecurityInfoW, SDDL_REVISION_1,
    SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, TokenUser, DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR,
    SECURITY_ATTRIBUTES, TOKEN_QUERY, TOKEN_USER,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateDirectoryW, CreateFileW, CREATE_NEW, DELETE, FILE_ATTRIBUTE_NORMAL, FILE_SHARE_DELETE,
    FILE_SHARE_READ, FILE_SHARE_WRITE,
};
use windows_sys::Win32::System::Diagnostics::Debug::{
    SetErrorMode, SEM_FAILCRITICALERRORS, SEM_NOGPFAULTERRORBOX,
};
use windows_sys::Win32::System::ErrorReporting::{WerSetFlags, WER_FAULT_REPORTING_FLAG_NOHEAP};
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

use crate::{is_owner_only_sddl, owner_only_sddl};

/// A NUL-terminated UTF-16 copy of `s`; a NUL inside would silently cut the name short.
fn wide(s: &OsStr) -> io::Result<Vec<u16>> {
    let mut w: Vec<u16> = s.encode_wide().collect();
    if w.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a path with a NUL character",
        ));
    }
    w.push(0);
    Ok(w)
}

/// Turns a `BOOL` result into `io::Result`, reading the thread's last error on failure.
fn check(ok: i32) -> io::Result<()> {
    if ok == 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Takes a string the system allocated with `LocalAlloc`, copying it and freeing it.
///
/// # Safety
/// `text` is null or a NUL-terminated UTF-16 string from `LocalAlloc`, owned by the caller.
unsafe fn take_local_string(text: PWSTR) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: the string is NUL-terminated (caller's contract), so every read up to and
    // including the terminator is inside it.
    let units = unsafe {
        let mut len = 0;
        while *text.add(len) != 0 {
            len += 1;
        }
        std::slice::from_raw_parts(text, len)
    };
    let s = String::from_utf16_lossy(units);
    // SAFETY: allocated by the system with LocalAlloc and not freed elsewhere.
    unsafe { LocalFree(text.cast()) };
    s
}

/// A security descriptor the system allocated (`LocalAlloc`); freed on drop.
struct LocalDescriptor(PSECURITY_DESCRIPTOR);

impl LocalDescriptor {
    fn from_sddl(sddl: &str) -> io::Result<Self> {
        let text = wide(OsStr::new(sddl))?;
        let mut sd: PSECURITY_DESCRIPTOR = ptr::null_mut();
        // SAFETY: `text` is NUL-terminated; `sd` receives a LocalAlloc'd descriptor.
        check(unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                text.as_ptr(),
                SDDL_REVISION_1,
                &mut sd,
                ptr::null_mut(),
            )
        })?;
        Ok(LocalDescriptor(sd))
    }

    /// A `SECURITY_ATTRIBUTES` pointing at this descriptor (valid while `self` lives).
    fn attributes(&self) -> SECURITY_ATTRIBUTES {
        SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: self.0,
            bInheritHandle: 0,
        }
    }
}

impl Drop for LocalDescriptor {
    fn drop(&mut self) {
        // SAFETY: allocated by the system with LocalAlloc, freed only here.
        unsafe { LocalFree(self.0) };
    }
}

struct OwnedHandle(HANDLE);

impl Drop for OwnedHandle {
    fn drop(&mut self) {
        // SAFETY: a handle this module opened and closes only here.
        unsafe { CloseHandle(self.0) };
    }
}

/// The current user's SID as text (`S-1-5-21-…`), from the process token: the user the
/// process runs as, whichever account started it (not the owner of the file it writes).
pub fn current_user_sid() -> io::Result<String> {
    let mut token: HANDLE = ptr::null_mut();
    // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no closing; `token`
    // receives a handle that OwnedHandle closes.
    check(unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) })?;
    let token = OwnedHandle(token);
    let mut needed = 0u32;
    // SAFETY: a size query: no buffer, `needed` receives the size (the call "fails" with
    // ERROR_INSUFFICIENT_BUFFER by design).
    unsafe { GetTokenInformation(token.0, TokenUser, ptr::null_mut(), 0, &mut needed) };
    if needed == 0 {
        return Err(io::Error::last_os_error());
    }
    // u64 units: a TOKEN_USER holds pointers, so the buffer must be pointer-aligned.
    let mut buf = vec![0u64; (needed as usize).div_ceil(8)];
    // SAFETY: `buf` is at least `needed` bytes and aligned for TOKEN_USER.
    check(unsafe {
        GetTokenInformation(
            token.0,
            TokenUser,
            buf.as_mut_ptr().cast(),
            needed,
            &mut needed,
        )
    })?;
    // SAFETY: filled by GetTokenInformation(TokenUser) above; its SID pointer points
    // into `buf`, which outlives this use.
    let sid = unsafe { (*buf.as_ptr().cast::<TOKEN_USER>()).User.Sid };
    let mut text: PWSTR = ptr::null_mut();
    // SAFETY: `sid` is a valid SID; `text` receives a LocalAlloc'd string.
    check(unsafe { ConvertSidToStringSidW(sid, &mut text) })?;
    // SAFETY: `text` came from ConvertSidToStringSidW and is ours to free.
    Ok(unsafe { take_local_string(text) })
}

/// The descriptor a private file or folder is created with.
fn private_descriptor(directory: bool) -> io::Result<LocalDescriptor> {
    LocalDescriptor::from_sddl(&owner_only_sddl(&current_user_sid()?, directory))
}

/// Creates a new file (failing with `AlreadyExists` if anything is at `path`) whose DACL
/// grants only the current user access, open for reading, writing and deletion. The
/// descriptor is applied as the file is created.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let sd = private_descriptor(false)?;
    let attributes = sd.attributes();
    let name = wide(path.as_os_str())?;
    // SAFETY: `name` is NUL-terminated; `attributes` points at `sd`, alive for the call.
    // Sharing delete lets the file be renamed into place while it is open.
    let handle = unsafe {
        CreateFileW(
            name.as_ptr(),
            GENERIC_READ | GENERIC_WRITE | DELETE,
            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
            &attributes,
            CREATE_NEW,
            FILE_ATTRIBUTE_NORMAL,
            ptr::null_mut(),
        )
    };
    if handle == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a valid handle just opened, owned by nothing else.
    Ok(unsafe { File::from_raw_handle(handle) })
}

/// Creates one directory (its parent must exist) whose DACL grants only the current user
/// access, inherited by what is created in it.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    let sd = private_descriptor(true)?;
    let attributes = sd.attributes();
    let name = wide(path.as_os_str())?;
    // SAFETY: `name` is NUL-terminated; `attributes` points at `sd`, alive for the call.
    check(unsafe { CreateDirectoryW(name.as_ptr(), &attributes) })
}

/// The DACL of a file or directory as SDDL text (`D:P(A;;FA;;;S-1-5-…)`), read back
/// through the system: what certtool's tests compare with [`owner_only_sddl`].
pub fn dacl_sddl(path: &Path) -> io::Result<String> {
    let name = wide(path.as_os_str())?;
    let mut sd: PSECURITY_DESCRIPTOR = ptr::null_mut();
    // SAFETY: `name` is NUL-terminated; `sd` receives a LocalAlloc'd descriptor that
    // LocalDescriptor frees; the other out-pointers may be null.
    let status = unsafe {
        GetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            &mut sd,
        )
    };
    if status != 0 {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    LocalDescriptor(sd).dacl_text()
}

impl LocalDescriptor {
    /// The DACL part of this descriptor as SDDL text.
    fn dacl_text(&self) -> io::Result<String> {
        let mut text: PWSTR = ptr::null_mut();
        // SAFETY: `self.0` is a valid descriptor; `text` receives a LocalAlloc'd string.
        check(unsafe {
            ConvertSecurityDescriptorToStringSecurityDescriptorW(
                self.0,
                SDDL_REVISION_1,
                DACL_SECURITY_INFORMATION,
                &mut text,
                ptr::null_mut(),
            )
        })?;
        // SAFETY: `text` came from the conversion above and is ours to free.
        Ok(unsafe { take_local_string(text) })
    }
}

/// Whether this process runs under Wine (ntdll exports `wine_get_version`), where a
/// file's security descriptor is mapped to Unix mode bits rather than stored: see
/// [`wine_view_of_owner_only`].
pub fn under_wine() -> bool {
    let ntdll = wide(OsStr::new("ntdll.dll")).expect("no NUL");
    // SAFETY: NUL-terminated names; ntdll is loaded in every process; the function
    // pointer is only compared with null, never called.
    unsafe {
        let module = GetModuleHandleW(ntdll.as_ptr());
        !module.is_null() && GetProcAddress(module, c"wine_get_version".as_ptr().cast()).is_some()
    }
}

/// Whether `path` has the owner-only DACL certtool gives a private file (or, with
/// `directory`, folder), read back through the system ([`is_owner_only_sddl`]; under
/// Wine, which keeps no descriptor, the one it derives from the mode it mapped ours to).
pub fn is_owner_only(path: &Path, directory: bool) -> io::Result<bool> {
    Ok(is_owner_only_sddl(
        &dacl_sddl(path)?,
        &current_user_sid()?,
        directory,
        under_wine(),
    ))
}

/// The Windows counterpart of "no core dumps": Windows Error Reporting (WER) is what
/// collects a crashed process's memory. This asks it not to be invoked for this process
/// (`SEM_NOGPFAULTERRORBOX`, and no critical-error boxes), and, for a crash that reaches
/// it anyway (a fail-fast abort bypasses the error mode), to leave the heap — where keys
/// and passwords live — out of the report (`WER_FAULT_REPORTING_FLAG_NOHEAP`). Local
/// dump collection that an administrator configured (`LocalDumps`) is machine policy and
/// stays out of a program's reach. Failures are ignored, as on Unix.
pub fn keep_secrets_out_of_crash_reports() {
    // SAFETY: plain flag setters with no pointers.
    unsafe {
        SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
        WerSetFlags(WER_FAULT_REPORTING_FLAG_NOHEAP);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_descriptor_passed_to_create_is_exactly_owner_only_and_protected() {
        // What CreateFileW / CreateDirectoryW are given, converted back by the system:
        // exact on Windows and under Wine alike.
        let sid = current_user_sid().unwrap();
        assert!(sid.starts_with("S-1-5-"), "{sid}");
        for directory in [false, true] {
            let text = private_descriptor(directory).unwrap().dacl_text().unwrap();
            assert_eq!(text, owner_only_sddl(&sid, directory));
        }
    }

    #[test]
    fn a_private_file_has_only_the_users_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pfx");
        let mut file = create_private_file(&path).unwrap();
        std::io::Write::write_all(&mut file, b"key").unwrap();
        drop(file);
        assert!(
            is_owner_only(&path, false).unwrap(),
            "{}",
            dacl_sddl(&path).unwrap()
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"key");
        let again = create_private_file(&path).unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
        // A file made the ordinary way is not taken for a private one.
        let plain = dir.path().join("plain.cer");
        std::fs::write(&plain, b"cert").unwrap();
        assert!(
            !is_owner_only(&plain, false).unwrap(),
            "{}",
            dacl_sddl(&plain).unwrap()
        );
    }

    #[test]
    fn a_private_dir_has_only_the_users_entry() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("keys");
        create_private_dir(&sub).unwrap();
        assert!(
            is_owner_only(&sub, true).unwrap(),
            "{}",
            dacl_sddl(&sub).unwrap()
        );
        let plain = dir.path().join("plain");
        std::fs::create_dir(&plain).unwrap();
        assert!(
            !is_owner_only(&plain, true).unwrap(),
            "{}",
            dacl_sddl(&plain).unwrap()
        );
    }
}
