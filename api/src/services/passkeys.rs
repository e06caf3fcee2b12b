//! Passkeys (DESIGN.md section 23), with webauthn-rs: registered with the password, logged in
//! with alone — no name, no password, no second factor (a passkey is both factors).
//!
//! - The relying party is `PUBLIC_URL`'s host and origin ([`RelyingParty::of`]). Browsers refuse
//!   an IP address as a passkey's site, so with one there are no passkeys ([`Refused::Unavailable`]).
//! - A ceremony's state is kept in the database (`storage::passkeys`), found by the challenge the
//!   browser signed, so any instance can finish what another began. It lives
//!   [`CEREMONY_LIFETIME`] and is finished once: the unit of work that deletes it is the one that
//!   goes on.
//! - Registration asks for a resident (discoverable), user-verified credential: a login without a
//!   name needs the authenticator to know whose it is, and webauthn-rs's passkey registration
//!   does not require one (`requireResidentKey: false`), so the options are made stricter here.
//! - The login's options carry no `mediation`: webauthn-rs asks for conditional mediation (the
//!   autofill flow), and this login is a button.

use std::{sync::Arc, time::Duration};

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey as Credential, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

use super::{
    App, Refusal, User,
    accounts::{self, Client, LoggedIn, LoginRefused, reauthenticate},
    span,
    throttle::{self, Attempt},
};
use crate::{
    domain::{Ban, Email, Password},
    error::AppError,
    storage::{
        accounts as account_rows,
        passkeys::{self, NewPasskey, Passkey, Purpose},
    },
};

/// At most this many passkeys per person.
pub const MAX_PER_PERSON: u64 = passkeys::MAX_PER_USER;

/// How long a ceremony may take, from its options to its credential.
pub const CEREMONY_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The site as passkeys know it. Cloned freely.
#[derive(Clone)]
pub struct RelyingParty(Option<Arc<Webauthn>>);

impl RelyingParty {
    /// The relying party of a site at `public_url`: none when its host is not a domain name.
    pub fn of(public_url: &Url) -> Self {
        let Some(domain) = public_url.domain() else {
            tracing::warn!(
                "PUBLIC_URL's host is an IP address, which browsers refuse as a passkey's site: \
                 passkeys are off (use a name such as localhost)"
            );
            return Self(None);
        };
        let origin = Url::parse(&public_url.origin().ascii_serialization()).ok();
        let built = origin.as_ref().and_then(|origin| {
            WebauthnBuilder::new(domain, origin)
                .ok()?
                .rp_name("Just Tech News")
                .timeout(CEREMONY_LIFETIME)
                .build()
                .ok()
        });
        if built.is_none() {
            tracing::warn!("passkeys are off: PUBLIC_URL cannot be a passkey's site");
        }
        Self(built.map(Arc::new))
    }

    fn get(&self) -> Result<&Webauthn, Refused> {
        self.0.as_deref().ok_or(Refused::Unavailable)
    }
}

/// Why a passkey operation was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// `PUBLIC_URL` is not a site passkeys can belong to.
    Unavailable,
    /// The password given again was wrong, or too many were lately.
    Password(accounts::Refused),
    /// They have [`passkeys::MAX_PER_USER`] already.
    TooMany,
    /// There is no such passkey of theirs.
    NotFound,
}

/// A passkey as its owner sees it.
pub struct View {
    pub id: i32,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<Passkey> for View {
    fn from(row: Passkey) -> Self {
        Self { id: row.id, name: row.name, created_at: row.created_at, last_used_at: row.last_used_at }
    }
}

/// A passkey's name: 1–50 characters, trimmed, no control characters.
pub fn name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    let length = name.chars().count();
    if length == 0 || length > 50 || name.chars().any(char::is_control) {
        return Err(AppError::validation("name", "a passkey's name is 1–50 characters"));
    }
    Ok(name.to_owned())
}

