//! Demo content: a handful of users, tags, posts (links and a text), comments, votes and a flag,
//! so a fresh site has
//! something to show. Written through the same storage functions the API's writes use, in one
//! unit of work. The demo login is an admin, so the moderation pages can be tried too.

use chrono::Duration;

use super::App;
use crate::{
    domain::{
        CommentText, Email, Password, PostText, PostTitle, PostUrl, Role, TagDescription, TagName, Username,
    },
    error::AppError,
    storage::{
        accounts, comments,
        comments::Created,
        flags::{self, Target},
        moderation_log::{self, Action},
        posts::{self, Content},
        tags, votes,
    },
};

/// Every demo user's password. It passes the password rules.
pub const DEMO_PASSWORD: &str = "demo-news-reader";

const USERS: &[&str] = &["alesia", "jwilloughway", "iboddam", "dstanmer", "djiri"];

const TAGS: &[(&str, &str)] = &[
    ("ask", "Questions to the community: text posts"),
    ("databases", "Storing, querying and keeping data"),
    ("rust", "The Rust programming language"),
    ("security", "Keeping accounts and systems safe"),
    ("web", "Browsers, HTTP and the web platform"),
];

/// Each post: its title, its link, and the indexes of its tags in `TAGS`.
const POSTS: &[(&str, &str, &[usize])] = &[
    ("Rust 2024 edition is out", "https://blog.rust-lang.org/", &[2]),
    ("SQLite is not a toy database", "https://www.sqlite.org/whentouse.html", &[1]),
    ("How HTTP cookies really work", "https://developer.mozilla.org/en-US/docs/Web/HTTP/Cookies", &[3, 4]),
    ("PostgreSQL: the world's most advanced open source database", "https://www.postgresql.org/", &[1]),
    (
        "OWASP Session Management Cheat Sheet",
        "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html",
        &[3],
    ),
];

/// A text post, the newest, tagged `ask`.
const ASK: (&str, &str) = (
    "Ask JTN: how do you back up a small SQLite site?",
    "We run a small site on **one SQLite file**. What do you use to back it up?\n\n\
     - `VACUUM INTO` on a timer\n- Litestream\n- a file copy with the server stopped\n\n\
     Which one has saved you?",
);

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
    (0, "Agreed, @alesia. See also <https://www.sqlite.org/np1queryprob.html>."),
];

/// The accounts and the password a person can log in with.
pub struct DemoLogin {
    pub email: String,
    pub password: &'static str,
}

/// Fills the database with demo content; `None` (and nothing written) when the demo users are
/// already there.
pub async fn seed(app: &App) -> Result<Option<DemoLogin>, AppError> {
    let first = Email::parse(&format!("{}@example.com", USERS[0]))?;
    if accounts::by_email(&app.db, &first).await?.is_some() {
        return Ok(None);
    }
    let password = Password::parse_new("password", DEMO_PASSWORD.into())?;
    let password_hash = app.passwords.hash(&password).await?;
    let now = app.now();
    app.db
        .write(async |tx| {
            let mut user_ids = Vec::new();
            for (i, name) in USERS.iter().enumerate() {
                let username = Username::parse(name)?;
                let email = Email::parse(&format!("{name}@example.com"))?;
                let joined = now - Duration::days(30 - i as i64);
                let created = accounts::create(tx, &username, &email, password_hash.clone(), joined).await?;
                let id = created.ok_or_else(|| AppError::internal(format!("demo user {name} is taken")))?;
                // The demo's people have nothing to prove (DESIGN.md section 23).
                accounts::set_verified(tx, id, email.as_str(), joined).await?;
                user_ids.push(id);
            }

            let mut tag_ids = Vec::new();
            for (name, description) in TAGS {
                let name = TagName::parse(name)?;
                let description =
                    crate::domain::text::parse::<TagDescription>("description", (*description).into())?;
                tags::create(tx, name.clone(), description, now).await?;
                let id = tags::id_of(tx, name.as_str()).await?;
                tag_ids.push(id.ok_or_else(|| AppError::internal("a demo tag is gone"))?);
            }

            // Later posts are more popular: post i gets i + 1 votes, one per user.
            let mut post_ids = Vec::new();
            for (i, (title, url, tagged)) in POSTS.iter().enumerate() {
                let at = now - Duration::hours(24 * (POSTS.len() - i) as i64);
                let author = user_ids[i % user_ids.len()];
                let content = Content { url: Some(PostUrl::parse(url)?), text: None };
                let id = posts::create(tx, author, PostTitle::parse(title)?, content, at).await?;
                let tagged: Vec<i32> = tagged.iter().map(|&tag| tag_ids[tag]).collect();
                tags::set_on_post(tx, id, &tagged).await?;
                for &voter in user_ids.iter().take(i + 1) {
                    let seen = votes::seen(tx, voter, id).await?;
                    let seen = seen.ok_or_else(|| AppError::internal("a demo post is gone"))?;
                    votes::cast(tx, voter, id, seen, now).await?;
                }
                post_ids.push(id);
            }

            let (title, text) = ASK;
            let text = crate::domain::text::parse::<PostText>("text", text.into())?;
            let content = Content { url: None, text: Some(text) };
            let ask =
                posts::create(tx, user_ids[2], PostTitle::parse(title)?, content, now - Duration::hours(2))
                    .await?;
            tags::set_on_post(tx, ask, &[tag_ids[0]]).await?;

            // (id, post) of each comment written, in `COMMENTS` then `REPLIES` order.
            let mut written: Vec<(i32, i32)> = Vec::new();
            let tops =
                COMMENTS.iter().enumerate().map(|(i, text)| (None, post_ids[i % post_ids.len()], *text));
            let replies = REPLIES.iter().map(|&(parent, text)| (Some(parent), 0, text));
            for (i, (parent, post, text)) in tops.chain(replies).enumerate() {
                let parent = parent.map(|index| written[index]);
                let post = parent.map_or(post, |(_, post)| post);
                let author = user_ids[(i + 1) % user_ids.len()];
                let at = now - Duration::hours((COMMENTS.len() + REPLIES.len() - i) as i64);
                let text = CommentText::parse(text)?;
                let Created::Added { id, .. } =
                    comments::create(tx, author, post, parent.map(|(id, _)| id), &text, at).await?
                else {
                    return Err(AppError::internal("a demo comment was refused"));
                };
                written.push((id, post));
            }

            // The demo login runs the place; the last user has flagged the second post.
            accounts::set_role(tx, user_ids[0], Role::Admin).await?;
            let granted = ("user", user_ids[0], USERS[0]);
            moderation_log::record(tx, None, Action::ChangeRole, granted, Some("user → admin"), now).await?;
            let flagger = user_ids[user_ids.len() - 1];
            flags::flag(tx, flagger, Target::Post(post_ids[1]), "duplicate", now).await?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(Some(DemoLogin { email: first.as_str().to_owned(), password: DEMO_PASSWORD }))
}
