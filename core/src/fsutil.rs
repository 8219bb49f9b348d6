//! Writing files safely: a temporary file in the destination's directory, then a rename,
//! so a reader never sees half a file and a failure leaves nothing behind.
//!
//! Private files and directories are the current user's alone: modes 0600 and 0700 on Unix;
//! on Windows, created with a protected DACL whose one entry grants the current user full
//! control (certtool-winsec), so neither exists for a moment with the parent's inherited
//! ACL and no key byte is written before the DACL is in place.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// How a file should be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSecrecy {
    /// Holds a private key or a secret: mode 0600 (Windows: only the current user).
    Private,
    /// Public material (a certificate): mode 0644 (Windows: the directory's inherited ACL).
    Public,
}

/// Writes `data` to `path` atomically. Refuses to replace an existing file unless
/// `overwrite` is set, and never replaces anything but a regular file. On any failure
/// the destination is untouched and no temporary file remains.
pub fn write_atomic(path: &Path, data: &[u8], secrecy: FileSecrecy, overwrite: bool) -> Result<()> {
    commit_all(vec![stage(path, data, secrecy, overwrite)?])
}

/// Creates `dir` and any missing parents with mode 0700, whatever the umask (on Windows,
/// each with a DACL granting only the current user): the directory will hold private
/// keys. An existing directory is left as it is.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let write_err = |source| Error::Write {
        path: dir.to_owned(),
        source,
    };
    if dir.is_dir() {
        return Ok(());
    }
    #[cfg(windows)]
    {
        let missing: Vec<&Path> = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.is_dir())
            .collect();
        for d in missing.into_iter().rev() {
            match certtool_winsec::create_private_dir(d) {
                // Made meanwhile by someone else: left as it is, as on Unix.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && d.is_dir() => {}
                Err(e) => return Err(write_err(e)),
                Ok(()) => {}
            }
        }
        Ok(())
    }
    #[cfg(not(windows))]
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(write_err)?;
        // The umask can only take bits away; set the mode exactly.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(write_err)?;
        }
        Ok(())
    }
}

/// The content of a staged file before it is given its name.
#[derive(Debug)]
enum Pending {
    /// A file without a name (Linux `O_TMPFILE`): if the process dies before the commit
    /// the kernel frees it, so no half-written or secret file can be left behind.
    #[cfg(target_os = "linux")]
    Unnamed(std::fs::File),
    /// A file under a random `.certtool-*.tmp` name, for file systems without unnamed
    /// files; removed when dropped.
    Named(tempfile::NamedTempFile),
}

/// A file written in full beside its destination, waiting to be given its name. Dropped
/// without being committed, it leaves nothing and the destination is untouched: several
/// outputs can be staged first and committed together by [`commit_all`] only when every
/// one of them was written.
#[derive(Debug)]
pub struct Staged {
    pending: Pending,
    path: PathBuf,
    overwrite: bool,
}

fn refused_exists(path: &Path) -> Error {
    Error::Refused(format!(
        "{} already exists; pass --force to replace it",
        path.display()
    ))
}

