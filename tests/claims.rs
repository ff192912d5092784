//! README claims that had no test: `pause`/`unpause`, `restart`, a
//! detached `--rm` container removed after a normal exit, `--pull
//! always|never`, and `RCON_ROOT`.

use crate::common::{ImageBuilder, Rcon, Registry, code, eventually, stderr};

/// The value of the counter the container writes to /tmp/c, read from
/// its upper directory on the host (exec would freeze in a paused container).
fn counter(rcon: &Rcon, id: &str) -> u64 {
    std::fs::read_to_string(rcon.root.join("containers").join(id).join("upper/tmp/c"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// The freezer state of the container's init (`FROZEN`, `THAWED`; cgroup
/// v1 `freezer.state`, or v2 `cgroup.freeze` as `1`/`0`).
fn frozen(pid: i64) -> bool {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrl, path) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        let rel = path.trim_start_matches('/');
        if ctrl == "freezer" {
            let s = std::fs::read_to_string(format!("/sys/fs/cgroup/freezer/{rel}/freezer.state")).unwrap();
            return s.trim() == "FROZEN";
        }
        if ctrl.is_empty()
            && let Ok(s) = std::fs::read_to_string(format!("/sys/fs/cgroup/{rel}/cgroup.freeze"))
        {
            return s.trim() == "1";
        }
    }
    panic!("no freezer cgroup for pid {pid}:\n{text}");
}

fn init_pid(rcon: &Rcon, id: &str) -> i64 {
    rcon.container_state(id)["pid"].as_i64().unwrap()
}

#[test]
fn pause_unpause_restart_and_detached_rm() {
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().push(&reg, "bb:1");
    let rcon = Rcon::new();
    let script = "i=0; while true; do i=$((i+1)); echo $i > /tmp/c; sleep 0.02; done";
    let id = rcon.ok(&["run", "-d", "--name", "pz", &image, "sh", "-c", script]).trim().to_string();
    eventually("the counter runs", || counter(&rcon, &id) > 0);
    let pid = init_pid(&rcon, &id);
    rcon.ok(&["pause", "pz"]);
    assert!(frozen(pid), "pause freezes the container's cgroup");
    assert!(rcon.ok(&["ps"]).contains("(Paused)"), "{}", rcon.ok(&["ps"]));
    rcon.ok(&["unpause", "pz"]);
    assert!(!frozen(pid));
    let before = counter(&rcon, &id);
    eventually("the counter runs again after unpause", || counter(&rcon, &id) > before);

    // restart: a new init, running, same container.
    rcon.ok(&["restart", "-t", "1", "pz"]);
    let new_pid = init_pid(&rcon, &id);
    assert_ne!(new_pid, pid, "restart starts a new process");
    assert!(rcon.ok(&["ps", "-q", "--no-trunc"]).contains(&id));
    rcon.ok(&["rm", "-f", "pz"]);

    // run -d --rm: removed by its monitor after a normal exit.
    let id = rcon.ok(&["run", "-d", "--rm", &image, "sh", "-c", "exit 0"]).trim().to_string();
    eventually("the --rm container is removed after it exits", || !rcon.root.join("containers").join(&id).exists());
    assert_eq!(rcon.ok(&["ps", "-aq"]), "");
}

/// `--pull missing` (the default) uses the stored image, `always` pulls the
/// tag's new content, `never` refuses an image that is not stored; and
/// `RCON_ROOT` selects the store like `--root`.
#[test]
fn pull_policies_and_rcon_root() {
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().env("V=one").push(&reg, "pol:1");
    let rcon = Rcon::new();
    let v = |policy: &str| rcon.ok(&["run", "--rm", "--pull", policy, &image, "sh", "-c", "echo $V"]);
    assert_eq!(v("missing"), "one\n");
    ImageBuilder::new().busybox_layer().env("V=two").push(&reg, "pol:1");
    assert_eq!(v("missing"), "one\n", "missing: the stored image");
    assert_eq!(v("never"), "one\n");
    assert_eq!(v("always"), "two\n", "always: the registry's current image");
    let absent = format!("{}/absent:1", reg.addr);
    let out = rcon.cmd(&["run", "--rm", "--pull", "never", &absent, "true"]);
    assert_eq!(code(&out), 125, "{}", stderr(&out));
    assert!(stderr(&out).to_lowercase().contains("no such image"), "{}", stderr(&out));

    // RCON_ROOT instead of --root: the same store.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rcon"))
        .args(["--runroot", rcon.runroot.to_str().unwrap(), "images", "-q"])
        .env("RCON_ROOT", &rcon.root)
        .env("RCON_REGISTRIES_CONF", rcon.dir().join("registries.conf"))
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), rcon.ok(&["images", "-q"]));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2, "both versions are stored");
}
