//! The crate's layering (docs/ARCHITECTURE.md, "Layers"): every `crate::`
//! path in `src/` is read, and a top-level module may use only modules of
//! its own layer or below, with no cycle among them. No root needed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, top first. A module not listed here fails the test: add it
/// where it belongs.
const LAYERS: &[(&str, &[&str])] = &[
    ("front ends", &["cli", "api"]),
    ("apps", &["compose", "kube"]),
    ("engine", &["build", "container", "system", "pod"]),
    ("services", &["network", "volume", "registry", "image"]),
    ("base", &["runtime", "store"]),
    ("leaves", &["units", "util", "digest", "reference", "format", "filters", "sys"]),
];

/// The layer index of `module` (0 = top), or `None` for an unknown module.
fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, mods)| mods.contains(&module))
}

/// Files under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules named by `crate::…` paths in `code` (comments
/// already removed): `crate::a::b`, `crate::{a, b::c}`. Macros exported at
/// the crate root (`crate::warn!`, `$crate::…` inside one) are not module
/// paths.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c == '$' || c.is_alphanumeric() || c == '_') {
            continue;
        }
        let tail = rest.trim_start();
        if let Some(group) = tail.strip_prefix('{') {
            // The items of the group at depth 1: `a`, `b::c`, `d::{e, f}`.
            let (mut depth, mut item_start) = (0, true);
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        item_start = false;
                        out.insert(ident(&group[j..]));
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(tail);
            // `crate::warn!(…)`: a macro exported at the crate root.
            if !tail[name.len()..].starts_with('!') {
                out.insert(name);
            }
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

/// `code` without `//` comments (line, doc and inner doc comments).
fn strip_comments(code: &str) -> String {
    code.lines().map(|l| l.split_once("//").map_or(l, |(code, _)| code)).collect::<Vec<_>>().join("\n")
}

/// module → (module it uses → the files that use it).
fn import_graph(src: &Path) -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap().to_string_lossy().into_owned();
        if rel == "lib.rs" || rel == "main.rs" {
            continue;
        }
        let top = rel.split('/').next().unwrap().trim_end_matches(".rs").to_string();
        let code = strip_comments(&std::fs::read_to_string(&f).unwrap());
        let uses = graph.entry(top.clone()).or_default();
        for m in crate_paths(&code) {
            if m != top {
                uses.entry(m).or_default().push(rel.clone());
            }
        }
    }
    graph
}

/// A cycle through `start` in `graph`, as a path `start → … → start`.
fn cycle_from(graph: &BTreeMap<String, BTreeMap<String, Vec<String>>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let here = path.last().unwrap().clone();
        for next in graph.get(&here).into_iter().flat_map(|m| m.keys()) {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    walk(graph, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn modules_import_only_their_layer_and_below_without_cycles() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = import_graph(&src);
    assert!(graph.len() >= 10, "found only {:?} under {}", graph.keys(), src.display());
    let mut problems = Vec::new();
    for (module, uses) in &graph {
        let Some(from) = layer_of(module) else {
            problems.push(format!("src/{module}: a top-level module missing from LAYERS in tests/layers.rs"));
            continue;
        };
        for (target, files) in uses {
            match layer_of(target) {
                None => problems.push(format!("{module} uses {target}, a module missing from LAYERS")),
                Some(to) if to < from => problems.push(format!(
                    "{module} ({}) uses {target} ({}), a higher layer, in {}",
                    LAYERS[from].0,
                    LAYERS[to].0,
                    files.join(", ")
                )),
                Some(_) => {}
            }
        }
        if let Some(cycle) = cycle_from(&graph, module) {
            problems.push(format!("cycle: {}", cycle.join(" → ")));
        }
    }
    assert!(problems.is_empty(), "the layering of docs/ARCHITECTURE.md is broken:\n{}", problems.join("\n"));
}

#[test]
fn the_scanner_sees_grouped_and_nested_paths() {
    let code = "use crate::{store::{A, B}, util,\n  network::dns};\nlet x = crate::units::parse_size(s);\n\
                $crate::util::x; notcrate::y; use crate::self_check; crate::warn!(\"x\");";
    let got: Vec<String> = crate_paths(code).into_iter().collect();
    assert_eq!(got, ["network", "self_check", "store", "units", "util"]);
    let stripped = strip_comments("a(); // crate::cli\n//! crate::build\nb();");
    assert!(crate_paths(&stripped).is_empty());
    let mut g: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into(), vec![]);
    g.entry("b".into()).or_default().insert("a".into(), vec![]);
    assert_eq!(cycle_from(&g, "a").unwrap(), ["a", "b", "a"]);
    g.get_mut("b").unwrap().clear();
    assert!(cycle_from(&g, "a").is_none());
}

/// Library code: `code` without comments and without its unit-test modules
/// (`#[cfg(test)] mod NAME {` at the start of a line, to the first `}` at
/// the start of a line after it).
fn library_code(code: &str) -> String {
    let mut rest = strip_comments(code);
    let mut out = String::new();
    while let Some(i) = rest.find("\n#[cfg(test)]\nmod ") {
        out.push_str(&rest[..i]);
        rest = match rest[i..].find("\n}") {
            Some(end) => rest[i + end + 2..].to_string(),
            None => String::new(),
        };
    }
    out.push_str(&rest);
    out
}

/// docs/ARCHITECTURE.md, "Errors": library modules return typed errors
/// (thiserror enums naming the step and the object); `anyhow` is for the
/// front ends only, which print error chains and map them to exit codes or
/// HTTP statuses.
#[test]
fn anyhow_stays_in_the_front_ends() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut offenders = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        let top = rel.split('/').next().unwrap().trim_end_matches(".rs");
        if matches!(top, "cli" | "api" | "main") {
            continue;
        }
        let code = library_code(&std::fs::read_to_string(&f).unwrap());
        let n = code.lines().filter(|l| l.contains("anyhow")).count();
        if n > 0 {
            offenders.push(format!("src/{rel}: {n} lines"));
        }
    }
    assert!(offenders.is_empty(), "library modules use anyhow (give them a typed error):\n{}", offenders.join("\n"));
}

#[test]
fn library_code_drops_only_unit_test_modules() {
    let code = "use a;\n#[cfg(test)]\nmod tests {\n    anyhow::x();\n}\nfn after() { anyhow::y() }\n// anyhow\n";
    let got = library_code(code);
    assert!(got.contains("fn after() { anyhow::y() }"), "{got:?}");
    assert_eq!(got.matches("anyhow").count(), 1, "{got:?}");
}
