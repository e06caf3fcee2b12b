//! The committed `openapi.json` is what the code generates, and it documents what clients need.

use serde_json::Value;

const REGENERATE: &str = "cargo run -q -- openapi > openapi.json";

fn generated() -> Value {
    serde_json::from_str(&just_tech_news::api::service().spec()).unwrap()
}

#[test]
fn the_committed_spec_is_what_the_code_generates() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let fresh = just_tech_news::api::service().spec();
    assert!(
        committed.trim_end() == fresh.trim_end(),
        "openapi.json is stale: regenerate it with `{REGENERATE}` at the repository root and commit it"
    );
}

#[test]
fn every_operation_has_an_id_a_summary_and_documented_errors() {
    let spec = generated();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(
                op["operationId"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: operationId"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: summary"
            );
            assert!(op["responses"]["503"].is_object(), "{name}: 503 documented");
        }
    }
}

#[test]
fn operations_that_need_a_login_declare_the_cookie_scheme() {
    let spec = generated();
    let scheme = &spec["components"]["securitySchemes"]["session_cookie"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "cookie");
    assert_eq!(scheme["name"], "jtn_session");
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let secured = op.get("security").is_some();
            let says_401 = op["responses"]["401"].is_object();
            if secured {
                assert!(
                    says_401,
                    "{method} {path} needs a login but documents no 401"
                );
            }
        }
    }
}
