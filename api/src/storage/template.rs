//! Statements built once for each shape and bound afresh for each read ([`Template`]): for the
//! reads that run for most requests with nothing cached, whose statement sea-orm would otherwise
//! build again each time (for a post's page, a tenth of the server's time).

use sea_orm::{DatabaseBackend, Statement, Value, Values};

/// A statement's SQL with where each of its arguments goes among its values.
pub struct Template {
    sql: String,
    values: Vec<Slot>,
}

enum Slot {
    /// The argument of this index.
    Argument(usize),
    /// A value the statement has whatever its arguments.
    Fixed(Value),
}

impl Template {
    /// The statement `build` makes of `N` integer arguments, found by building it twice with
    /// arguments no read passes and seeing where they went; `None` if the two differ other than
    /// in those values (its shape depends on its arguments, so it cannot be kept).
    pub fn of<const N: usize>(build: impl Fn([i32; N]) -> Statement) -> Option<Self> {
        let marks = |base: i32| std::array::from_fn::<i32, N, _>(|k| base + i32::try_from(k).unwrap_or(0));
        let (first_marks, second_marks) = (marks(i32::MIN + 1_000), marks(i32::MIN + 2_000));
        let (first, second) = (build(first_marks), build(second_marks));
        if first.sql != second.sql {
            return None;
        }
        let (first_values, second_values) = (values(&first), values(&second));
        if first_values.len() != second_values.len() {
            return None;
        }
        let slot = |(a, b): (&Value, &Value)| {
            if let (Value::Int(Some(a)), Value::Int(Some(b))) = (a, b)
                && let Some(k) = first_marks.iter().position(|mark| mark == a)
            {
                return (second_marks[k] == *b).then_some(Slot::Argument(k));
            }
            (a == b).then(|| Slot::Fixed(a.clone()))
        };
        let values = first_values.iter().zip(second_values).map(slot).collect::<Option<Vec<_>>>()?;
        Some(Self { sql: first.sql, values })
    }

    /// The statement for `arguments`, on `backend`.
    pub fn bind<const N: usize>(&self, backend: DatabaseBackend, arguments: [i32; N]) -> Statement {
        let values = self
            .values
            .iter()
            .map(|slot| match slot {
                Slot::Argument(k) => Value::Int(Some(arguments[*k])),
                Slot::Fixed(value) => value.clone(),
            })
            .collect();
        Statement { sql: self.sql.clone(), values: Some(Values(values)), db_backend: backend }
    }
}

fn values(statement: &Statement) -> &[Value] {
    statement.values.as_ref().map_or(&[], |values| &values.0)
}

#[cfg(test)]
mod tests {
    use sea_orm::{
        DatabaseBackend,
        sea_query::{Alias, Expr, ExprTrait, Query},
    };

    use super::*;

    fn statement(backend: DatabaseBackend, [id, viewer]: [i32; 2], text: &str) -> Statement {
        let query = Query::select()
            .column(Alias::new("a"))
            .from(Alias::new("t"))
            .and_where(Expr::col(Alias::new("v")).eq(viewer))
            .and_where(Expr::col(Alias::new("s")).eq(text))
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .and_where(Expr::col(Alias::new("w")).eq(viewer))
            .to_owned();
        backend.build(&query)
    }

    #[test]
    fn a_template_binds_what_building_afresh_would() {
        for backend in [DatabaseBackend::Sqlite, DatabaseBackend::Postgres, DatabaseBackend::MySql] {
            let template = Template::of(|arguments| statement(backend, arguments, "x")).unwrap();
            for arguments in [[7, 0], [1, 2], [-5, i32::MAX], [i32::MIN + 1_000, 3]] {
                let bound = template.bind(backend, arguments);
                let afresh = statement(backend, arguments, "x");
                assert_eq!((bound.sql, bound.values), (afresh.sql, afresh.values));
            }
        }
    }

    #[test]
    fn a_statement_whose_shape_follows_its_arguments_is_not_kept() {
        let backend = DatabaseBackend::Sqlite;
        let by_sign = |[id]: [i32; 1]| {
            let mut query = Query::select().column(Alias::new("a")).from(Alias::new("t")).to_owned();
            if id < i32::MIN + 1_500 {
                query.and_where(Expr::col(Alias::new("id")).eq(id));
            } else {
                query.and_where(Expr::col(Alias::new("id")).gt(id));
            }
            backend.build(&query)
        };
        assert!(Template::of(by_sign).is_none());
        // Nor one where an argument's value decides another value.
        let doubled = |[id]: [i32; 1]| statement(backend, [id, id / 2], "x");
        assert!(Template::of(doubled).is_none());
    }
}
