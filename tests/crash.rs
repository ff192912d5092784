//! Crash safety: `kill -9` of rcon at random moments of `create`, `start`,
//! `rename`, `rm`, `pull` and `build`; after each kill the next commands accept the
//! store: no ghost container (every listed container can be inspected and
//! removed), no orphan name claim (a name is taken exactly when a listed
//! container has it), no lost image (images pulled before stay whole), and
//! `system check --repair` leaves nothing to repair.
//!
//! Kills per command: `RCON_CRASH_ROUNDS` (default 8, so 48 kills over the
//! six commands `create`, `start`, `rename`, `rm`, `pull` and `build`;
//! `benches/crash.sh` runs 34 rounds, 204 kills). The delays come from a
//! seeded generator; the seed is printed, and `RCON_CRASH_SEED` replays a
//! run.

use crate::common::{ImageBuilder, Rcon, Registry, code, stderr};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// xorshift64*: reproducible delays from a printed seed.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("RCON_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
        });
        eprintln!("crash test seed: RCON_CRASH_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

fn rounds() -> usize {
    std::env::var("RCON_CRASH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(8)
}

/// Runs `rcon ARGS` and SIGKILLs it after `delay`; true when the kill hit
/// it (it had not finished yet).
fn run_and_kill(rcon: &Rcon, args: &[&str], delay: Duration) -> bool {
    let mut child = rcon.command(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start rcon");
    let deadline = Instant::now() + delay;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let hit = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    hit
}

/// How long `rcon ARGS` takes when not killed, in microseconds.
#[track_caller]
fn duration_us(rcon: &Rcon, args: &[&str]) -> u64 {
    let t = Instant::now();
    rcon.ok(args);
    t.elapsed().as_micros() as u64
}

/// The store is accepted: listing works, every listed container can be
/// inspected, `system check --repair` repairs everything (only leftovers
/// of the killed command, never a listed container or an image), and a
/// second check finds nothing. Returns the listed names.
#[track_caller]
fn assert_store_accepted(rcon: &Rcon, what: &str) -> Vec<String> {
    let names: Vec<String> = rcon.ok(&["ps", "-a", "--format", "{{.Names}}"]).lines().map(str::to_string).collect();
    for n in &names {
        let out = rcon.cmd(&["inspect", n]);
        assert_eq!(code(&out), 0, "after a kill during {what}: listed container {n} is a ghost: {}", stderr(&out));
    }
    let out = rcon.cmd(&["system", "check", "--repair"]);
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(code(&out), 0, "after a kill during {what}: system check --repair:\n{report}{}", stderr(&out));
    for line in report.lines().filter(|l| l.ends_with("(repaired)")) {
        assert!(
            line.contains("has no container record") || line.contains("belongs to no container"),
            "after a kill during {what}: a repair beyond a killed command's leftovers: {line}"
        );
    }
    let again = rcon.ok(&["system", "check"]);
    assert_eq!(again.trim(), "No problems found", "after a kill during {what}");
    names
}

fn busybox(reg: &Registry, name: &str) -> String {
    ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(reg, &format!("{name}:latest")).0
}

#[test]
fn kill_9_during_create_start_and_rm() {
    let reg = Registry::start();
    let image = busybox(&reg, "bb");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    // Kills land anywhere in a command's run: delays up to its usual duration.
    let create_us = duration_us(&rcon, &["create", "--name", "probe", &image, "sleep", "1000"]);
    let start_us = duration_us(&rcon, &["start", "probe"]);
    let rename_us = duration_us(&rcon, &["rename", "probe", "probe2"]);
    let rm_us = duration_us(&rcon, &["rm", "-f", "probe2"]);
    let mut rng = Rng::new();
    let mut kills = 0;
    for i in 0..rounds() {
        // create: the name is claimed exactly when the container is listed.
        let name = format!("c{i}");
        kills += run_and_kill(
            &rcon,
            &["create", "--name", &name, &image, "sleep", "1000"],
            Duration::from_micros(rng.below(create_us)),
        ) as usize;
        let listed = assert_store_accepted(&rcon, "create").contains(&name);
        let out = rcon.cmd(&["create", "--name", &name, &image, "sleep", "1000"]);
        assert_eq!(code(&out) == 0, !listed, "name {name} listed: {listed}; create again: {}", stderr(&out));

        // rename: the container has exactly one of the two names; the
        // other is free.
        let renamed = format!("r{i}");
        kills +=
            run_and_kill(&rcon, &["rename", &name, &renamed], Duration::from_micros(rng.below(rename_us))) as usize;
        let names = assert_store_accepted(&rcon, "rename");
        assert!(
            names.contains(&name) != names.contains(&renamed),
            "after a killed rename {name} -> {renamed}: listed {names:?}"
        );
        if names.contains(&renamed) {
            rcon.ok(&["rename", &renamed, &name]);
        }
        rcon.ok(&["create", "--name", &renamed, &image, "true"]);
        rcon.ok(&["rm", &renamed]);

        // start: the container is listed, running or not, and removable.
        // (Starting it again can fail on network leftovers of the killed
        // start, a veth pair: not the store's, left to their cleanup.)
        kills += run_and_kill(&rcon, &["start", &name], Duration::from_micros(rng.below(start_us))) as usize;
        assert!(assert_store_accepted(&rcon, "start").contains(&name), "a killed start lost container {name}");
        rcon.ok(&["rm", "-f", &name]);
        rcon.ok(&["create", "--name", &name, &image, "sleep", "1000"]);
        rcon.ok(&["start", &name]);

        // rm -f: the container is gone or still whole; its name follows.
        kills += run_and_kill(&rcon, &["rm", "-f", &name], Duration::from_micros(rng.below(rm_us))) as usize;
        let listed = assert_store_accepted(&rcon, "rm").contains(&name);
        if listed {
            rcon.ok(&["rm", "-f", &name]);
        }
        rcon.ok(&["create", "--name", &name, &image, "true"]);
        rcon.ok(&["rm", &name]);
    }
    eprintln!("{kills} kills hit a running rcon (create, start, rename, rm)");
    assert!(kills >= rounds(), "too few kills hit: {kills}");
}

#[test]
fn kill_9_during_pull_and_build() {
    let reg = Registry::start();
    let base = busybox(&reg, "base");
    let other = busybox(&reg, "other");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &base]);
    let base_id = rcon.ok(&["images", "-q", "--no-trunc", &base]).trim().to_string();
    let ctx = tempfile::tempdir().unwrap();
    std::fs::write(ctx.path().join("Dockerfile"), format!("FROM {base}\nRUN echo built > /built\n")).unwrap();
    let ctx_s = ctx.path().to_str().unwrap();
    // The kills land at random points of the shortest of two whole runs:
    // one run slowed by the machine would put most of them after the end
    // of the runs they are meant to cut.
    let shortest = |args: &[&str], image: &str| {
        (0..2)
            .map(|_| {
                let us = duration_us(&rcon, args);
                rcon.ok(&["rmi", image]);
                us
            })
            .min()
            .unwrap()
    };
    let pull_us = shortest(&["pull", "-q", &other], &other);
    let build_us = shortest(&["build", "-q", "-t", "built", ctx_s], "built");
    let mut rng = Rng::new();
    let mut kills = 0;
    for _ in 0..rounds() {
        kills += run_and_kill(&rcon, &["pull", "-q", &other], Duration::from_micros(rng.below(pull_us))) as usize;
        assert_store_accepted(&rcon, "pull");
        // The pulled image is whole or absent; a new pull completes it.
        rcon.ok(&["pull", "-q", &other]);
        assert_eq!(code(&rcon.cmd(&["run", "--rm", &other, "true"])), 0);
        rcon.ok(&["rmi", &other]);

        kills += run_and_kill(&rcon, &["build", "-q", "-t", "built", ctx_s], Duration::from_micros(rng.below(build_us)))
            as usize;
        assert_store_accepted(&rcon, "build");
        for n in rcon.ok(&["ps", "-a", "--format", "{{.Names}}"]).lines() {
            rcon.ok(&["rm", "-f", n]);
        }
        // The base image is never lost.
        assert_eq!(rcon.ok(&["images", "-q", "--no-trunc", &base]).trim(), base_id);
        let out = rcon.cmd(&["build", "-q", "-t", "built", ctx_s]);
        assert_eq!(code(&out), 0, "build after a killed build: {}", stderr(&out));
        assert_eq!(rcon.ok(&["run", "--rm", "built", "cat", "/built"]).trim(), "built");
        rcon.ok(&["rmi", "built"]);
    }
    eprintln!("{kills} kills hit a running rcon (pull, build)");
    assert!(kills >= rounds(), "too few kills hit: {kills}");
}
