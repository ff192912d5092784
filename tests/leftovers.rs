//! Leftovers of killed rcon commands (kill -9 by pid at a chosen moment, a
//! full disk): each is cleaned up by the next command that touches the
//! store, or by `rm`.

use crate::common::{ImageBuilder, Rcon, Registry, eventually, stderr};
use std::path::{Path, PathBuf};
use std::process::Child;

fn busybox() -> (Registry, String) {
    let reg = Registry::start();
    let (reference, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "bb:latest");
    (reg, reference)
}

/// True while `pid` exists and is not a zombie.
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

/// kill -9 of a process the test started, and its reaping.
fn kill9(child: &mut Child) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGKILL).unwrap();
    child.wait().unwrap();
}

/// Names under `dir` (sorted; empty when it does not exist).
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The only container's ID, once exactly one exists with a row whose
/// state has `pid` set (it runs); returns (id, init pid).
fn running_container(rcon: &Rcon, runner: &mut Child) -> (String, i32) {
    let mut found = None;
    eventually("the container runs", || {
        assert!(runner.try_wait().unwrap().is_none(), "the rcon command ended early");
        // Read-only: the store creates its database, not this test.
        let Ok(db) = rusqlite::Connection::open_with_flags(
            rcon.root.join("rcon.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        ) else {
            return false;
        };
        let Ok(mut stmt) = db.prepare("SELECT id, state FROM containers") else { return false };
        let rows: Vec<(String, String)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map(|rows| rows.flatten().collect()).unwrap_or_default();
        for (id, state) in rows {
            let pid = serde_json::from_str::<serde_json::Value>(&state).ok().and_then(|v| v["pid"].as_i64());
            if let Some(pid) = pid {
                found = Some((id, pid as i32));
                return true;
            }
        }
        false
    });
    found.unwrap()
}

/// The container's cgroup directories, from its init's `/proc/PID/cgroup`
/// (those named after the container).
fn cgroup_dirs(pid: i32, id: &str) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrl, path) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        if !path.ends_with(id) {
            continue;
        }
        let base = if ctrl.is_empty() {
            PathBuf::from("/sys/fs/cgroup")
        } else {
            PathBuf::from("/sys/fs/cgroup").join(ctrl.strip_prefix("name=").unwrap_or(ctrl))
        };
        let dir = base.join(path.trim_start_matches('/'));
        if dir.exists() {
            out.push(dir);
        }
    }
    out
}

/// `run --rm` killed while its container runs: the container is not left
/// as `Exited (255)`; the next command removes it, its cgroups and its lock.
#[test]
fn killed_run_rm_is_removed_by_the_next_command() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let mut run = rcon.spawn(&["run", "--rm", &image, "sleep", "1000"]);
    let (id, pid) = running_container(&rcon, &mut run);
    let cgroups = cgroup_dirs(pid, &id);
    assert!(!cgroups.is_empty(), "the container has cgroups named after it");
    kill9(&mut run);
    eventually("the container's init dies with its rcon", || !alive(pid));
    assert_eq!(rcon.ok(&["ps", "-aq"]), "", "no Exited (255) container is left");
    assert_eq!(entries(&rcon.root.join("containers")), Vec::<String>::new());
    assert!(!rcon.runroot.join(format!("{id}.lock")).exists());
    for d in cgroups {
        assert!(!d.exists(), "cgroup {} is removed", d.display());
    }
}

