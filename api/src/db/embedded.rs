//! An embedded SQLite file belongs to one process at a time (DESIGN.md section 10): the serving
//! process caches what it read of it, exact only because no one else writes it.

use std::{
    fs::{File, OpenOptions},
    io::{Read, Seek, Write},
    path::{Path, PathBuf},
};

/// The file an embedded (`sqlite:`) URL names; `None` for a server or an in-memory database.
pub fn path(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

/// `mode=rwc` creates the file, not its folder (`data/` on a fresh checkout).
pub(super) fn create_parent_dir(url: &str) {
    if let Some(parent) = path(url).as_deref().and_then(Path::parent).filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(parent);
    }
}

/// This process's hold on an embedded database file; dropping it lets another process have it.
#[derive(Debug)]
pub struct EmbeddedLock {
    _file: File,
}

/// Another process holds the embedded database.
#[derive(Debug, thiserror::Error)]
#[error(
    "{path} is in use by another just-tech-news process{holder}: an embedded database belongs to \
     one process at a time (stop that one first; to run several instances use PostgreSQL or \
     MariaDB)"
)]
pub struct InUse {
    path: String,
    /// ` (pid N)` when the holder wrote its pid.
    holder: String,
}

/// Why an embedded database could not be held.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(transparent)]
    InUse(#[from] InUse),
    #[error("cannot lock {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// Takes the embedded database file named by `url` for this process, so that a second server,
/// or `migrate` or `seed` while a server runs, is refused instead of writing behind the first
/// one's exact in-memory caches. The OS lock is on `FILE.lock` beside the database (not on the
/// database itself, whose own POSIX locks a second descriptor closing would release) and goes
/// with the process, however it ends. `None` for a database server, which needs no lock.
pub fn lock(url: &str) -> Result<Option<EmbeddedLock>, LockError> {
    let Some(database) = path(url) else { return Ok(None) };
    create_parent_dir(url);
    let mut path = database.into_os_string();
    path.push(".lock");
    let path = PathBuf::from(path);
    let shown = path.display().to_string();
    let io = |source| LockError::Io { path: shown.clone(), source };
    let mut file =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = pid.trim();
            let holder = if pid.is_empty() { String::new() } else { format!(" (pid {pid})") };
            let path = shown.trim_end_matches(".lock").to_owned();
            return Err(InUse { path, holder }.into());
        }
        Err(std::fs::TryLockError::Error(err)) => return Err(io(err)),
    }
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()))
        .map_err(io)?;
    Ok(Some(EmbeddedLock { _file: file }))
}