/// `user`'s passkeys, oldest first.
pub async fn list(app: &App, user: &User) -> Result<Result<Vec<View>, Refused>, AppError> {
    if let Err(refused) = app.passkeys.get() {
        return Ok(Err(refused));
    }
    Ok(Ok(passkeys::of_user(&app.db, user.id).await?.into_iter().map(View::from).collect()))
}

/// Begins adding a passkey to `user`'s account once the password is given again: the options for
/// the browser's `navigator.credentials.create`, as WebAuthn's JSON.
pub async fn begin_registration(
    app: &App,
    user: &User,
    password: &Password,
    address: std::net::IpAddr,
) -> Result<Result<serde_json::Value, Refused>, AppError> {
    let webauthn = match app.passkeys.get() {
        Ok(webauthn) => webauthn,
        Err(refused) => return Ok(Err(refused)),
    };
    if let Err(refused) = reauthenticate(app, user, ("password", password), address).await? {
        return Ok(Err(Refused::Password(refused)));
    }
    let existing = passkeys::of_user(&app.db, user.id).await?;
    if existing.len() as u64 >= passkeys::MAX_PER_USER {
        return Ok(Err(Refused::TooMany));
    }
    let exclude: Vec<_> =
        existing.iter().filter_map(|row| credential(row).ok()).map(|key| key.cred_id().clone()).collect();
    let fresh = Uuid::from_bytes(random());
    let now = app.now();
    // The person's handle (made with their first passkey) and the ceremony, in one unit of work.
    let options = app
        .db
        .write(async |tx| {
            let handle = account_rows::passkey_handle(tx, user.id, &fresh.to_string())
                .await?
                .and_then(|handle| Uuid::parse_str(&handle).ok())
                .ok_or(AppError::LoginRequired)?;
            let (options, state) = webauthn
                .start_passkey_registration(handle, &user.username, &user.username, Some(exclude.clone()))
                .map_err(AppError::internal)?;
            let challenge = hash(&options.public_key.challenge);
            let state = serde_json::to_string(&state).map_err(AppError::internal)?;
            let lifetime = (now, now + span(CEREMONY_LIFETIME));
            passkeys::begin(tx, Purpose::Register, Some(user.id), challenge, state, lifetime).await?;
            Ok::<_, AppError>(options)
        })
        .await?;
    let mut options = serde_json::to_value(&options).map_err(AppError::internal)?;
    // A login without a name needs a credential the authenticator keeps (a resident key):
    // webauthn-rs's passkey registration leaves that to the authenticator.
    options["publicKey"]["authenticatorSelection"] = serde_json::json!({
        "residentKey": "required",
        "requireResidentKey": true,
        "userVerification": "required",
    });
    Ok(Ok(options))
}

/// Adds the passkey the browser made from [`begin_registration`]'s options, named `name`. A
/// credential that does not verify — its ceremony unknown, finished or expired among the rest — is
/// refused (422 `credential`).
pub async fn register(
    app: &App,
    user: &User,
    name: &str,
    credential: serde_json::Value,
) -> Result<Result<View, Refused>, AppError> {
    let webauthn = match app.passkeys.get() {
        Ok(webauthn) => webauthn,
        Err(refused) => return Ok(Err(refused)),
    };
    let not_verified =
        || AppError::validation("credential", "the passkey could not be verified; try adding it again");
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(credential).map_err(|_| not_verified())?;
    let challenge = signed_challenge(&credential.response.client_data_json).ok_or_else(not_verified)?;
    let now = app.now();
    let ceremony = passkeys::ceremony(&app.db, Purpose::Register, Some(user.id), &challenge, now)
        .await?
        .ok_or_else(not_verified)?;
    let state: PasskeyRegistration = serde_json::from_str(&ceremony.state).map_err(AppError::internal)?;
    let key = webauthn.finish_passkey_registration(&credential, &state).map_err(|_| not_verified())?;
    let stored = serde_json::to_string(&key).map_err(AppError::internal)?;
    let credential_hash = hash(key.cred_id());
    let written = app
        .db
        .write(async |tx| {
            if !passkeys::finish(tx, ceremony.id).await? {
                return Err(Refusal::Failed(not_verified()));
            }
            let new = NewPasskey { name, credential_hash: credential_hash.clone(), passkey: stored.clone() };
            match passkeys::add(tx, user.id, new, now).await {
                Ok(Some(row)) => Ok(View::from(row)),
                Ok(None) => Err(Refusal::Refused(Refused::TooMany)),
                Err(err) if crate::storage::is_unique_violation(&err) => Err(Refusal::Failed(
                    AppError::validation("credential", "this passkey is on an account already"),
                )),
                Err(err) => Err(err.into()),
            }
        })
        .await;
    Refusal::split(written)
}

