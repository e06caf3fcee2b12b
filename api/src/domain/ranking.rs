//! The hot ranking's formula (DESIGN.md section 11). Like Lobsters' `calculated_hotness`, time
//! enters linearly, so a stored score never decays and needs no batch job (Lemmy's periodic
//! `hot_rank` refresh is what its users wait on). The score is stored and kept exact by
//! `storage::ranking`.

use chrono::{DateTime, Utc};

/// Seconds of age that weigh as much as a tenfold in votes.
const SECONDS_PER_DECADE_OF_VOTES: f64 = 45_000.0;

/// `log10(max(1, votes + 1)) + created_at / 45000`, with `created_at` in Unix seconds.
pub fn hotness(votes: i64, created_at: DateTime<Utc>) -> f64 {
    let seconds = created_at.timestamp_micros() as f64 / 1e6;
    (Ord::max(votes + 1, 1) as f64).log10() + seconds / SECONDS_PER_DECADE_OF_VOTES
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn the_formula_to_the_letter() {
        assert_eq!(hotness(0, at(0)), 0.0);
        assert_eq!(hotness(9, at(0)), 1.0);
        assert_eq!(hotness(99, at(45_000)), 3.0);
        // max(1, votes + 1): never below log10(1).
        assert_eq!(hotness(-5, at(90_000)), 2.0);
        let t = at(1_796_000_000);
        assert!((hotness(3, t) - (4f64.log10() + 1_796_000_000.0 / 45_000.0)).abs() < 1e-12);
    }

    #[test]
    fn ten_times_the_votes_is_worth_twelve_and_a_half_hours() {
        let t = at(1_796_000_000);
        let later = t + chrono::Duration::minutes(12 * 60 + 30);
        assert!((hotness(99, t) - hotness(9, later)).abs() < 1e-9);
        assert!(hotness(10, t) > hotness(0, later - chrono::Duration::hours(1)));
    }

    #[test]
    fn fractions_of_a_second_count() {
        let t = at(1_796_000_000);
        assert!(hotness(0, t + chrono::Duration::microseconds(500_000)) > hotness(0, t));
    }
}