/// A foreground `run` (no --rm) and a detached container's monitor killed:
/// the containers stay (exited, or running on), and `rm -f` removes their
/// cgroups and lock files too.
#[test]
fn rm_removes_cgroups_and_locks_of_killed_runners() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let mut run = rcon.spawn(&["run", "--name", "fg", &image, "sleep", "1000"]);
    let (id, pid) = running_container(&rcon, &mut run);
    let cgroups = cgroup_dirs(pid, &id);
    assert!(!cgroups.is_empty());
    kill9(&mut run);
    eventually("the container's init dies with its rcon", || !alive(pid));
    assert!(rcon.ok(&["ps", "-a"]).contains("Exited (255)"), "the container stays, as docker's does");
    rcon.ok(&["rm", "fg"]);
    for d in &cgroups {
        assert!(!d.exists(), "rm removes cgroup {}", d.display());
    }

    let id = rcon.ok(&["run", "-d", "--name", "bg", &image, "sleep", "1000"]).trim().to_string();
    let state = rcon.container_state(&id);
    let (pid, monitor) = (state["pid"].as_i64().unwrap() as i32, state["monitor_pid"].as_i64().unwrap() as i32);
    let cgroups = cgroup_dirs(pid, &id);
    assert!(!cgroups.is_empty());
    // The monitor is a process rcon started for this test's container.
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(monitor), nix::sys::signal::Signal::SIGKILL).unwrap();
    eventually("the monitor is gone", || !alive(monitor));
    rcon.ok(&["rm", "-f", "bg"]);
    assert!(!alive(pid));
    for d in &cgroups {
        assert!(!d.exists(), "rm -f removes cgroup {}", d.display());
    }

    // rm -f of a running container with a live monitor: the monitor records
    // the end after the removal; no lock file stays behind.
    let id = rcon.ok(&["run", "-d", &image, "sleep", "1000"]).trim().to_string();
    let state = rcon.container_state(&id);
    let monitor = state["monitor_pid"].as_i64().unwrap() as i32;
    rcon.ok(&["rm", "-f", &id]);
    eventually("the monitor ends", || !alive(monitor));
    rcon.ok(&["ps", "-a"]);
    let locks: Vec<String> = entries(&rcon.runroot).into_iter().filter(|n| n.ends_with(".lock")).collect();
    assert_eq!(locks, Vec::<String>::new(), "no container lock file leaks");
}

/// `build` killed during a RUN step: the step's `rcon-build-*` container,
/// its process and its staging under `tmp/` are gone after the next command.
#[test]
fn killed_build_leaves_nothing_after_the_next_command() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let ctx = tempfile::tempdir().unwrap();
    std::fs::write(
        ctx.path().join("Dockerfile"),
        format!("FROM {image}\nRUN head -c 5000000 /dev/zero > /big && sleep 1000\n"),
    )
    .unwrap();
    let mut build = rcon.spawn(&["build", "-t", "killed:1", ctx.path().to_str().unwrap()]);
    let (id, pid) = {
        // The step's container has a record but no pid in its state: find
        // its process through the staging upper dir filling up.
        let mut id = None;
        eventually("the RUN step wrote its file", || {
            assert!(build.try_wait().unwrap().is_none(), "the build ended early");
            let tmp = rcon.root.join("tmp");
            let staged = entries(&tmp).into_iter().any(|e| {
                e.starts_with("layer-")
                    && std::fs::metadata(tmp.join(&e).join("diff/big")).is_ok_and(|m| m.len() == 5_000_000)
            });
            id = entries(&rcon.root.join("containers")).into_iter().next();
            staged && id.is_some()
        });
        (id.unwrap(), build.id() as i32)
    };
    assert!(rcon.ok(&["ps", "-a"]).contains("rcon-build-"));
    kill9(&mut build);
    assert!(!alive(pid));
    eventually("the next command removes the build's leftovers", || {
        rcon.ok(&["ps", "-aq"]).is_empty()
            && entries(&rcon.root.join("tmp")).is_empty()
            && entries(&rcon.root.join("containers")).is_empty()
    });
    assert!(!rcon.runroot.join(format!("{id}.lock")).exists());
}