/// Renames `user`'s passkey `id`.
pub async fn rename(app: &App, user: &User, id: i32, name: &str) -> Result<Result<View, Refused>, AppError> {
    if let Err(refused) = app.passkeys.get() {
        return Ok(Err(refused));
    }
    let renamed = app.db.write(async |tx| passkeys::rename(tx, user.id, id, name).await).await?;
    Ok(renamed.map(View::from).ok_or(Refused::NotFound))
}

/// Removes `user`'s passkey `id`: it logs nobody in from the moment this answers.
pub async fn remove(app: &App, user: &User, id: i32) -> Result<Result<(), Refused>, AppError> {
    if let Err(refused) = app.passkeys.get() {
        return Ok(Err(refused));
    }
    let removed = app.db.write(async |tx| passkeys::remove(tx, user.id, id).await).await?;
    Ok(if removed { Ok(()) } else { Err(Refused::NotFound) })
}

/// Begins a login with a passkey: the options for the browser's `navigator.credentials.get`, as
/// WebAuthn's JSON, with no credentials listed (the authenticator offers the site's own).
pub async fn begin_login(app: &App) -> Result<Result<serde_json::Value, Refused>, AppError> {
    let webauthn = match app.passkeys.get() {
        Ok(webauthn) => webauthn,
        Err(refused) => return Ok(Err(refused)),
    };
    let (mut options, state) = webauthn.start_discoverable_authentication().map_err(AppError::internal)?;
    // A button, not the autofill flow.
    options.mediation = None;
    let challenge = hash(&options.public_key.challenge);
    let state = serde_json::to_string(&state).map_err(AppError::internal)?;
    let now = app.now();
    app.db
        .write(async |tx| {
            let lifetime = (now, now + span(CEREMONY_LIFETIME));
            passkeys::begin(tx, Purpose::Login, None, challenge, state, lifetime).await
        })
        .await?;
    Ok(Ok(serde_json::to_value(&options).map_err(AppError::internal)?))
}

/// Why a passkey login was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginFailed {
    Unavailable,
    Refused(LoginRefused),
}

