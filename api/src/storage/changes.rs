//! The change counter's SQL: a PostgreSQL sequence `changes`, a one-row MariaDB table `changes`,
//! nothing on SQLite (migration `m20261206_000004_changes`). Why a counter keeps several
//! instances' caches exact is `db::counter`'s to say; this is only where it lives.

use sea_orm::DatabaseBackend;

/// An expression for the counter's value, to select alone or beside something else (the session
/// lookup reads it in the same statement); `None` where there is no counter.
pub fn value_sql(backend: DatabaseBackend) -> Option<&'static str> {
    match backend {
        DatabaseBackend::Postgres => Some("(SELECT last_value FROM changes)"),
        DatabaseBackend::MySql => Some("(SELECT n FROM changes WHERE id = 1)"),
        _ => None,
    }
}

/// The statement that reads the counter alone.
pub fn read_sql(backend: DatabaseBackend) -> Option<&'static str> {
    match backend {
        DatabaseBackend::Postgres => Some("SELECT (SELECT last_value FROM changes) AS n"),
        DatabaseBackend::MySql => Some("SELECT (SELECT n FROM changes WHERE id = 1) AS n"),
        _ => None,
    }
}

/// The statement that advances the counter, outside any transaction: `nextval` takes no lock
/// and is never rolled back; MariaDB's is an `UPDATE` of its own row.
pub fn advance_sql(backend: DatabaseBackend) -> Option<&'static str> {
    match backend {
        DatabaseBackend::Postgres => Some("SELECT nextval('changes')"),
        DatabaseBackend::MySql => Some("UPDATE changes SET n = n + 1 WHERE id = 1"),
        _ => None,
    }
}

/// The statement that commits a write's transaction, and whether it also advances the counter:
/// on PostgreSQL a write that changed what an answer shows sends `nextval` in the same message,
/// run right after the `COMMIT` (one round trip for both; if the `COMMIT` fails, it does not run).
pub fn commit_sql(backend: DatabaseBackend, shown: bool) -> (&'static str, bool) {
    match backend {
        DatabaseBackend::Postgres if shown => ("COMMIT; SELECT nextval('changes')", true),
        _ => ("COMMIT", false),
    }
}
