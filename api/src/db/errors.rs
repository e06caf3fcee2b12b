//! What a database error means for a request: the database cannot be reached (503, try again), a
//! connection is gone (replace it and, where nothing ran, run again), or a bug (500). Told by the
//! error's kind and code, never by its message.

use sea_orm::{DbErr, RuntimeErr, sqlx};

use crate::error::AppError;

impl From<DbErr> for AppError {
    /// A database that cannot be reached, or is overloaded, is a brief outage (503); anything
    /// else is a bug.
    fn from(err: DbErr) -> Self {
        match &err {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Self::Unavailable(err),
            DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx))
                if is_broken(sqlx) || is_busy(sqlx) || is_pool_failure(sqlx) =>
            {
                Self::Unavailable(err)
            }
            _ => Self::Internal(Box::new(err)),
        }
    }
}

/// Whether `err` says the connection is gone (the database restarted or failed over, or cut
/// the connection), rather than the statement being wrong.
pub fn is_broken(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => {
            true
        }
        // By SQLSTATE. PostgreSQL: the server shut the session down (57P01 admin shutdown,
        // 57P02 crash shutdown, 57P03 cannot connect now). Both: the connection failed (class
        // 08; MariaDB's 08S01 when it shuts down). MariaDB: the connection was killed (70100).
        sqlx::Error::Database(db) => matches!(
            db.code().as_deref(),
            Some(
                "57P01"
                    | "57P02"
                    | "57P03"
                    | "08000"
                    | "08001"
                    | "08003"
                    | "08004"
                    | "08006"
                    | "08S01"
                    | "70100"
            )
        ),
        _ => false,
    }
}

/// Whether a whole [`DbErr`] says its connection is gone.
pub fn is_broken_connection(err: &DbErr) -> bool {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(sqlx))
        | DbErr::Exec(RuntimeErr::SqlxError(sqlx))
        | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => is_broken(sqlx),
        _ => false,
    }
}

/// No connection could be had from the pool in time, or it is closed.
fn is_pool_failure(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)
}

/// SQLite's "database is locked" and "busy" (codes 5, 6 and 517) after the busy timeout: the
/// store is overloaded, which a client should treat like a brief outage, not a bug.
fn is_busy(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("5" | "6" | "517")))
}