/// Refuses a destination that is, or is a symbolic link to, anything but a regular file
/// (a directory, a FIFO, a device, a socket), and an existing one without `overwrite`:
/// `--force` replaces files, never the system's special files.
pub fn check_replaceable(path: &Path, overwrite: bool) -> Result<()> {
    let Ok(own) = path.symlink_metadata() else {
        return Ok(());
    };
    let target = if own.file_type().is_symlink() {
        path.metadata().ok()
    } else {
        Some(own)
    };
    match target {
        Some(meta) if meta.is_dir() => Err(Error::Refused(format!(
            "{} is a directory",
            path.display()
        ))),
        Some(meta) if !meta.is_file() => Err(Error::Refused(format!(
            "{} is not a regular file (a device, FIFO or socket); certtool replaces only regular files",
            path.display()
        ))),
        _ if !overwrite => Err(refused_exists(path)),
        _ => Ok(()),
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn temp_names() -> tempfile::Builder<'static, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(".certtool-").suffix(".tmp");
    b
}

/// An unnamed file in `dir`, or `None` where the file system cannot make one.
#[cfg(target_os = "linux")]
fn unnamed_in(dir: &Path, mode: u32) -> std::io::Result<Option<std::fs::File>> {
    use rustix::fs::{Mode, OFlags};
    match rustix::fs::open(
        dir,
        OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC,
        Mode::from_raw_mode(mode),
    ) {
        Ok(fd) => Ok(Some(std::fs::File::from(fd))),
        // Not supported by this kernel or file system: fall back to a named file.
        Err(e) if e == rustix::io::Errno::OPNOTSUPP || e == rustix::io::Errno::ISDIR => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes `data` beside `path` (mode 0600, or 0644 for public material), synced to disk,
/// without giving it its name yet. See [`Staged`].
pub fn stage(path: &Path, data: &[u8], secrecy: FileSecrecy, overwrite: bool) -> Result<Staged> {
    let write_err = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    check_replaceable(path, overwrite)?;
    let dir = parent_dir(path);
    let mode = match secrecy {
        FileSecrecy::Private => 0o600,
        FileSecrecy::Public => 0o644,
    };
    #[cfg(target_os = "linux")]
    if let Some(mut file) = unnamed_in(dir, 0o600).map_err(write_err)? {
        file.write_all(data).map_err(write_err)?;
        finish(&file, mode).map_err(write_err)?;
        return Ok(Staged {
            pending: Pending::Unnamed(file),
            path: path.to_owned(),
            overwrite,
        });
    }
    // tempfile creates the file with mode 0600 on Unix; on Windows a private file gets its
    // owner-only DACL as it is created, before the first byte.
    #[cfg(windows)]
    let tmp = match secrecy {
        FileSecrecy::Private => temp_names().make_in(dir, certtool_winsec::create_private_file),
        FileSecrecy::Public => temp_names().tempfile_in(dir),
    };
    #[cfg(not(windows))]
    let tmp = temp_names().tempfile_in(dir);
    let mut tmp = tmp.map_err(write_err)?;
    tmp.write_all(data).map_err(write_err)?;
    finish(tmp.as_file(), mode).map_err(write_err)?;
    Ok(Staged {
        pending: Pending::Named(tmp),
        path: path.to_owned(),
        overwrite,
    })
}

/// Syncs a written file to disk and gives it its final mode (exactly, whatever the umask).
fn finish(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    file.sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    // Windows has no mode bits: a private file got its DACL when it was created (stage).
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}

/// What [`commit_all`] undoes when a later file cannot be put in place.
struct Placed {
    path: PathBuf,
    /// The file that was replaced, kept under a temporary name (a hard link); removed
    /// when dropped.
    replaced: Option<tempfile::NamedTempFile<()>>,
}

impl Placed {
    fn undo(self) {
        match self.replaced {
            Some(old) => {
                let _ = old.persist(&self.path);
            }
            None => {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

/// Syncs a directory so that a new name in it survives a crash.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

impl Staged {
    /// The destination.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Puts the staged file in place (without replacing an existing file unless the
    /// stage allowed it).
    pub fn commit(self) -> Result<()> {
        commit_all(vec![self])
    }

    /// Gives the staged file its name. With `keep_replaced`, a file it replaces stays
    /// under a temporary name (for [`commit_all`] to restore); a lone file needs no copy,
    /// since its rename either happens whole or leaves the old file where it was.
    fn place(self, keep_replaced: bool) -> Result<Placed> {
        let path = self.path;
        let write_err = |source| Error::Write {
            path: path.clone(),
            source,
        };
        check_replaceable(&path, self.overwrite)?;
        let dir = parent_dir(&path);
        let exists = self.overwrite && path.symlink_metadata().is_ok();
        let replaced = if exists && keep_replaced {
            // A hard link keeps the destination in place meanwhile; where the file system
            // has none, the old file is moved aside instead.
            let kept = temp_names()
                .make_in(dir, |backup| std::fs::hard_link(&path, backup))
                .or_else(|_| temp_names().make_in(dir, |backup| std::fs::rename(&path, backup)))
                .map_err(write_err)?;
            Some(kept)
        } else {
            None
        };
        match put(self.pending, &path, dir, exists) {
            Ok(()) => Ok(Placed { path, replaced }),
            Err(e) => {
                // Put back what was kept (a moved-aside file would be lost otherwise).
                if let Some(old) = replaced {
                    let _ = old.persist(&path);
                }
                Err(e)
            }
        }
    }
}

/// Gives `pending` the name `path` in `dir`: by a link that never replaces when `replace`
/// is false, else by a rename over whatever is there; then syncs `dir`.
fn put(pending: Pending, path: &Path, dir: &Path, replace: bool) -> Result<()> {
    let write_err = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let exists_err = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            refused_exists(path)
        } else {
            write_err(e)
        }
    };
    let named = match pending {
        #[cfg(target_os = "linux")]
        Pending::Unnamed(file) => {
            use std::os::fd::AsRawFd;
            let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
            let link = |name: &Path| {
                rustix::fs::linkat(
                    rustix::fs::CWD,
                    proc_path.as_str(),
                    rustix::fs::CWD,
                    name,
                    rustix::fs::AtFlags::SYMLINK_FOLLOW,
                )
                .map_err(std::io::Error::from)
            };
            if !replace {
                // linkat never replaces: a file that appeared meanwhile is kept.
                link(path).map_err(exists_err)?;
                None
            } else {
                Some(temp_names().make_in(dir, link).map_err(write_err)?)
            }
        }
        Pending::Named(tmp) => {
            if !replace {
                // persist_noclobber closes the race between the check and the rename.
                tmp.persist_noclobber(path)
                    .map_err(|e| exists_err(e.error))?;
                None
            } else {
                let (file, tmp_path) = tmp.into_parts();
                drop(file);
                Some(tempfile::NamedTempFile::from_parts((), tmp_path))
            }
        }
    };
    if let Some(named) = named {
        named.persist(path).map_err(|e| write_err(e.error))?;
    }
    sync_dir(dir).map_err(write_err)?;
    Ok(())
}

/// Puts every staged file in place, all or nothing: a file replaced under `overwrite`
/// is kept (hard-linked under a temporary name) until every file is in place, and when
/// one cannot be, the files already placed are removed and the replaced ones restored.
pub fn commit_all(staged: Vec<Staged>) -> Result<()> {
    let keep_replaced = staged.len() > 1;
    let mut placed: Vec<Placed> = Vec::new();
    for file in staged {
        match file.place(keep_replaced) {
            Ok(p) => placed.push(p),
            Err(e) => {
                for p in placed.into_iter().rev() {
                    p.undo();
                }
                return Err(e);
            }
        }
    }
    // Every file is in place: dropping the kept copies removes them.
    drop(placed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn force_replaces_only_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let link = dir.path().join("null-link");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        for target in [&fifo, &link] {
            let err = write_atomic(target, b"key", FileSecrecy::Private, true).unwrap_err();
            assert!(matches!(err, Error::Refused(_)), "{err}");
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
        use std::os::unix::fs::FileTypeExt;
        assert!(fifo.symlink_metadata().unwrap().file_type().is_fifo());
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_staged_file_has_no_name_until_committed() {
        // A process killed between staging and commit leaves nothing in the directory.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.pem");
        let staged = stage(&p, b"key", FileSecrecy::Private, false).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        staged.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"key");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_commit_restores_every_replaced_file() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        let (pfx, cer, pem) = (a.join("k.pfx"), b.join("k.cer"), a.join("k.pem"));
        std::fs::write(&pfx, b"old pfx").unwrap();
        std::fs::write(&cer, b"old cer").unwrap();
        let staged = vec![
            stage(&pfx, b"new pfx", FileSecrecy::Private, true).unwrap(),
            stage(&pem, b"new pem", FileSecrecy::Private, true).unwrap(),
            stage(&cer, b"new cer", FileSecrecy::Public, true).unwrap(),
        ];
        // The third rename cannot happen: its directory is gone (a file stands there).
        std::fs::rename(&b, root.path().join("b-moved")).unwrap();
        std::fs::write(&b, b"not a directory").unwrap();
        assert!(commit_all(staged).is_err());
        assert_eq!(std::fs::read(&pfx).unwrap(), b"old pfx");
        assert!(!pem.exists(), "a file this call created is removed");
        let mut left: Vec<_> = std::fs::read_dir(&a)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        left.sort();
        assert_eq!(left, vec![std::ffi::OsString::from("k.pfx")]);
        assert_eq!(
            std::fs::read(root.path().join("b-moved").join("k.cer")).unwrap(),
            b"old cer"
        );
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600_and_not_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.pfx");
        write_atomic(&p, b"one", FileSecrecy::Private, false).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let err = write_atomic(&p, b"two", FileSecrecy::Private, false).unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"two", FileSecrecy::Private, true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(windows)]
    #[test]
    fn private_files_and_dirs_are_the_current_users_only() {
        use certtool_winsec::{dacl_sddl, is_owner_only};
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("a").join("keys");
        create_private_dir(&keys).unwrap();
        for d in [keys.parent().unwrap(), keys.as_path()] {
            assert!(
                is_owner_only(d, true).unwrap(),
                "{d:?}: {}",
                dacl_sddl(d).unwrap()
            );
        }
        let p = keys.join("k.pfx");
        write_atomic(&p, b"one", FileSecrecy::Private, false).unwrap();
        assert!(
            is_owner_only(&p, false).unwrap(),
            "{}",
            dacl_sddl(&p).unwrap()
        );
        write_atomic(&p, b"two", FileSecrecy::Private, true).unwrap();
        assert!(
            is_owner_only(&p, false).unwrap(),
            "{}",
            dacl_sddl(&p).unwrap()
        );
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        // Public material keeps what the directory passes down.
        let cer = dir.path().join("k.cer");
        write_atomic(&cer, b"cert", FileSecrecy::Public, false).unwrap();
        assert!(
            !is_owner_only(&cer, false).unwrap(),
            "{}",
            dacl_sddl(&cer).unwrap()
        );
    }

    #[test]
    fn failure_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("missing-subdir").join("x.cer");
        assert!(write_atomic(&p, b"x", FileSecrecy::Public, false).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_staged_file_left_uncommitted_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.pfx");
        std::fs::write(&p, b"old").unwrap();
        let staged = stage(&p, b"new", FileSecrecy::Private, true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        drop(staged);
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        stage(&p, b"new", FileSecrecy::Private, true)
            .unwrap()
            .commit()
            .unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
    }
}
