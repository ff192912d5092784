//! BuildKit conformance of the Dockerfile parser and the shell lexer (no
//! root needed): BuildKit's own test data from `frontend/dockerfile` (parser
//! test files, the shell lexer's `envVarTest` and `wordsTest`) must give
//! BuildKit's results.
//!
//! The corpus is an external suite, not part of the repository: the tests
//! read it from `$RCON_BUILDKIT_CORPUS` (`.ci/run` sets it when
//! `../shared/conformance/buildkit-dockerfile` exists). Without the variable
//! each test is reported by name as NOT RUN and counted as ignored, never as
//! passed; a variable naming a directory without the corpus is a failure.
//! A test harness of its own (libtest-mimic) because only it can decide at
//! run time that a test is ignored.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Trial};
use rcon::build::parser;
use rcon::build::shell::Lex;

/// The variable naming the corpus directory (it holds `parser/` and `shell/`).
const CORPUS_VAR: &str = "RCON_BUILDKIT_CORPUS";

/// How to get the corpus, printed for every test that does not run.
const HOW_TO_GET: &str =
    "set RCON_BUILDKIT_CORPUS=<dir>, a copy of moby/buildkit's frontend/dockerfile test data (parser/, shell/)";

/// One conformance test: panics on a mismatch, given the corpus directory.
type Test = fn(&Path);

fn main() {
    let args = Arguments::from_args();
    let corpus: Option<PathBuf> = std::env::var_os(CORPUS_VAR).filter(|v| !v.is_empty()).map(PathBuf::from);
    let tests: [(&str, Test); 5] = [
        ("parser_testfiles_dump_like_buildkit", parser_testfiles_dump_like_buildkit),
        ("parser_negative_testfiles_fail", parser_negative_testfiles_fail),
        ("parser_line_numbers", parser_line_numbers),
        ("shell_env_var_test", shell_env_var_test),
        ("shell_words_test", shell_words_test),
    ];
    let trials = tests
        .into_iter()
        .map(|(name, test)| match &corpus {
            Some(dir) => {
                let dir = dir.clone();
                Trial::test(name, move || {
                    check_corpus(&dir);
                    test(&dir);
                    Ok(())
                })
            }
            None => {
                if selected(&args, name) {
                    eprintln!("NOT RUN: {name}: {HOW_TO_GET}");
                }
                Trial::test(name, || Ok(())).with_ignored_flag(true)
            }
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// Whether this run would list `name` (libtest's filter, `--exact` and
/// `--skip`), so that NOT RUN lines appear only for tests the run asked for.
fn selected(args: &Arguments, name: &str) -> bool {
    let matches = |f: &str| if args.exact { name == f } else { name.contains(f) };
    !args.list && args.filter.as_deref().is_none_or(matches) && !args.skip.iter().any(|s| matches(s))
}

/// Panics unless `dir` holds the corpus: a variable that names the wrong
/// directory is a mistake to report, not a reason to skip.
fn check_corpus(dir: &Path) {
    assert!(
        dir.join("parser/testfiles").is_dir() && dir.join("shell/envVarTest").is_file(),
        "{CORPUS_VAR}={} does not hold the BuildKit conformance corpus (parser/testfiles, shell/envVarTest)",
        dir.display()
    );
}

fn read(p: &Path) -> String {
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

fn parser_testfiles_dump_like_buildkit(corpus: &Path) {
    let dirs = case_dirs(corpus.join("parser/testfiles"));
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

fn parser_negative_testfiles_fail(corpus: &Path) {
    let dirs = case_dirs(corpus.join("parser/testfiles-negative"));
    assert_eq!(dirs.len(), 4);
    for d in &dirs {
        let src = read(&d.join("Dockerfile"));
        let r = parser::parse(&src, "Dockerfile");
        assert!(r.is_err(), "{} parsed: {:?}", d.display(), r.map(|df| df.dump()));
    }
    eprintln!("parser negative testfiles: {}/4 rejected", dirs.len());
}

fn parser_line_numbers(corpus: &Path) {
    let src = read(&corpus.join("parser/testfile-line/Dockerfile"));
    let df = parser::parse(&src, "Dockerfile").unwrap();
    assert_eq!((df.start_line(), df.end_line()), (5, 31));
    let lines: Vec<(usize, usize)> = df.nodes.iter().map(|n| (n.start_line, n.end_line)).collect();
    assert_eq!(lines, [(5, 5), (11, 12), (17, 31)]);
}

fn shell_env_var_test(corpus: &Path) {
    let text = read(&corpus.join("shell/envVarTest"));
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

fn shell_words_test(corpus: &Path) {
    let text = read(&corpus.join("shell/wordsTest"));
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
