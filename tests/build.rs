//! `rcon build`: BuildKit conformance of the Dockerfile parser and the shell
//! lexer (no root needed), from the corpus in
//! `../shared/conformance/buildkit-dockerfile` (see its README). A missing
//! corpus is a failure, never a skip.

use std::path::PathBuf;

use rcon::build::parser;
use rcon::build::shell::Lex;

fn corpus() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/buildkit-dockerfile");
    assert!(
        dir.join("parser/testfiles").is_dir(),
        "the BuildKit conformance corpus is missing: expected {} (copied from moby/buildkit \
         frontend/dockerfile; it is checked out beside the crate in CI)",
        dir.display()
    );
    dir
}

fn read(p: &std::path::Path) -> String {
    String::from_utf8_lossy(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).into_owned()
}

fn case_dirs(dir: PathBuf) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn parser_testfiles_dump_like_buildkit() {
    let dirs = case_dirs(corpus().join("parser/testfiles"));
    let mut failures = Vec::new();
    for d in &dirs {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        let src = read(&d.join("Dockerfile"));
        let want = read(&d.join("result"));
        match parser::parse(&src, "Dockerfile") {
            Ok(df) if df.dump() == want => {}
            Ok(df) => failures.push(format!("{name}: dump differs\n--- want\n{want}--- got\n{}", df.dump())),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    eprintln!("parser testfiles: {}/{} pass", dirs.len() - failures.len(), dirs.len());
    assert!(dirs.len() >= 33, "expected at least 33 cases, found {}", dirs.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn parser_negative_testfiles_fail() {
    let dirs = case_dirs(corpus().join("parser/testfiles-negative"));
    assert_eq!(dirs.len(), 4);
    for d in &dirs {
        let src = read(&d.join("Dockerfile"));
        let r = parser::parse(&src, "Dockerfile");
        assert!(r.is_err(), "{} parsed: {:?}", d.display(), r.map(|df| df.dump()));
    }
    eprintln!("parser negative testfiles: {}/4 rejected", dirs.len());
}

#[test]
fn parser_line_numbers() {
    let src = read(&corpus().join("parser/testfile-line/Dockerfile"));
    let df = parser::parse(&src, "Dockerfile").unwrap();
    assert_eq!((df.start_line(), df.end_line()), (5, 31));
    let lines: Vec<(usize, usize)> = df.nodes.iter().map(|n| (n.start_line, n.end_line)).collect();
    assert_eq!(lines, [(5, 5), (11, 12), (17, 31)]);
}

#[test]
fn shell_env_var_test() {
    let text = read(&corpus().join("shell/envVarTest"));
    let env: Vec<String> =
        ["PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL="].iter().map(|s| s.to_string()).collect();
    let lex = Lex::new('\\');
    let (mut ran, mut failures) = (0, Vec::new());
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.trim().split('|').collect();
        assert_eq!(f.len(), 3, "line {}: {line}", i + 1);
        let (platform, src, want) = (f[0].trim(), f[1].trim(), f[2].trim());
        if platform == "W" {
            continue;
        }
        ran += 1;
        let got = lex.process_word(src, &env);
        let ok = match (&got, want) {
            (Err(_), "error") => true,
            (Ok(g), w) => w != "error" && g == w,
            _ => false,
        };
        if !ok {
            failures.push(format!("line {}: {src:?}: want {want:?}, got {got:?}", i + 1));
        }
    }
    eprintln!("shell envVarTest: {}/{ran} rows pass", ran - failures.len());
    assert!(ran > 200, "only {ran} rows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn shell_words_test() {
    let text = read(&corpus().join("shell/wordsTest"));
    let lex = Lex::new('\\');
    let mut env: Vec<String> = Vec::new();
    let (mut ran, mut failures) = (0, Vec::new());
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(kv) = line.strip_prefix("ENV ") {
            env.push(kv.trim_start_matches(' ').to_string());
            continue;
        }
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!(f.len(), 2, "line {}: {line}", i + 1);
        let src = f[0].trim();
        let want: Vec<String> = f[1].trim_start_matches(' ').split(',').map(String::from).collect();
        ran += 1;
        let got = lex.process_words(src, &env).unwrap_or_else(|_| vec!["error".to_string()]);
        if got != want {
            failures.push(format!("line {}: {src:?}: want {want:?}, got {got:?}", i + 1));
        }
    }
    eprintln!("shell wordsTest: {}/{ran} rows pass", ran - failures.len());
    assert!(ran >= 20, "only {ran} rows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
