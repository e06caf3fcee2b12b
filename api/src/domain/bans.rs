//! Bans (DESIGN.md section 15): while one is in force the user has no session and cannot log
//! in. A ban with an end lifts itself when the end passes; nothing needs to run for that.

use chrono::{DateTime, Utc};

/// Whether a ban made at `banned_at`, ending at `until` (never, if `None`), holds at `now`.
pub fn in_force(banned_at: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    banned_at.is_some() && until.is_none_or(|until| until > now)
}

/// A ban as the user's row keeps it.
#[derive(Clone, Debug)]
pub struct Ban {
    pub at: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
}

impl Ban {
    /// The ban these columns describe, if it is in force at `now`.
    pub fn from_columns(
        at: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Option<Self> {
        in_force(at, until, now).then(|| Self {
            at: at.unwrap_or(now),
            until,
            reason: reason.unwrap_or_default(),
        })
    }

    /// What a refused login says.
    pub fn message(&self) -> String {
        match self.until {
            Some(until) => format!(
                "this account is banned until {} UTC: {}",
                until.format("%Y-%m-%d %H:%M"),
                self.reason
            ),
            None => format!("this account is banned: {}", self.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ban_holds_until_its_end() {
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let hour = chrono::Duration::hours(1);
        assert!(!in_force(None, None, now));
        assert!(in_force(Some(now - hour), None, now));
        assert!(in_force(Some(now - hour), Some(now + hour), now));
        assert!(!in_force(Some(now - hour), Some(now), now));
        assert!(!in_force(Some(now - hour), Some(now - hour), now));
    }
}
