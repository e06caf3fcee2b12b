//! Write limits as configured (`POST_RATE`, `COMMENT_RATE`, `VOTE_RATE`, `SIGNUP_RATE`).

use std::{fmt, str::FromStr, time::Duration};

/// A configured rate, `N/s`, `N/m`, `N/h` or `N/d` (DESIGN.md section 14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub max: u64,
    pub window: Duration,
}

impl Rate {
    /// Reads a setting: `None` for `0` (no limit), else the rate.
    pub fn setting(text: &str) -> Result<Option<Self>, String> {
        match text.trim() {
            "0" => Ok(None),
            text => text.parse().map(Some),
        }
    }
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let shape = || format!("{text:?} is not a rate like 10/h (N/s, N/m, N/h or N/d), or 0 for none");
        let (count, unit) = text.split_once('/').ok_or_else(shape)?;
        let max = count.parse::<u64>().ok().filter(|&n| n > 0).ok_or_else(shape)?;
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 24 * 3600,
            _ => return Err(shape()),
        };
        Ok(Self { max, window: Duration::from_secs(seconds) })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.window.as_secs() {
            1 => "s",
            60 => "m",
            3600 => "h",
            _ => "d",
        };
        write!(f, "{}/{unit}", self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_the_design_writes_them() {
        assert_eq!(Rate::setting("10/h"), Ok(Some(Rate { max: 10, window: Duration::from_secs(3600) })));
        assert_eq!(Rate::setting(" 3/s "), Ok(Some(Rate { max: 3, window: Duration::from_secs(1) })));
        assert_eq!(Rate::setting("60/m").unwrap().unwrap().window, Duration::from_secs(60));
        assert_eq!(Rate::setting("1/d").unwrap().unwrap().window, Duration::from_secs(86_400));
        assert_eq!(Rate::setting("0"), Ok(None));
        assert_eq!(Rate::setting("10/h").unwrap().unwrap().to_string(), "10/h");
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["abc", "", "10", "10/", "/h", "10/x", "10/hour", "-1/h", "0/h", "1.5/h", "10 / h", "10/H"]
        {
            assert!(Rate::setting(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
