//! Your data to take away (DESIGN.md section 22): everything the site keeps that is yours, in
//! one answer, at most once a minute (each export reads a person's every row). Never a secret:
//! sessions and tokens come without theirs, the password not at all.

use std::time::Duration;

use super::{
    App, User, accounts,
    limits::{self, Limit},
    sessions, tokens,
};
use crate::{
    error::AppError,
    storage::{
        export::{self, Comment, Flag, Marks, Post},
        invites, mutes,
        mutes::Muted,
        notifications::{Only, Row},
        tags,
    },
};

pub use crate::storage::export::Marked;

/// One export per person per minute.
const LIMIT: Limit = Limit { name: "export", max: 1, window: Duration::from_secs(60) };

/// Everything of one person's.
pub struct Export {
    pub profile: accounts::Profile,
    pub posts: Vec<Post>,
    pub comments: Vec<Comment>,
    pub votes: Vec<Marked>,
    pub saved: Vec<Marked>,
    pub hidden: Vec<Marked>,
    pub muted: Vec<Muted>,
    pub filters: Vec<String>,
    pub notifications: Vec<Row>,
    pub invitations: Vec<invites::Listed>,
    pub flags: Vec<Flag>,
    pub sessions: Vec<sessions::Listed>,
    pub tokens: Vec<tokens::Listed>,
    /// Their passkeys (never a key).
    pub passkeys: Vec<crate::storage::passkeys::Passkey>,
}

/// `user`'s export; 429 `rate_limited` within a minute of the last.
pub async fn export(app: &App, user: &User) -> Result<Export, AppError> {
    let now = app.now();
    let key = user.id.to_string();
    app.db.write(async |tx| limits::take(tx, Some(LIMIT), &key, now).await).await?;
    let db = &app.db;
    Ok(Export {
        profile: accounts::profile(app, user).await?,
        posts: export::posts(db, user.id).await?,
        comments: export::comments(db, user.id).await?,
        votes: export::marks(db, user.id, Marks::Votes).await?,
        saved: export::marks(db, user.id, Marks::Saved).await?,
        hidden: export::marks(db, user.id, Marks::Hidden).await?,
        muted: mutes::list(db, user.id).await?,
        filters: tags::filters(db, user.id).await?,
        notifications: crate::storage::notifications::page(db, user.id, Only::All, 1, u64::from(u32::MAX))
            .await?,
        invitations: invites::list(db, user.id).await?,
        flags: export::flags(db, user.id).await?,
        sessions: sessions::list(app, user).await?,
        tokens: tokens::list(app, user).await?,
        passkeys: crate::storage::passkeys::of_user(db, user.id).await?,
    })
}
