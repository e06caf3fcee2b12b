//! The layers of the crate, checked: each top-level module may import only the modules below
//! it (the table in `lib.rs`'s documentation), read from the `crate::` paths in its source.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// What each top-level module may import. The edge reaches the site through the services only,
/// never the storage or the database behind them.
const ALLOWED: &[(&str, &[&str])] = &[
    ("clock", &[]),
    ("entities", &[]),
    ("error", &[]),
    ("config", &["clock"]),
    ("domain", &["error"]),
    ("storage", &["domain", "entities", "error"]),
    ("mail", &["config"]),
    ("db", &["config", "domain", "entities", "error", "storage"]),
    ("services", &["clock", "config", "db", "domain", "error", "mail", "storage"]),
    ("http", &["clock", "config", "domain", "error", "services"]),
];

/// The crate's sources, by top-level module; `lib.rs`, `main.rs` and this check are the root.
fn sources() -> BTreeMap<String, Vec<PathBuf>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut by_module: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            let first = relative.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
            let module = first.trim_end_matches(".rs").to_owned();
            if !["lib", "main", "layers"].contains(&module.as_str()) {
                by_module.entry(module).or_default().push(path);
            }
        }
    }
    by_module
}

/// The top-level modules (and root items) a source's `crate::` paths name: `crate::a::b` and
/// each first segment of `crate::{a::b, c}`.
fn imports(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = source;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::` in a macro, or a name ending in "crate"
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => item_start = true,
                    c if depth == 1 && item_start && (c.is_alphabetic() || c == '_') => {
                        item_start = false;
                        found.insert(identifier(&group[i..]));
                    }
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
            }
        } else {
            found.insert(identifier(rest));
        }
    }
    found
}

fn identifier(text: &str) -> String {
    text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut wrong = Vec::new();
    for (module, files) in sources() {
        let Some(may) = allowed.get(module.as_str()) else {
            wrong.push(format!("{module} is a top-level module missing from ALLOWED"));
            continue;
        };
        for file in files {
            for import in imports(&std::fs::read_to_string(&file).unwrap()) {
                if import != module && !may.contains(&import.as_str()) {
                    wrong.push(format!("{} imports {import}", file.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "imports across the layers:\n{}", wrong.join("\n"));
}

#[test]
fn the_layers_have_no_cycle() {
    // Each module may import only modules listed before it: the table is in layer order.
    for (at, (module, may)) in ALLOWED.iter().enumerate() {
        for import in *may {
            let below = ALLOWED[..at].iter().any(|(earlier, _)| earlier == import);
            assert!(below, "{module} may import {import}, which is not below it");
        }
    }
}

#[test]
fn imports_are_read_from_plain_and_grouped_paths() {
    let source = "use crate::{\n    db::Db,\n    domain::{Role, links},\n    error::AppError,\n};\n\
                  fn f() { crate::storage::x(); $crate::http::y(); }";
    let found: Vec<_> = imports(source).into_iter().collect();
    assert_eq!(found, ["db", "domain", "error", "storage"]);
}
