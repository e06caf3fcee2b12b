//! Password reset by e-mail (DESIGN.md section 16).
//!
//! - A request answers the same for every address. The work behind it — finding the account,
//!   making a token, mailing it — runs after the answer ([`issue`]), so neither the answer nor
//!   its timing says whether the address has an account.
//! - A token is 32 random bytes (base64url, like a session token), valid for one hour, stored
//!   as its SHA-256 only. A newer request replaces older ones: only a user's newest row is live.
//! - At most [`MAILS_PER_HOUR`] mails per account per hour; past that a request sends nothing
//!   and changes nothing. Requests are limited per client address ([`requests_per_client`]).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::Expr,
};

use crate::{
    AppState,
    auth::{accounts, rate::Limit, token::SessionToken as ResetToken},
    config::Config,
    domain::Email,
    entities::password_reset,
    mail::Letter,
};

/// How long a reset link works.
pub const VALID_FOR: Duration = Duration::from_secs(3600);

/// Mails per account within an hour.
pub const MAILS_PER_HOUR: u64 = 3;

/// Reset requests per client address within 15 minutes (`PASSWORD_RESET_MAX_PER_ADDRESS`, 20 by
/// default), for known and unknown addresses alike.
pub fn requests_per_client(config: &Config) -> Limit {
    Limit {
        name: "password-reset",
        max: config.password_reset_max_per_address,
        window: Duration::from_secs(15 * 60),
    }
}

/// How long rows are kept after they were made (the mail limit looks back an hour).
const KEPT_FOR: Duration = Duration::from_secs(24 * 3600);

/// Makes a reset for `email` and mails it, if the address has an account that may have another
/// mail this hour. Runs after the request has been answered; failures are logged, never shown.
pub async fn issue(state: AppState, email: Email) {
    if let Err(err) = try_issue(&state, &email).await {
        tracing::warn!(error = %crate::error::chain(&err), "a password reset could not be made");
    }
}

async fn try_issue(state: &AppState, email: &Email) -> Result<(), DbErr> {
    let Some(account) = accounts::by_email(&state.db, email).await? else { return Ok(()) };
    let now = state.config.clock.now();
    let token = ResetToken::generate();
    let row = password_reset::ActiveModel {
        user_id: Set(account.id),
        token_hash: Set(token.hash()),
        created_at: Set(now),
        expires_at: Set(now + span(VALID_FOR)),
        used_at: Set(None),
        ..Default::default()
    };
    // Written first, counted after with itself (committed, so racing requests on any instance
    // see each other): the limit is never exceeded. One over it is taken back at once.
    let id = password_reset::Entity::insert(row).exec(&state.db).await?.last_insert_id;
    let sent = password_reset::Entity::find()
        .filter(password_reset::Column::UserId.eq(account.id))
        .filter(password_reset::Column::CreatedAt.gt(now - span(Duration::from_secs(3600))))
        .count(&state.db)
        .await?;
    if sent > MAILS_PER_HOUR {
        password_reset::Entity::delete_by_id(id).exec(&state.db).await?;
        tracing::info!(user_id = account.id, "password reset not mailed: the hourly limit is reached");
        return Ok(());
    }
    let link = format!("{}/reset#token={}", state.origin, token.expose());
    state.postbox.post(Letter {
        to: account.email,
        subject: "Reset your Just Tech News password".into(),
        body: format!(
            "Hello {},\n\n\
             Someone, hopefully you, asked to reset the password of your\n\
             Just Tech News account. To choose a new password, open this\n\
             link within the hour:\n\n\
             {link}\n\n\
             The link works once. If you did not ask for this, ignore this\n\
             mail: your password stays as it is.\n",
            account.username
        ),
    });
    Ok(())
}

/// The live reset whose token is `raw`, if any: well-formed, known, unused, unexpired, and the
/// newest of its user's.
pub async fn live(
    conn: &impl ConnectionTrait,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<Option<password_reset::Model>, DbErr> {
    let Some(token) = ResetToken::parse(raw) else { return Ok(None) };
    let Some(reset) = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(token.hash()))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let newer = password_reset::Entity::find()
        .filter(password_reset::Column::UserId.eq(reset.user_id))
        .filter(password_reset::Column::Id.gt(reset.id))
        .count(conn)
        .await?;
    Ok((newer == 0).then_some(reset))
}

/// Spends the reset: `false` if it was spent meanwhile (two confirmations racing: one wins).
pub async fn spend(conn: &impl ConnectionTrait, id: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(now))
        .filter(password_reset::Column::Id.eq(id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes resets made more than a day ago; returns how many.
pub async fn sweep(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = password_reset::Entity::delete_many()
        .filter(password_reset::Column::CreatedAt.lte(now - span(KEPT_FOR)))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

fn span(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}
