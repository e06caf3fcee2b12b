//! `just-tech-news backup PATH` (DESIGN.md section 18): a consistent copy of the embedded
//! database, taken while the server serves and writes. SQLite's `VACUUM INTO` reads one snapshot
//! (every transaction committed before it began, none after) and writes it, compacted, as a new
//! database file. A database server is backed up with its own tool instead.

use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use super::{connect, embedded};

/// Why no backup was made. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "backup copies the embedded SQLite database; back up PostgreSQL with its own tool: pg_dump --format=custom --file=PATH \"$DATABASE_URL\" (restore with pg_restore)"
    )]
    Postgres,
    #[error(
        "backup copies the embedded SQLite database; back up MariaDB with its own tool: mariadb-dump --single-transaction DATABASE > PATH (restore with mariadb DATABASE < PATH)"
    )]
    MariaDb,
    #[error("DATABASE_URL names no database file to back up (an in-memory database has none)")]
    NoFile,
    #[error("{0} already exists; backup never overwrites a file (choose a new name)")]
    Exists(PathBuf),
    #[error("there is no database at {0} to back up (check DATABASE_URL)")]
    NoDatabase(PathBuf),
    #[error("cannot write the backup to {path}: {reason}")]
    Unwritable { path: PathBuf, reason: String },
    #[error("cannot read the database: {0}")]
    Database(#[from] sea_orm::DbErr),
}

/// Copies the embedded database at `database_url` to a new file at `to`; returns its size.
pub async fn backup(database_url: &str, to: &Path) -> Result<u64, BackupError> {
    let file = match database_url.split(':').next() {
        Some("postgres" | "postgresql") => return Err(BackupError::Postgres),
        Some("mysql" | "mariadb") => return Err(BackupError::MariaDb),
        _ => embedded::path(database_url).ok_or(BackupError::NoFile)?,
    };
    if !file.is_file() {
        return Err(BackupError::NoDatabase(file));
    }
    // `symlink_metadata`, so a dangling link counts as something there.
    if to.symlink_metadata().is_ok() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    let unwritable = |reason: String| BackupError::Unwritable { path: to.to_owned(), reason };
    let parent = to.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(unwritable(format!("{} is not a folder", parent.display())));
    }
    let target = to.to_str().ok_or_else(|| unwritable("the path is not UTF-8".into()))?;
    // `rw`, not `rwc`: the backup never creates the database; it neither migrates nor writes it.
    let url = format!("sqlite://{}?mode=rw", file.display());
    let conn = connect::pool(&url, None).await?;
    let copied = conn
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "VACUUM INTO ?",
            [target.into()],
        ))
        .await;
    conn.close().await?;
    match copied {
        Ok(_) => Ok(std::fs::metadata(to).map(|m| m.len()).unwrap_or_default()),
        // SQLite's own words say why (a folder it cannot write, a full disk): no SQL in them.
        Err(err) => Err(unwritable(sqlite_reason(&err))),
    }
}

/// The reason SQLite gave, without the driver's wrapping.
fn sqlite_reason(err: &sea_orm::DbErr) -> String {
    let text = err.to_string();
    text.rsplit(": ").next().unwrap_or(&text).trim().to_owned()
}
