//! Rows decoded by name, whichever way they were read ([`Row`]), and the reads that decode
//! each row as it is read ([`Rows`]).

use std::future::Future;

use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, TryGetable};

/// A connection that can decode each row of a read as it reads it: the database's readers
/// (`db::Db`, which on an embedded file read in the calling thread, straight from SQLite's own
/// buffers) and a transaction. For the reads of many rows where nothing is cached; the rest read
/// through sea-orm.
pub trait Rows: ConnectionTrait {
    /// Every row `statement` (a `SELECT`) reads, each decoded by `decode`; by default from the
    /// rows sea-orm brings ([`decoded`]).
    fn rows<T: Send>(
        &self,
        statement: Statement,
        decode: impl FnMut(&Row<'_>) -> Result<T, DbErr> + Send,
    ) -> impl Future<Output = Result<Vec<T>, DbErr>> + Send {
        decoded(self, statement, decode)
    }
}

/// Every row `statement` reads on `conn`, read by sea-orm and each decoded by `decode`.
pub async fn decoded<T>(
    conn: &(impl ConnectionTrait + ?Sized),
    statement: Statement,
    mut decode: impl FnMut(&Row<'_>) -> Result<T, DbErr>,
) -> Result<Vec<T>, DbErr> {
    let rows = conn.query_all_raw(statement).await?;
    rows.iter().map(|row| decode(&Row::of(row, ""))).collect()
}

/// A row read, from which a type decodes its columns by name: SQLite's row where the database
/// read it in the calling thread, sea-orm's everywhere else.
pub struct Row<'r>(Kind<'r>);

enum Kind<'r> {
    /// A row and its statement's column names.
    Sqlite(&'r rusqlite::Row<'r>, &'r [String]),
    /// A row, and what its columns' names begin with.
    Result(&'r QueryResult, &'r str),
}

/// A column's type, as both kinds of row decode it.
pub trait Column: TryGetable + rusqlite::types::FromSql {}

impl<T: TryGetable + rusqlite::types::FromSql> Column for T {}

impl<'r> Row<'r> {
    /// sea-orm's row, its columns named with `prefix` before each name.
    pub fn of(row: &'r QueryResult, prefix: &'r str) -> Self {
        Self(Kind::Result(row, prefix))
    }

    /// SQLite's row, of a statement whose columns are `names`.
    pub fn sqlite(row: &'r rusqlite::Row<'r>, names: &'r [String]) -> Self {
        Self(Kind::Sqlite(row, names))
    }

    /// The column `name`.
    pub fn get<T: Column>(&self, name: &str) -> Result<T, DbErr> {
        match &self.0 {
            Kind::Sqlite(row, names) => {
                let index = names
                    .iter()
                    .position(|column| column == name)
                    .ok_or_else(|| DbErr::Type(format!("no column {name}")))?;
                row.get(index).map_err(|err| DbErr::Type(format!("column {name}: {err}")))
            }
            Kind::Result(row, prefix) => row.try_get(prefix, name),
        }
    }
}
