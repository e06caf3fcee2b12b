# Just Tech News: the everyday commands. `just --list` shows them.

export CARGO_TARGET_DIR := env_var_or_default("CARGO_TARGET_DIR", "target")

# Serve the site on http://127.0.0.1:3000 (embedded SQLite with demo content).
run:
    cargo run --release

# The Rust tests (SQLite; also PostgreSQL/MariaDB when TEST_POSTGRES_URL/TEST_MYSQL_URL are set).
test:
    cargo test

# Everything CI runs.
ci:
    bash .ci/run

# Browser tests against a real server in Debian's Chromium.
e2e:
    npm ci --no-audit --no-fund
    cargo build
    JTN_BIN="{{CARGO_TARGET_DIR}}/debug/just-tech-news" npm run test:e2e

# Spec-driven fuzzing (schemathesis) and a generated client against a live server.
contract:
    cargo build
    JTN_BIN="{{CARGO_TARGET_DIR}}/debug/just-tech-news" bash tests/contract/run

# Load benchmark: `just bench` (SQLite) or `just bench postgres`; see bench/README.md.
bench backend="sqlite":
    bash bench/run {{backend}}

# Regenerate the committed OpenAPI spec.
openapi:
    cargo run -q -- openapi > openapi.json

fmt:
    cargo fmt --all

lint:
    cargo clippy --all-targets -- -D warnings
