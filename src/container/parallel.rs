//! Independent engine steps at the same time, one forked child each.
//!
//! The engine forks (monitors, container inits, copy-up helpers), so it
//! cannot use threads (ARCHITECTURE.md hazard 1). Steps that do not depend
//! on each other (the services of one dependency level of a compose
//! project, the replicas of a Deployment, the containers `down` removes)
//! run instead in forked children of the single-threaded CLI: each child
//! opens its own store connections (none is open across the fork, hazard 8),
//! does its step, reports the result on a pipe and exits. Several rcon
//! processes working on one store at once is the normal case (locks and
//! transactions order them), so the children need nothing more.

use super::{Error, Result, Untyped};
use std::io::Read as _;

/// Most children running at once.
pub const MAX_CHILDREN: usize = 8;

/// Runs `step` for each of `items`, each in its own forked child (at most
/// [`MAX_CHILDREN`] at a time), and returns each step's result in the
/// order of `items`: the text the step returned, or its error: a forked
/// step's as [`Error::Step`] (its chain, as text), the one step run in this
/// process (a single item runs without a fork) as [`Error::StepFailed`]
/// (the error itself, as its source). The calling process must be single-threaded (hazard 1) and hold
/// no SQLite connection (hazard 8). A child that dies without a report
/// (killed) gives [`Error::StepDied`] naming its wait status. A step's
/// error is boxed: `?` in the step converts any error (anyhow's too).
pub fn each<T>(items: &[T], step: impl Fn(&T) -> std::result::Result<String, Untyped>) -> Vec<Result<String>> {
    if items.len() <= 1 {
        return items.iter().map(|i| step(i).map_err(Error::StepFailed)).collect();
    }
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(MAX_CHILDREN) {
        // What the parent printed before must not be printed again by a child.
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        let mut running = Vec::with_capacity(chunk.len());
        for item in chunk {
            let forked = crate::sys::fork_reporting(|reporter| {
                let (code, text) = match step(item) {
                    Ok(text) => (0, text),
                    Err(e) => (1, crate::util::error_chain(&*e)),
                };
                let _ = std::io::stdout().flush();
                reporter.report(text.as_bytes());
                code
            });
            running.push(forked);
        }
        for forked in running {
            out.push(match forked {
                Err(e) => Err(Error::sys("fork a step process")(e)),
                Ok((pid, mut pipe)) => {
                    let mut report = Vec::new();
                    let _ = pipe.read_to_end(&mut report);
                    let text = String::from_utf8_lossy(&report).into_owned();
                    match nix::sys::wait::waitpid(pid, None) {
                        Ok(nix::sys::wait::WaitStatus::Exited(_, 0)) => Ok(text),
                        Ok(nix::sys::wait::WaitStatus::Exited(_, _)) if !text.is_empty() => Err(Error::Step(text)),
                        Ok(status) => Err(Error::StepDied { pid: pid.as_raw(), status: format!("{status:?}") }),
                        Err(e) => Err(Error::sys(format!("wait for step process {pid}"))(e)),
                    }
                }
            });
        }
    }
    out
}

/// [`each`], then the first error if any step failed (after every step
/// ended), else the steps' texts in the order of `items`.
pub fn all<T>(items: &[T], step: impl Fn(&T) -> std::result::Result<String, Untyped>) -> Result<Vec<String>> {
    each(items, step).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Set in the child process that [`in_single_threaded_child`] starts.
    const CHILD_ENV: &str = "RCON_TEST_PARALLEL_CHILD";

    /// Runs the test `name` (its path below the crate, e.g.
    /// `container::parallel::tests::x`) in a child process of this test
    /// binary, alone (`--exact --test-threads=1`), and fails if it fails.
    /// `each` forks, which is only safe in a single-threaded process
    /// (hazard 1), and the test runner runs other tests on other threads,
    /// which allocate and lock. In the child the test's thread has one
    /// other: libtest's main thread, blocked joining it (libtest runs even
    /// a lone test on a thread of its own), which holds no lock across the
    /// fork. Returns true in the child (the caller then runs its body),
    /// false in the parent after the child passed.
    fn in_single_threaded_child(name: &str) -> bool {
        if std::env::var_os(CHILD_ENV).is_some() {
            assert_eq!(threads(), 2, "only this test's thread and the runner's main thread");
            return true;
        }
        let exe = std::env::current_exe().expect("the test binary's path");
        let out = std::process::Command::new(exe)
            .args([name, "--exact", "--test-threads=1", "--nocapture"])
            .env(CHILD_ENV, "1")
            .output()
            .expect("cannot run the test binary again");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{name} failed in its child process:\n{text}");
        assert!(text.contains("1 passed"), "{name} did not run in its child process:\n{text}");
        false
    }

    /// The number of threads of this process (`/proc/self/status`).
    fn threads() -> usize {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        status.lines().find_map(|l| l.strip_prefix("Threads:")).unwrap().trim().parse().unwrap()
    }

    #[test]
    fn results_come_back_in_order_with_errors() {
        if !in_single_threaded_child("container::parallel::tests::results_come_back_in_order_with_errors") {
            return;
        }
        let items: Vec<u32> = (0..11).collect();
        let got = each(&items, |i| {
            if i % 5 == 4 {
                return Err(format!("step {i} failed").into());
            }
            Ok(i.to_string())
        });
        assert_eq!(got.len(), 11);
        for (i, r) in got.iter().enumerate() {
            match r {
                Ok(t) => assert_eq!(t, &i.to_string()),
                Err(e) => {
                    assert_eq!(i % 5, 4);
                    assert_eq!(e.to_string(), format!("step {i} failed"));
                }
            }
        }
        assert!(all(&items, |_| Ok(String::new())).is_ok());
        assert!(all(&items, |i| if *i == 7 { Err("seven".into()) } else { Ok(String::new()) }).is_err());
    }

    #[test]
    fn steps_run_in_other_processes() {
        if !in_single_threaded_child("container::parallel::tests::steps_run_in_other_processes") {
            return;
        }
        let me = std::process::id();
        let pids = all(&[1, 2, 3], |_| Ok(std::process::id().to_string())).unwrap();
        assert!(pids.iter().all(|p| p != &me.to_string()), "{pids:?} vs {me}");
        let single = all(&[1], |_| Ok(std::process::id().to_string())).unwrap();
        assert_eq!(single, vec![me.to_string()]);
    }
}
