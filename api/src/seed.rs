//! Demo content: a handful of users, posts, comments, votes and a flag, so a fresh site has
//! something to show. Written through the same entities and rules the API uses. The demo login
//! is an admin, so the moderation pages can be tried too.

use chrono::Duration;
use sea_orm::{ActiveValue::Set, DbErr, EntityTrait, TransactionTrait};

use crate::{
    AppState,
    auth::{
        accounts,
        roles::{self, Role},
    },
    cache::Change,
    domain::{Email, Password, PostTitle, PostUrl, Username},
    entities::{comment, post, vote},
    error::AppError,
    news::{links, markdown, moderation, ranking},
};

/// Every demo user's password. It passes the password rules.
pub const DEMO_PASSWORD: &str = "demo-news-reader";

const USERS: &[&str] = &["alesia", "jwilloughway", "iboddam", "dstanmer", "djiri"];

const POSTS: &[(&str, &str)] = &[
    ("Rust 2024 edition is out", "https://blog.rust-lang.org/"),
    ("SQLite is not a toy database", "https://www.sqlite.org/whentouse.html"),
    ("How HTTP cookies really work", "https://developer.mozilla.org/en-US/docs/Web/HTTP/Cookies"),
    ("PostgreSQL: the world's most advanced open source database", "https://www.postgresql.org/"),
    (
        "OWASP Session Management Cheat Sheet",
        "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html",
    ),
];

const COMMENTS: &[&str] = &[
    "Great read, thanks for sharing.",
    "I had no idea about this. Bookmarked.",
    "The section on trade-offs is the best part.",
    "We switched to this at work last year and never looked back.",
    "Does anyone have benchmarks for this?",
];

/// Replies: the index of the comment (in `COMMENTS`, then in this list) each one answers.
const REPLIES: &[(usize, &str)] = &[
    (4, "Yes: the `bench/` folder of this very site has a few, with *p99* figures."),
    (5, "> with p99 figures\n\nThat is the part **most** write-ups leave out."),
    (0, "Agreed. See also <https://www.sqlite.org/np1queryprob.html>."),
];

/// The accounts and the password a person can log in with.
pub struct DemoLogin {
    pub email: String,
    pub password: &'static str,
}

/// Fills the database with demo content; `None` (and nothing written) when the demo users are
/// already there.
pub async fn seed(state: &AppState) -> Result<Option<DemoLogin>, AppError> {
    let first = Email::parse(&format!("{}@example.com", USERS[0]))?;
    if accounts::by_email(&state.db, &first).await?.is_some() {
        return Ok(None);
    }
    let password = Password::parse_new("password", DEMO_PASSWORD.into())?;
    let password_hash = state.hasher.hash(&password).await?;
    let now = state.config.clock.now();
    let txn = state.db.begin().await?;

    let mut user_ids = Vec::new();
    for (i, name) in USERS.iter().enumerate() {
        let username = Username::parse(name)?;
        let email = Email::parse(&format!("{name}@example.com"))?;
        let joined = now - Duration::days(30 - i as i64);
        let created = accounts::create(&txn, &username, &email, password_hash.clone(), joined).await?;
        user_ids.push(created.map_err(|taken| AppError::internal(format!("demo {taken:?} already taken")))?);
    }

    let mut post_ids = Vec::new();
    for (i, (title, url)) in POSTS.iter().enumerate() {
        let at = now - Duration::hours(24 * (POSTS.len() - i) as i64);
        let row = post::ActiveModel {
            title: Set(PostTitle::parse(title)?.into_inner()),
            post_url: Set(PostUrl::parse(url)?.into_inner()),
            url_key: Set(Some(links::key(url))),
            site: Set(Some(links::site(url))),
            user_id: Set(user_ids[i % user_ids.len()]),
            created_at: Set(at),
            updated_at: Set(at),
            // The votes cast below; ranked once they are in.
            vote_count: Set((i + 1).min(user_ids.len()) as i32),
            ..Default::default()
        };
        post_ids.push(post::Entity::insert(row).exec(&txn).await?.last_insert_id);
    }

    // (id, post, depth) of each comment written, in `COMMENTS` then `REPLIES` order.
    let mut written: Vec<(i32, i32, i32)> = Vec::new();
    let tops = COMMENTS.iter().enumerate().map(|(i, text)| (None, post_ids[i % post_ids.len()], *text));
    let replies = REPLIES.iter().map(|&(parent, text)| (Some(parent), 0, text));
    for (i, (parent, post_id, text)) in tops.chain(replies).enumerate() {
        let parent = parent.map(|index| written[index]);
        let post_id = parent.map_or(post_id, |(_, post, _)| post);
        let depth = parent.map_or(0, |(_, _, depth)| depth + 1);
        let row = comment::ActiveModel {
            comment_text: Set(text.into()),
            comment_html: Set(Some(markdown::render(text))),
            user_id: Set(Some(user_ids[(i + 1) % user_ids.len()])),
            post_id: Set(post_id),
            parent_id: Set(parent.map(|(id, _, _)| id)),
            depth: Set(depth),
            created_at: Set(now - Duration::hours((COMMENTS.len() + REPLIES.len() - i) as i64)),
            ..Default::default()
        };
        written.push((comment::Entity::insert(row).exec(&txn).await?.last_insert_id, post_id, depth));
    }

    // Later posts are more popular: post i gets i + 1 votes, one per user.
    let votes = post_ids.iter().enumerate().flat_map(|(i, &post_id)| {
        user_ids.iter().take(i + 1).map(move |&user_id| vote::ActiveModel {
            user_id: Set(user_id),
            post_id: Set(post_id),
            created_at: Set(now),
        })
    });
    vote::Entity::insert_many(votes).exec_without_returning(&txn).await?;
    ranking::rank(&txn, &post_ids).await?;

    // The demo login runs the place; the last user has flagged the second post.
    roles::set(&txn, user_ids[0], Role::Admin).await?;
    let granted = ("user", user_ids[0], USERS[0]);
    moderation::record(&txn, None, moderation::Action::ChangeRole, granted, Some("user → admin"), now)
        .await?;
    let flagger = user_ids[user_ids.len() - 1];
    moderation::flag(&txn, flagger, moderation::Target::Post(post_ids[1]), "duplicate", now).await?;
    txn.commit().await.map_err(|err: DbErr| AppError::from(err))?;
    state.caches.after_commit([Change::Everything]).await?;
    Ok(Some(DemoLogin { email: first.as_str().to_owned(), password: DEMO_PASSWORD }))
}