/// `save -o FILE` killed while writing: no temp file is left (the archive
/// is unnamed until complete), and the next save writes the archive.
#[test]
fn killed_save_leaves_no_temp_file() {
    // A 64 MB image, imported from a tar streamed to disk (the test process
    // stays small: other tests measure their children's peak memory).
    let rcon = Rcon::new();
    let tar_path = rcon.dir().join("big.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&tar_path).unwrap());
    let mut h = tar::Header::new_gnu();
    h.set_size(64 << 20);
    h.set_mode(0o644);
    h.set_mtime(1);
    h.set_uid(0);
    h.set_gid(0);
    b.append_data(&mut h, "big", std::io::Read::take(std::io::repeat(7), 64 << 20)).unwrap();
    b.into_inner().unwrap();
    rcon.ok(&["import", tar_path.to_str().unwrap(), "big:1"]);
    let image = "big:1".to_string();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("out.tar");
    let mut save = rcon.spawn(&["save", "-o", dest.to_str().unwrap(), &image]);
    // Wait until the save has its output file open.
    let fd_dir = format!("/proc/{}/fd", save.id());
    eventually("save opens its output", || {
        assert!(save.try_wait().unwrap().is_none(), "save ended before it was killed");
        entries(Path::new(&fd_dir))
            .iter()
            .any(|fd| std::fs::read_link(Path::new(&fd_dir).join(fd)).is_ok_and(|l| l.starts_with(out.path())))
    });
    kill9(&mut save);
    assert!(!dest.exists(), "no archive appears before it is complete");
    let out2 = rcon.cmd(&["save", "-o", dest.to_str().unwrap(), &image]);
    assert!(out2.status.success(), "{}", stderr(&out2));
    assert_eq!(entries(out.path()), ["out.tar"], "only the archive, no temp file");
}

/// A container directory without a complete record (its creator died or
/// hit a full disk while writing it), which no command shows: the next
/// command removes it once its creator is gone. A `run` that hits a full
/// disk (a small tmpfs as --root) leaves no such directory itself.
#[test]
fn incomplete_container_directories_are_removed() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    // A creator that died: a process that has exited and been reaped.
    let mut dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let orphan = rcon.root.join("containers").join("ab".repeat(32));
    std::fs::create_dir_all(orphan.join("upper/big")).unwrap();
    std::fs::write(orphan.join("state.json"), "{\"status\":\"created\"}").unwrap();
    std::fs::write(orphan.join("owner"), format!("{dead_pid} 1\n")).unwrap();
    // A live creator's half-made directory is kept.
    let live = rcon.root.join("containers").join("cd".repeat(32));
    std::fs::create_dir_all(&live).unwrap();
    std::fs::write(live.join("owner"), format!("{} 0\n", std::process::id())).unwrap();
    assert_eq!(rcon.ok(&["ps", "-aq"]), "");
    assert!(!orphan.exists(), "the dead creator's directory is removed");
    assert!(live.exists(), "a live creator's directory is kept");
    std::fs::remove_dir_all(&live).unwrap();

    // A full disk: the store on a 40 MB tmpfs, filled up after the pull.
    let small = Rcon::new();
    let mnt = small.root.clone();
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=40m", "rcon-test-full", mnt.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success(), "mount tmpfs");
    // `small`'s Drop unmounts it (the harness unmounts what is under its dir).
    small.ok(&["pull", "-q", &image]);
    let filler = mnt.join("filler");
    let _ = std::process::Command::new("dd")
        .args(["if=/dev/zero", "bs=1M", "count=64"])
        .arg(format!("of={}", filler.display()))
        .stderr(std::process::Stdio::null())
        .status();
    for _ in 0..3 {
        let out = small.cmd(&["run", "--rm", &image, "true"]);
        assert_eq!(out.status.code(), Some(125), "a full disk fails the run: {}", stderr(&out));
        assert_eq!(entries(&mnt.join("containers")), Vec::<String>::new(), "{}", stderr(&out));
    }
    std::fs::remove_file(&filler).unwrap();
    small.ok(&["run", "--rm", &image, "true"]);
    assert_eq!(small.ok(&["ps", "-aq"]), "");
    assert_eq!(entries(&mnt.join("containers")), Vec::<String>::new());
}

