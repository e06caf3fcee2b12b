//! Search (DESIGN.md section 17): posts whose title or site has every word of the query as a
//! word prefix, best match first, then newest, on each database's own full-text index (see the
//! `search` migration): SQLite FTS5, PostgreSQL `tsvector`, MariaDB `FULLTEXT`. Removed posts are
//! never found.
//!
//! A query is split into words the way the indexes split text: runs of letters, marks and
//! digits, everything else a separator. So whatever is typed — quotes, operators, any script —
//! reaches the database only as quoted words, and no query can be a syntax error there.

use std::sync::LazyLock;

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};

use crate::domain::links;

/// The longest query, in characters.
pub const MAX_CHARS: usize = 200;

/// The shortest and longest word MariaDB's `FULLTEXT` index holds (`innodb_ft_min_token_size`
/// and `innodb_ft_max_token_size` at their defaults); other words are matched by a pattern on
/// the indexed text instead, so every backend finds the same posts.
const MARIADB_INDEXED_CHARS: std::ops::RangeInclusive<usize> = 3..=84;

static WORD: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"[\p{L}\p{M}\p{N}]+").expect("a valid pattern"));

/// A parsed query: the words every post must have (as word prefixes) and the sites it must be on.
/// Queries that parse alike are one query (and one cached answer).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Query {
    words: Vec<String>,
    sites: Vec<String>,
}

/// Why a query was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("q must not be empty")]
    Empty,
    #[error("q must be at most 200 characters")]
    TooLong,
    #[error("q has domain: without a site after it (write domain:example.com)")]
    DomainWithoutValue,
}

impl Query {
    /// Reads what was typed: words, and `domain:site` (any case) for one site.
    pub fn parse(q: &str) -> Result<Self, QueryError> {
        if q.trim().is_empty() {
            return Err(QueryError::Empty);
        }
        if q.chars().count() > MAX_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut query = Query::default();
        for token in q.split_whitespace() {
            let domain = token.get(..7).filter(|head| head.eq_ignore_ascii_case("domain:"));
            if domain.is_some() {
                let site = &token[7..];
                if site.is_empty() {
                    return Err(QueryError::DomainWithoutValue);
                }
                push_new(&mut query.sites, site_of(site));
            } else {
                for word in WORD.find_iter(token) {
                    push_new(&mut query.words, word.as_str().to_lowercase());
                }
            }
        }
        Ok(query)
    }

    /// Whether nothing in it can match anything (quotes and operators only).
    pub fn matches_nothing(&self) -> bool {
        self.words.is_empty() && self.sites.is_empty()
    }
}

fn push_new(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// `domain:`'s value as `posts.site` holds sites: given as a host or as a whole link.
fn site_of(value: &str) -> String {
    let link = if value.contains("://") { value.to_owned() } else { format!("http://{value}/") };
    match links::site(&link) {
        site if site.is_empty() => value.to_lowercase(),
        site => site,
    }
}

/// One page of the ids of the posts that match, in order, and how many match in all; for a
/// `viewer`, the posts they hid, the posts of people they muted and those carrying a tag they
/// filter are left out, and for anyone those carrying a tag `exclude` names.
pub async fn page(
    db: &impl ConnectionTrait,
    query: &Query,
    viewer: Option<i32>,
    exclude: &[String],
    page: u64,
    per_page: u64,
) -> Result<(Vec<i32>, u64), DbErr> {
    if query.matches_nothing() {
        return Ok((Vec::new(), 0));
    }
    let backend = db.get_database_backend();
    let plan = Plan::new(backend, query, viewer, exclude);
    let offset = (page - 1) * per_page;
    let ids = db
        .query_all_raw(plan.statement("p.id", Some((per_page, offset))))
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<i32>(0))
        .collect::<Result<Vec<_>, _>>()?;
    let total = if page == 1 && (ids.len() as u64) < per_page {
        ids.len() as u64
    } else {
        let row = db.query_one_raw(plan.statement("COUNT(*)", None)).await?;
        row.map(|row| row.try_get_by_index::<i64>(0)).transpose()?.unwrap_or_default().try_into().unwrap_or(0)
    };
    Ok((ids, total))
}

/// The parts of the statements for one query on one backend, with their values in order.
struct Plan {
    backend: DatabaseBackend,
    from: &'static str,
    condition: String,
    /// The values of `condition`'s placeholders.
    values: Vec<Value>,
    order: String,
    /// The values of `order`'s own placeholders (none where it refers to `values` by number).
    order_values: Vec<Value>,
}

