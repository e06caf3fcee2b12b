//! A software passkey for the tests: a discoverable (resident), user-verifying ES256 authenticator,
//! together with the part of the browser that checks the site and writes `clientDataJSON`. It
//! answers in the JSON of a browser's `PublicKeyCredential.toJSON()`.
//!
//! Like a browser, it refuses options that do not ask for a passkey (a resident key with user
//! verification): such a server would make credentials that cannot log in without a name.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use crypto_glue::{
    ecdsa_p256::{
        self, EcdsaP256PrivateKey, EcdsaP256PublicSec1Point, EcdsaP256Signature, EcdsaP256SigningKey,
    },
    traits::Signer,
};
use serde_cbor_2::value::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const BACKED_UP: u8 = 0x10;
const ATTESTED_CREDENTIAL: u8 = 0x40;

/// A key the authenticator keeps for one site and one person.
struct Credential {
    id: Vec<u8>,
    key: EcdsaP256PrivateKey,
    rp_id: String,
    user_handle: Vec<u8>,
    counter: u32,
}

/// One device (or one password manager) holding passkeys.
pub struct Authenticator {
    credentials: Vec<Credential>,
    synced: bool,
}

/// A way to spoil an assertion, for the refusals.
pub enum Tamper {
    Nothing,
    /// The signature covers other bytes than those sent.
    Signature,
    /// Signed with a key the server never saw.
    OtherKey,
    /// Made for a page at this origin (a browser whose site check was bypassed).
    Origin(&'static str),
    /// The authenticator data names this site instead of the one asked for.
    RpId(&'static str),
}

impl Authenticator {
    /// A security key with a PIN: it counts its signatures.
    pub fn new() -> Self {
        Self { credentials: Vec::new(), synced: false }
    }

    /// A passkey kept by a password manager: backed up, and its signature counter stays 0, as
    /// those of the big platforms do, so only the server's single-use challenge stops a replay.
    pub fn synced() -> Self {
        Self { credentials: Vec::new(), synced: true }
    }

    fn backup_flags(&self) -> u8 {
        if self.synced { BACKUP_ELIGIBLE | BACKED_UP } else { 0 }
    }

    /// `navigator.credentials.create({publicKey})` on a page at `origin`, given the server's
    /// `{publicKey: {...}}`.
    pub fn register(&mut self, origin: &str, options: &Value) -> Value {
        let options = &options["publicKey"];
        let rp_id = text(&options["rp"]["id"]);
        check_site(origin, rp_id);
        let selection = &options["authenticatorSelection"];
        let resident = match selection.get("residentKey") {
            Some(resident_key) => resident_key == "required",
            None => selection["requireResidentKey"] == true,
        };
        assert!(resident, "the options must ask for a discoverable credential: {selection}");
        assert_eq!(selection["userVerification"], "required", "the options must require user verification");
        let params = options["pubKeyCredParams"].as_array().expect("pubKeyCredParams");
        assert!(params.iter().any(|param| param["alg"] == -7), "ES256 is not offered: {params:?}");
        let excluded: Vec<Vec<u8>> = options["excludeCredentials"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| decode(&c["id"]))
            .collect();
        assert!(
            !self.credentials.iter().any(|held| excluded.contains(&held.id)),
            "this authenticator already holds one of the site's excluded passkeys"
        );

        let mut id = vec![0; 32];
        getrandom::fill(&mut id).unwrap();
        let key = ecdsa_p256::new_key();
        let point = EcdsaP256PublicSec1Point::from(key.public_key());
        let cose_key = Cbor::Map(BTreeMap::from([
            (Cbor::Integer(1), Cbor::Integer(2)),  // kty: EC2
            (Cbor::Integer(3), Cbor::Integer(-7)), // alg: ES256
            (Cbor::Integer(-1), Cbor::Integer(1)), // crv: P-256
            (Cbor::Integer(-2), Cbor::Bytes(point.x().unwrap().to_vec())),
            (Cbor::Integer(-3), Cbor::Bytes(point.y().unwrap().to_vec())),
        ]));
        let flags = USER_PRESENT | USER_VERIFIED | ATTESTED_CREDENTIAL | self.backup_flags();
        let mut auth_data = authenticator_data(rp_id, flags, 0);
        auth_data.extend([0; 16]); // AAGUID
        auth_data.extend(u16::try_from(id.len()).unwrap().to_be_bytes());
        auth_data.extend(&id);
        auth_data.extend(serde_cbor_2::to_vec(&cose_key).unwrap());
        let attestation = Cbor::Map(BTreeMap::from([
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new())),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]));
        let client_data = client_data("webauthn.create", &options["challenge"], origin);
        let user_handle = decode(&options["user"]["id"]);
        let encoded_id = encode(&id);
        self.credentials.push(Credential { id, key, rp_id: rp_id.to_owned(), user_handle, counter: 0 });
        json!({
            "id": encoded_id,
            "rawId": encoded_id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": encode(&client_data),
                "attestationObject": encode(&serde_cbor_2::to_vec(&attestation).unwrap()),
            },
            "clientExtensionResults": {},
        })
    }

    /// `navigator.credentials.get({publicKey})` on a page at `origin`: the newest passkey this
    /// authenticator holds for the site (of those allowed, if the options name any).
    pub fn authenticate(&mut self, origin: &str, options: &Value) -> Value {
        self.authenticate_tampered(origin, options, Tamper::Nothing)
    }

    /// Like [`Self::authenticate`], with the answer spoiled as `tamper` says.
    pub fn authenticate_tampered(&mut self, origin: &str, options: &Value, tamper: Tamper) -> Value {
        let options = &options["publicKey"];
        let rp_id = text(&options["rpId"]);
        let origin = match tamper {
            Tamper::Origin(other) => other,
            _ => {
                check_site(origin, rp_id);
                origin
            }
        };
        let allowed: Vec<Vec<u8>> =
            options["allowCredentials"].as_array().into_iter().flatten().map(|c| decode(&c["id"])).collect();
        let flags = USER_PRESENT | USER_VERIFIED | self.backup_flags();
        let synced = self.synced;
        let credential = self
            .credentials
            .iter_mut()
            .rev()
            .find(|held| held.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&held.id)))
            .unwrap_or_else(|| panic!("this authenticator holds no passkey for {rp_id}"));
        if !synced {
            credential.counter += 1;
        }
        let signed_rp_id = if let Tamper::RpId(other) = tamper { other } else { rp_id };
        let auth_data = authenticator_data(signed_rp_id, flags, credential.counter);
        let client_data = client_data("webauthn.get", &options["challenge"], origin);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        if matches!(tamper, Tamper::Signature) {
            signed[0] ^= 1;
        }
        let key =
            if matches!(tamper, Tamper::OtherKey) { ecdsa_p256::new_key() } else { credential.key.clone() };
        let signature: EcdsaP256Signature = EcdsaP256SigningKey::from(&key).try_sign(&signed).unwrap();
        json!({
            "id": encode(&credential.id),
            "rawId": encode(&credential.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "authenticatorData": encode(&auth_data),
                "clientDataJSON": encode(&client_data),
                "signature": encode(signature.to_der().as_bytes()),
                "userHandle": encode(&credential.user_handle),
            },
            "clientExtensionResults": {},
        })
    }
}

/// What a browser checks before it lets a page use a site's passkeys: the page's host is the site
/// or under it.
fn check_site(origin: &str, rp_id: &str) {
    let origin_url = url::Url::parse(origin).unwrap();
    let host = origin_url.host_str().unwrap();
    assert!(
        host == rp_id || host.ends_with(&format!(".{rp_id}")),
        "a browser on {origin} refuses passkeys of the site {rp_id}"
    );
}

fn authenticator_data(rp_id: &str, flags: u8, counter: u32) -> Vec<u8> {
    let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
    data.push(flags);
    data.extend(counter.to_be_bytes());
    data
}

fn client_data(kind: &str, challenge: &Value, origin: &str) -> Vec<u8> {
    let challenge = text(challenge);
    json!({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false})
        .to_string()
        .into_bytes()
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_else(|| panic!("a string, not {value}"))
}

pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn decode(value: &Value) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text(value).trim_end_matches('=')).expect("base64url")
}
