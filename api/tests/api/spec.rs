//! The committed `openapi.json` is what the code generates, and it documents what clients need.

use serde_json::Value;

const REGENERATE: &str = "cargo run -q -- openapi > openapi.json";

fn generated() -> Value {
    serde_json::from_str(&just_tech_news::http::api::service().spec()).unwrap()
}

#[test]
fn the_committed_spec_is_what_the_code_generates() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let fresh = just_tech_news::http::api::service().spec();
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
            assert!(op["operationId"].as_str().is_some_and(|s| !s.is_empty()), "{name}: operationId");
            assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name}: summary");
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
                assert!(says_401, "{method} {path} needs a login but documents no 401");
            }
        }
    }
}

#[test]
fn the_spec_states_the_same_rules_the_server_enforces() {
    use just_tech_news::domain::{EMAIL_PATTERN, NOT_BLANK_PATTERN, POST_URL_PATTERN, USERNAME_PATTERN};
    let spec = generated();
    let schemas = &spec["components"]["schemas"];
    let pattern = |schema: &str, field: &str| {
        schemas[schema]["properties"][field]["pattern"].as_str().map(str::to_owned)
    };
    assert_eq!(pattern("SignUp", "username").as_deref(), Some(USERNAME_PATTERN));
    assert_eq!(pattern("SignUp", "email").as_deref(), Some(EMAIL_PATTERN));
    assert_eq!(pattern("Login", "email").as_deref(), Some(EMAIL_PATTERN));
    assert_eq!(pattern("NewPost", "post_url").as_deref(), Some(POST_URL_PATTERN));
    for (schema, field) in [("NewPost", "title"), ("PostEdit", "title"), ("NewComment", "comment_text")] {
        assert_eq!(pattern(schema, field).as_deref(), Some(NOT_BLANK_PATTERN), "{schema}.{field}");
    }
}

#[test]
fn named_schemas_are_plain_references_unless_nullable_and_nullable_fields_are_required() {
    let spec = generated();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    for (name, schema) in schemas {
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            // OpenAPI 3.0's only way to make a reference nullable: `allOf: [$ref]` beside
            // `nullable: true`. Anything else in allOf loses fields in generated clients.
            if let Some(all_of) = property.get("allOf") {
                assert_eq!(property["nullable"], true, "{name}.{field} wraps a reference in allOf");
                assert_eq!(all_of.as_array().map(Vec::len), Some(1), "{name}.{field}: {property}");
                assert!(all_of[0]["$ref"].is_string(), "{name}.{field}: {property}");
            }
        }
    }
    for (schema, field) in
        [("SessionInfo", "user"), ("Comment", "author"), ("Comment", "parent_id"), ("Comment", "updated_at")]
    {
        let property = &schemas[schema]["properties"][field];
        assert_eq!(property["nullable"], true, "{schema}.{field}: {property}");
        let required = schemas[schema]["required"].as_array().unwrap();
        assert!(required.contains(&field.into()), "{schema}.{field} is always present, maybe null");
    }
    assert!(schemas["Comment"]["properties"]["parent_id"].get("allOf").is_none(), "a plain nullable integer");
}