impl Plan {
    fn new(backend: DatabaseBackend, query: &Query, viewer: Option<i32>, exclude: &[String]) -> Self {
        let mut plan = Plan {
            backend,
            from: "posts p",
            condition: String::new(),
            values: vec![],
            order: String::new(),
            order_values: vec![],
        };
        let mut conditions = vec!["p.removed_at IS NULL".to_owned()];
        let mut rank = None;
        if !query.words.is_empty() {
            match backend {
                DatabaseBackend::Sqlite => {
                    plan.from = "post_search JOIN posts p ON p.id = post_search.rowid";
                    let terms: Vec<String> = query.words.iter().map(|word| format!("\"{word}\"*")).collect();
                    conditions.push(format!("post_search MATCH {}", plan.bind(terms.join(" "))));
                    rank = Some("post_search.rank".to_owned());
                }
                DatabaseBackend::Postgres => {
                    let terms: Vec<String> = query.words.iter().map(|word| format!("'{word}':*")).collect();
                    let tsquery = format!("to_tsquery('simple', {})", plan.bind(terms.join(" & ")));
                    conditions.push(format!("p.search @@ {tsquery}"));
                    rank = Some(format!("ts_rank(p.search, {tsquery}) DESC"));
                }
                _ => {
                    plan.from = "post_search s JOIN posts p ON p.id = s.post_id";
                    let (indexed, unindexed): (Vec<&String>, Vec<&String>) = query
                        .words
                        .iter()
                        .partition(|word| MARIADB_INDEXED_CHARS.contains(&word.chars().count()));
                    if !indexed.is_empty() {
                        let terms: Vec<String> = indexed.iter().map(|word| format!("+{word}*")).collect();
                        let against = terms.join(" ");
                        // `?` binds once: the ordering's copy is bound after every condition's.
                        plan.order_values.push(against.clone().into());
                        let matched = |placeholder| {
                            format!("MATCH (s.title, s.site, s.body) AGAINST ({placeholder} IN BOOLEAN MODE)")
                        };
                        conditions.push(matched(plan.bind(against)));
                        rank = Some(format!("{} DESC", matched("?".to_owned())));
                    }
                    for word in unindexed {
                        let pattern = format!("(^|[[:space:]]){word}");
                        conditions.push(format!(
                            "CONCAT(s.title, ' ', s.site, ' ', s.body) REGEXP {}",
                            plan.bind(pattern)
                        ));
                    }
                }
            }
        }
        for site in &query.sites {
            conditions.push(format!("p.site = {}", plan.bind(site.clone())));
        }
        if let Some(viewer_id) = viewer {
            let viewer = plan.bind(viewer_id);
            conditions.push(format!(
                "NOT EXISTS (SELECT 1 FROM hidden_posts h WHERE h.user_id = {viewer} AND h.post_id = p.id)"
            ));
            let viewer = plan.bind(viewer_id);
            conditions.push(format!(
                "NOT EXISTS (SELECT 1 FROM muted_users m WHERE m.user_id = {viewer} AND m.muted_id = p.user_id)"
            ));
            let viewer = plan.bind(viewer_id);
            conditions.push(format!(
                "NOT EXISTS (SELECT 1 FROM post_tags xt JOIN tag_filters f ON f.tag_id = xt.tag_id \
                 WHERE xt.post_id = p.id AND f.user_id = {viewer})"
            ));
        }
        if !exclude.is_empty() {
            let names: Vec<String> = exclude.iter().map(|name| plan.bind(name.clone())).collect();
            conditions.push(format!(
                "NOT EXISTS (SELECT 1 FROM post_tags xt JOIN tags xn ON xn.id = xt.tag_id \
                 WHERE xt.post_id = p.id AND xn.name IN ({}))",
                names.join(", ")
            ));
        }
        plan.condition = conditions.join(" AND ");
        plan.order = rank
            .into_iter()
            .chain(["p.created_at DESC".into(), "p.id DESC".into()])
            .collect::<Vec<_>>()
            .join(", ");
        plan
    }

    /// Adds a value; returns its placeholder.
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    /// `SELECT what FROM … WHERE …`, ordered and paged when `page` says how.
    fn statement(&self, what: &str, page: Option<(u64, u64)>) -> Statement {
        let mut sql = format!("SELECT {what} FROM {} WHERE {}", self.from, self.condition);
        let mut values = self.values.clone();
        if let Some((limit, offset)) = page {
            sql.push_str(&format!(" ORDER BY {} LIMIT {limit} OFFSET {offset}", self.order));
            values.extend(self.order_values.iter().cloned());
        }
        Statement::from_sql_and_values(self.backend, sql, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<String> {
        Query::parse(q).unwrap().words
    }

    #[test]
    fn words_are_runs_of_letters_marks_and_digits_in_lower_case() {
        assert_eq!(words("Rust's async-await, v1.22!"), ["rust", "s", "async", "await", "v1", "22"]);
        assert_eq!(words("Привет мир ελληνικά 日本語"), ["привет", "мир", "ελληνικά", "日本語"]);
        assert_eq!(words("rust RUST Rust"), ["rust"]);
    }

    #[test]
    fn operators_and_quotes_alone_match_nothing() {
        for q in [r#"""#, r#"" OR ""#, "* - + ( ) : ^", "'; DROP TABLE posts; --", "NEAR(\"", "«»"] {
            let query = Query::parse(q).unwrap();
            assert!(
                query.matches_nothing() || query.words.iter().all(|w| !w.contains(['"', '\'', '*'])),
                "{q}"
            );
        }
        assert!(Query::parse("* - + ( )").unwrap().matches_nothing());
        assert_eq!(words("AND OR NOT"), ["and", "or", "not"]);
    }

    #[test]
    fn domain_takes_a_host_or_a_link_in_any_case() {
        let sites = |q: &str| Query::parse(q).unwrap().sites;
        assert_eq!(sites("domain:WWW.Example.com"), ["example.com"]);
        assert_eq!(sites("Domain:https://blog.rust-lang.org/x?y"), ["blog.rust-lang.org"]);
        assert_eq!(sites("async domain:bücher.de"), ["xn--bcher-kva.de"]);
        assert_eq!(Query::parse("async domain:example.com").unwrap().words, ["async"]);
    }

    #[test]
    fn empty_overlong_and_valueless_domain_queries_are_refused() {
        assert_eq!(Query::parse(""), Err(QueryError::Empty));
        assert_eq!(Query::parse(" \t "), Err(QueryError::Empty));
        assert_eq!(Query::parse(&"a".repeat(201)), Err(QueryError::TooLong));
        assert!(Query::parse(&"é".repeat(200)).is_ok());
        assert_eq!(Query::parse("rust domain:"), Err(QueryError::DomainWithoutValue));
        assert_eq!(Query::parse("DOMAIN:"), Err(QueryError::DomainWithoutValue));
    }
}