/// Logs the browser in with the credential the authenticator signed for [`begin_login`]'s
/// options, exactly as a password login does (a brand-new session, the presented one ended, the
/// throttle, bans), but with no second factor. Any credential that does not verify is
/// `invalid_credentials`, and counted as a failed login.
pub async fn log_in(
    app: &App,
    credential: serde_json::Value,
    client: Client<'_>,
) -> Result<Result<LoggedIn, LoginFailed>, AppError> {
    let webauthn = match app.passkeys.get() {
        Ok(webauthn) => webauthn,
        Err(_) => return Ok(Err(LoginFailed::Unavailable)),
    };
    let refused = |refused| Ok(Err(LoginFailed::Refused(refused)));
    let by_address = Attempt::from_address(client.address);
    if let Some(wait) = throttle::check(app, &by_address).await? {
        return refused(LoginRefused::TooManyAttempts(wait));
    }
    let now = app.now();
    let Some(found) = identify(app, webauthn, credential, now).await? else {
        throttle::record_failure(app, &by_address).await?;
        return refused(LoginRefused::InvalidCredentials);
    };
    let Identified { credential, ceremony, row, account } = found;
    let attempt = match Email::parse(&account.email) {
        Ok(email) => Attempt::new(&email, client.address),
        Err(_) => by_address,
    };
    if let Some(wait) = throttle::check(app, &attempt).await? {
        return refused(LoginRefused::TooManyAttempts(wait));
    }
    let state: DiscoverableAuthentication =
        serde_json::from_str(&ceremony.state).map_err(AppError::internal)?;
    let Ok(mut key) = self::credential(&row) else {
        return Err(AppError::internal("a stored passkey could not be read"));
    };
    let Ok(result) = webauthn.finish_discoverable_authentication_v2(&credential, state, &key) else {
        throttle::record_failure(app, &attempt).await?;
        return refused(LoginRefused::InvalidCredentials);
    };
    if let Some(ban) =
        Ban::from_columns(account.banned_at, account.banned_until, account.ban_reason.clone(), now)
    {
        return refused(LoginRefused::Banned(ban.message()));
    }
    key.update_credential(&result);
    let stored = serde_json::to_string(&key).map_err(AppError::internal)?;
    let written = app
        .db
        .write(async |tx| {
            // The ceremony is finished once, and the passkey must still be there.
            if !passkeys::finish(tx, ceremony.id).await? || !passkeys::used(tx, row.id, &stored, now).await? {
                return Err(Refusal::Refused(LoginRefused::InvalidCredentials));
            }
            throttle::clear_account(tx, &attempt).await?;
            let token = accounts::rotate(tx, client, account.id, now).await?;
            Ok(LoggedIn { id: account.id, username: account.username.clone(), token })
        })
        .await;
    match Refusal::split(written)? {
        Ok(logged_in) => Ok(Ok(logged_in)),
        Err(refusal) => {
            throttle::record_failure(app, &attempt).await?;
            refused(refusal)
        }
    }
}

/// A login's credential with what it names: its ceremony, its passkey and the passkey's owner.
struct Identified {
    credential: PublicKeyCredential,
    ceremony: passkeys::Ceremony,
    row: Passkey,
    account: account_rows::Account,
}

/// What a login's credential names, if it is well-formed, its ceremony is live, and its passkey
/// and user handle belong together. Nothing is verified yet.
async fn identify(
    app: &App,
    webauthn: &Webauthn,
    credential: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Option<Identified>, AppError> {
    let Ok(credential) = serde_json::from_value::<PublicKeyCredential>(credential) else { return Ok(None) };
    let Some(challenge) = signed_challenge(&credential.response.client_data_json) else { return Ok(None) };
    let Some(ceremony) = passkeys::ceremony(&app.db, Purpose::Login, None, &challenge, now).await? else {
        return Ok(None);
    };
    let Ok((handle, credential_id)) = webauthn.identify_discoverable_authentication(&credential) else {
        return Ok(None);
    };
    let Some(row) = passkeys::by_credential(&app.db, &hash(credential_id)).await? else { return Ok(None) };
    let Some(account) = account_rows::by_id(&app.db, row.user_id).await? else { return Ok(None) };
    if account.passkey_handle.as_deref() != Some(handle.to_string().as_str()) {
        return Ok(None);
    }
    Ok(Some(Identified { credential, ceremony, row, account }))
}

/// The stored passkey's credential.
fn credential(row: &Passkey) -> Result<Credential, serde_json::Error> {
    serde_json::from_str(&row.passkey)
}

/// The SHA-256 (hex) of the challenge a browser signed, read from its client data.
fn signed_challenge(client_data_json: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct ClientData {
        challenge: String,
    }
    let data: ClientData = serde_json::from_slice(client_data_json).ok()?;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let challenge = engine.decode(data.challenge.trim_end_matches('=')).ok()?;
    Some(hash(&challenge))
}

fn hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn random() -> [u8; 16] {
    let mut bytes = [0; 16];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    // A version 4 UUID.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes
}

/// Deletes ceremonies that have expired; returns how many.
pub async fn sweep(app: &App) -> Result<u64, sea_orm::DbErr> {
    let now = app.now();
    app.db.write(async |tx| passkeys::sweep(tx, now).await).await
}
