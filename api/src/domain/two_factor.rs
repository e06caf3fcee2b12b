//! Two-factor login's values (DESIGN.md section 16): TOTP codes per RFC 6238 (HMAC-SHA-1, 6
//! digits, 30-second steps, one step of clock skew either way), computed by `totp-rs`, and ten
//! recovery codes, each usable once: 64 random bits, shown once and stored as SHA-256 with the
//! user's id. How they are stored and spent is `storage::two_factor`.

use std::fmt;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

use super::links::component;

/// The issuer authenticator apps show beside the account.
pub const ISSUER: &str = "Just Tech News";

/// How many recovery codes a user holds.
pub const RECOVERY_CODES: usize = 10;

/// The bytes of a secret: 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// A TOTP secret, base32 without padding (how apps take it). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(String);

impl TotpSecret {
    /// A fresh secret from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        Self(Secret::new(Box::new(bytes)).to_base32())
    }

    /// The secret stored for a user.
    pub fn stored(base32: &str) -> Self {
        Self(base32.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    fn totp(&self) -> Option<Totp> {
        let secret = Secret::try_from_base32(&self.0).ok()?;
        Builder::new().with_secret(secret).build().ok()
    }

    /// The step `code` was made for, if it is the code of the step of `now` or of one either side.
    pub fn step_of(&self, code: &str, now: DateTime<Utc>) -> Option<i64> {
        let time = u64::try_from(now.timestamp()).ok()?;
        let step = self.totp()?.check(code, time)?;
        i64::try_from(step).ok()
    }

    /// The code for the step of `at` (tests and the set-up's own checks use it).
    pub fn code_at(&self, at: DateTime<Utc>) -> Option<String> {
        let time = u64::try_from(at.timestamp()).ok()?;
        Some(self.totp()?.generate(time).to_string())
    }

    /// The `otpauth://` URL apps read from the QR code (Key URI Format), every parameter given.
    pub fn otpauth_url(&self, username: &str) -> String {
        let issuer = component(ISSUER);
        let account = component(username);
        format!(
            "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
            self.0
        )
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

/// `text` as a QR code, an SVG document (made here, never by a third-party service).
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .build(),
    )
}

/// Ten fresh recovery codes, like `3f9a-01c2-7be4-d5a8`.
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).expect("the operating system's random source failed");
            let hex = hex::encode(bytes);
            [&hex[0..4], &hex[4..8], &hex[8..12], &hex[12..16]].join("-")
        })
        .collect()
}

/// What is stored for a recovery code: the SHA-256 of the user's id and the code as typed,
/// ignoring case, spaces and dashes. `None` for text that cannot be a recovery code.
pub fn recovery_hash(user_id: i32, code: &str) -> Option<String> {
    let normal: String =
        code.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_lowercase()).collect();
    let plausible = normal.len() == 16 && normal.bytes().all(|b| b.is_ascii_hexdigit());
    plausible.then(|| hex::encode(Sha256::digest(format!("{user_id}:{normal}"))))
}

/// The second factor offered with a login or a drastic change.
#[derive(Clone, Copy)]
pub enum Factor<'a> {
    Totp(&'a str),
    Recovery(&'a str),
}

impl<'a> Factor<'a> {
    /// A code as typed where either kind is accepted: six digits are a TOTP code.
    pub fn either(code: &'a str) -> Self {
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            Self::Totp(code)
        } else {
            Self::Recovery(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    /// RFC 6238 appendix B, the SHA-1 rows: the secret is the ASCII of "12345678901234567890".
    const RFC_6238_SHA1: [(i64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    fn rfc_secret() -> TotpSecret {
        TotpSecret(Secret::new(Box::new(*b"12345678901234567890")).to_base32())
    }

    #[test]
    fn the_crate_computes_the_rfc_6238_test_vectors() {
        let secret = Secret::try_from_base32(rfc_secret().expose()).unwrap();
        let eight = Builder::new().with_digits(8).with_secret(secret).build().unwrap();
        for (time, expected) in RFC_6238_SHA1 {
            assert_eq!(eight.generate(u64::try_from(time).unwrap()).to_string(), expected, "T = {time}");
        }
    }

    #[test]
    fn our_codes_are_the_last_six_digits_of_the_rfc_vectors() {
        let secret = rfc_secret();
        for (time, expected) in RFC_6238_SHA1 {
            assert_eq!(secret.code_at(at(time)).unwrap(), expected[2..], "T = {time}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let secret = rfc_secret();
        let now = at(1_234_567_890);
        let step = now.timestamp() / 30;
        for (offset, accepted) in [(-60, false), (-30, true), (0, true), (30, true), (60, false)] {
            let code = secret.code_at(now + chrono::Duration::seconds(offset)).unwrap();
            let expected = accepted.then_some(step + offset / 30);
            assert_eq!(secret.step_of(&code, now), expected, "a code from {offset} s away");
        }
        for junk in ["", "12345", "1234567", "abcdef", "１２３４５６"] {
            assert_eq!(secret.step_of(junk, now), None, "{junk:?}");
        }
    }

    #[test]
    fn a_fresh_secret_has_160_bits_and_an_app_can_read_its_url() {
        let secret = TotpSecret::generate();
        assert_eq!(secret.expose().len(), 32, "160 bits are 32 base32 characters");
        assert_ne!(secret, TotpSecret::generate());
        assert_eq!(
            secret.otpauth_url("ada_l-9"),
            format!(
                "otpauth://totp/Just%20Tech%20News:ada_l-9?secret={}&issuer=Just%20Tech%20News&algorithm=SHA1&digits=6&period=30",
                secret.expose()
            )
        );
        assert!(!format!("{secret:?}").contains(secret.expose()));
    }

    #[test]
    fn the_qr_code_is_an_svg_document() {
        let svg = qr_svg(&TotpSecret::generate().otpauth_url("ada")).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("<script"), "nothing but shapes");
    }

    #[test]
    fn recovery_codes_are_distinct_and_read_as_typed_in_any_form() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), RECOVERY_CODES);
        let code = &codes[0];
        let stored = recovery_hash(7, code).unwrap();
        let typed = code.to_uppercase().replace('-', " ");
        assert_eq!(recovery_hash(7, &typed).as_deref(), Some(stored.as_str()));
        assert_ne!(recovery_hash(8, code).unwrap(), stored, "bound to its user");
        for junk in ["", "123456", "zzzz-zzzz-zzzz-zzzz", &format!("{code}0")] {
            assert_eq!(recovery_hash(7, junk), None, "{junk:?}");
        }
    }

    #[test]
    fn six_digits_are_a_totp_code_and_anything_else_a_recovery_code() {
        assert!(matches!(Factor::either("123456"), Factor::Totp(_)));
        for other in ["12345", "1234567", "abcd-ef01-2345-6789", "12345a"] {
            assert!(matches!(Factor::either(other), Factor::Recovery(_)), "{other}");
        }
    }
}