/// Starting a container that cannot start because of what a killed or
/// racing command left: its /etc files were never written (a killed `run
/// -d`), or a layer of its image is gone (`rmi -f` racing `run`). The error
/// says what happened and what to do (exit 1, as docker's `start`).
#[test]
fn start_of_a_broken_container_says_what_to_do() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let id = rcon.ok(&["create", "--name", "half", &image, "true"]).trim().to_string();
    std::fs::remove_file(rcon.root.join("containers").join(&id).join("resolv.conf")).unwrap();
    let out = rcon.cmd(&["start", "half"]);
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("container half was not completely created") && err.contains("rcon rm half"), "{err}");

    let id = rcon.ok(&["create", "--name", "nolayer", &image, "true"]).trim().to_string();
    let layers: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(rcon.root.join("containers").join(&id).join("config.json")).unwrap(),
    )
    .unwrap();
    let layer = layers["layers"][0].as_str().unwrap().strip_prefix("sha256:").unwrap().to_string();
    std::fs::rename(rcon.root.join("layers").join(&layer), rcon.dir().join("moved-layer")).unwrap();
    let out = rcon.cmd(&["run", "--rm", "--pull", "never", &image, "true"]);
    assert_ne!(out.status.code(), Some(0), "the image's layer is gone");
    let out = rcon.cmd(&["start", "nolayer"]);
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("is no longer in the store") && err.contains("rcon rm nolayer"), "{err}");
    std::fs::rename(rcon.dir().join("moved-layer"), rcon.root.join("layers").join(&layer)).unwrap();
}

/// The live monitors of container `id` (processes `rcon __monitor … ID …`).
fn monitors_of(id: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            args.get(1) == Some(&&b"__monitor"[..]) && args.contains(&id.as_bytes()) && alive(*pid)
        })
        .collect()
}

/// True when this network namespace has a link named `name` (asked with
/// `ip`: /sys/class/net shows the namespace that mounted /sys).
fn link_exists(name: &str) -> bool {
    let out =
        std::process::Command::new("ip").args(["-o", "link", "show"]).output().expect("ip (apt-get install iproute2)");
    String::from_utf8_lossy(&out.stdout).contains(&format!(": {name}@"))
}

/// `start` killed once its monitor exists (the container not yet running,
/// its veth maybe half made), then `start` at once: the second start
/// neither fails ("File exists" on the veth) nor starts a second monitor;
/// and `stop` then `start` at once (the old network namespace still being
/// torn down by the kernel) works too. Nothing is left after `rm -f`.
#[test]
fn start_after_a_killed_start_and_right_after_stop() {
    let _serial = crate::network::serial();
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let id = rcon.ok(&["create", "--name", "ks", "-p", "127.0.0.1::80", &image, "sleep", "1000"]).trim().to_string();
    let veth = format!("rv{}", &id[..13]);
    for round in 0..8 {
        let mut start = rcon.spawn(&["start", "ks"]);
        eventually("the monitor of the start exists", || {
            !monitors_of(&id).is_empty() || start.try_wait().unwrap().is_some()
        });
        kill9(&mut start);
        let out = rcon.cmd(&["start", "ks"]);
        assert!(out.status.success(), "round {round}: start after a killed start: {}", stderr(&out));
        let state = rcon.container_state(&id);
        assert_eq!(state["status"], "running", "round {round}: {state}");
        // A second monitor that found the first one starting the container
        // reports once it runs, then ends.
        eventually(&format!("round {round}: one monitor"), || monitors_of(&id).len() == 1);
        assert_eq!(rcon.container_state(&id)["monitor_pid"].as_i64(), Some(monitors_of(&id)[0] as i64));
        assert!(link_exists(&veth), "round {round}: the container has its veth");
        rcon.ok(&["stop", "-t", "0", "ks"]);
        eventually("the monitor ends", || monitors_of(&id).is_empty());
    }
    for round in 0..5 {
        rcon.ok(&["start", "ks"]);
        let out = rcon.cmd(&["stop", "-t", "0", "ks"]);
        assert!(out.status.success(), "round {round}: {}", stderr(&out));
        eventually("the monitor ends", || monitors_of(&id).is_empty());
    }
    rcon.ok(&["start", "ks"]);
    rcon.ok(&["rm", "-f", "ks"]);
    eventually("the veth is gone after rm -f", || !link_exists(&veth));
    eventually("no monitor is left", || monitors_of(&id).is_empty());
}
