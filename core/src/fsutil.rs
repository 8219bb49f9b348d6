//! Writing files safely: a temporary file in the destination's directory, then a rename,
//! so a reader never sees half a file and a failure leaves nothing behind.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// How a file should be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSecrecy {
    /// Holds a private key or a secret: mode 0600.
    Private,
    /// Public material (a certificate): mode 0644.
    Public,
}

/// Writes `data` to `path` atomically. Refuses to replace an existing file unless
/// `overwrite` is set. On any failure the destination is untouched and no temporary
/// file remains.
pub fn write_atomic(path: &Path, data: &[u8], secrecy: FileSecrecy, overwrite: bool) -> Result<()> {
    stage(path, data, secrecy, overwrite)?.commit()
}

/// A file written in full under a temporary name beside its destination, waiting to be
/// renamed into place. Dropped without [`Staged::commit`], it is removed and the
/// destination is untouched: several outputs can be staged first and committed only when
/// every one of them was written.
#[derive(Debug)]
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    path: std::path::PathBuf,
    overwrite: bool,
}

fn refused_exists(path: &Path) -> Error {
    Error::Refused(format!(
        "{} already exists; pass --force to replace it",
        path.display()
    ))
}

/// Writes `data` under a temporary name in `path`'s directory (mode 0600, or 0644 for
/// public material), synced to disk. See [`Staged`].
pub fn stage(path: &Path, data: &[u8], secrecy: FileSecrecy, overwrite: bool) -> Result<Staged> {
    let write_err = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    if !overwrite && path.symlink_metadata().is_ok() {
        return Err(refused_exists(path));
    }
    if path.is_dir() {
        return Err(Error::Refused(format!("{} is a directory", path.display())));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // tempfile creates the file with mode 0600 on Unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(".certtool-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write_err)?;
    tmp.write_all(data).map_err(write_err)?;
    tmp.as_file().sync_all().map_err(write_err)?;
    #[cfg(unix)]
    if secrecy == FileSecrecy::Public {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(write_err)?;
    }
    #[cfg(not(unix))]
    let _ = secrecy;
    Ok(Staged {
        tmp,
        path: path.to_owned(),
        overwrite,
    })
}

impl Staged {
    /// The destination.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the staged file into place (without replacing an existing file unless
    /// the stage allowed it).
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let write_err = |source| Error::Write {
            path: path.clone(),
            source,
        };
        if self.overwrite {
            self.tmp.persist(&path).map_err(|e| write_err(e.error))?;
        } else {
            // persist_noclobber closes the race between the existence check and the rename.
            self.tmp.persist_noclobber(&path).map_err(|e| {
                if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                    refused_exists(&path)
                } else {
                    write_err(e.error)
                }
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
