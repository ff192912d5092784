//! docker parity of the commands scripts depend on: `info`, `version`,
//! `events`, `rename`, `update`, and the management forms (`container …`,
//! `image …`, `system …`), with real containers.

use crate::common::{ImageBuilder, Rcon, Registry, code, stderr, stdout};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

fn busybox() -> (Registry, String) {
    let reg = Registry::start();
    let (reference, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "bb:latest");
    (reg, reference)
}

#[test]
fn info_and_version_as_docker() {
    let rcon = Rcon::new();
    let out = rcon.cmd(&["info"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("Client:\n"), "{text}");
    assert!(
        text.contains("\nServer:\n Containers: 0\n  Running: 0\n  Paused: 0\n  Stopped: 0\n Images: 0\n"),
        "{text}"
    );
    assert_eq!(rcon.ok(&["system", "info", "--format", "{{.Containers}} {{.Images}}"]), "0 0\n");
    let f = rcon.ok(&[
        "info",
        "--format",
        "{{.Driver}}|{{.OSType}}|{{.CgroupDriver}}|{{.DockerRootDir}}|{{len .SecurityOptions}}|{{.ID}}",
    ]);
    let parts: Vec<&str> = f.trim().split('|').collect();
    assert_eq!(&parts[..3], ["overlay2", "linux", "cgroupfs"], "{f}");
    assert_eq!(std::path::Path::new(parts[3]), rcon.root.canonicalize().unwrap());
    assert_ne!(parts[4], "0");
    assert_eq!(parts[5].split(':').count(), 12, "{f}");
    let ncpu: usize = rcon.ok(&["info", "-f", "{{.NCPU}}"]).trim().parse().unwrap();
    assert_eq!(ncpu, std::thread::available_parallelism().unwrap().get());
    let mem: u64 = rcon.ok(&["info", "-f", "{{.MemTotal}}"]).trim().parse().unwrap();
    assert!(mem > 0);
    let kernel = rcon.ok(&["info", "-f", "{{.KernelVersion}}"]);
    assert_eq!(kernel.trim(), std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap().trim());
    let json: serde_json::Value = serde_json::from_str(&rcon.ok(&["info", "--format", "{{json .}}"])).unwrap();
    for k in [
        "ContainersRunning",
        "ContainersPaused",
        "ContainersStopped",
        "CgroupVersion",
        "OperatingSystem",
        "Architecture",
        "ServerVersion",
        "Name",
    ] {
        assert!(json.get(k).is_some(), "info has no {k}: {json}");
    }

    let v = rcon.ok(&["version"]);
    assert!(v.starts_with("Client:\n Version:           "), "{v}");
    assert!(v.contains("\n Engine:\n  Version:          "), "{v}");
    let f = rcon.ok(&[
        "version",
        "--format",
        "{{.Client.Version}} {{.Server.Version}} {{.Server.APIVersion}} {{.Client.APIVersion}}",
    ]);
    let want = format!("{0} {0} 1.41 1.41\n", env!("CARGO_PKG_VERSION"));
    assert_eq!(f, want);
}

/// Reads lines of a running `rcon events` until one equals `last`.
fn read_until(lines: &mut impl Iterator<Item = std::io::Result<String>>, last: &str) -> Vec<String> {
    let mut got = Vec::new();
    for l in lines {
        let l = l.unwrap();
        let done = l == last;
        got.push(l);
        if done {
            return got;
        }
    }
    panic!("events ended before {last:?}; got:\n{}", got.join("\n"));
}

#[test]
fn events_stream_filter_and_replay() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let mut events = rcon
        .command(&[
            "events",
            "--filter",
            "type=container",
            "--format",
            "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(events.stdout.take().unwrap()).lines();
    // The follower starts before it can print anything: an event recorded
    // after the spawn might still precede its start, so wait for a marker.
    rcon.ok(&["create", "--name", "marker", &image, "true"]);
    read_until(&mut lines, "container create marker");
    assert_eq!(code(&rcon.cmd(&["run", "--name", "ev", &image, "sh", "-c", "exit 3"])), 3);
    rcon.ok(&["rm", "ev"]);
    let got = read_until(&mut lines, "container destroy ev");
    assert_eq!(got, ["container create ev", "container start ev", "container die ev", "container destroy ev"]);
    events.kill().unwrap();
    events.wait().unwrap();

    // Replay with a window: past events, filtered, then exit.
    let out = rcon.ok(&[
        "events",
        "--since",
        "10m",
        "--until",
        "0s",
        "--filter",
        "event=die",
        "--format",
        "{{.Actor.Attributes.name}}={{.Actor.Attributes.exitCode}} {{.Status}}",
    ]);
    assert_eq!(out, "ev=3 die\n");
    let text = rcon.ok(&[
        "system",
        "events",
        "--since",
        "10m",
        "--until",
        "0s",
        "--filter",
        "container=ev",
        "--filter",
        "event=create",
    ]);
    let line = text.trim();
    // 2006-01-02T15:04:05.000000000Z07:00 container create ID (image=…, name=ev)
    let (time, rest) = line.split_once(' ').unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok() && time.len() >= 30, "{line}");
    assert!(rest.starts_with("container create ") && rest.ends_with(&format!("(image={image}, name=ev)")), "{line}");
    // Image and volume events are there too.
    let other =
        rcon.ok(&["events", "--since", "10m", "--until", "0s", "--filter", "type=image", "--format", "{{.Action}}"]);
    assert_eq!(other, "pull\n");
    let bad = rcon.cmd(&["events", "--filter", "colour=blue", "--until", "0s"]);
    assert_eq!(code(&bad), 125, "{}", stderr(&bad));
}

#[test]
fn rename_claims_the_name() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    rcon.ok(&["create", "--name", "ca", &image, "true"]);
    rcon.ok(&["create", "--name", "cb", &image, "true"]);
    rcon.ok(&["rename", "ca", "cc"]);
    assert_eq!(rcon.ok(&["container", "inspect", "-f", "{{.Name}}", "cc"]), "/cc\n");
    let taken = rcon.cmd(&["container", "rename", "cc", "cb"]);
    assert_eq!(code(&taken), 1);
    assert!(stderr(&taken).contains("is already in use by container"), "{}", stderr(&taken));
    let same = rcon.cmd(&["rename", "cc", "cc"]);
    assert_eq!(code(&same), 1);
    let bad = rcon.cmd(&["rename", "cc", "b@d"]);
    assert!(stderr(&bad).contains("Invalid container name"), "{}", stderr(&bad));
    let missing = rcon.cmd(&["rename", "nope", "dd"]);
    assert!(stderr(&missing).contains("No such container: nope"), "{}", stderr(&missing));
    // The old name is free again.
    rcon.ok(&["create", "--name", "ca", &image, "true"]);
}

/// The directory of `controller` for process `pid` (v1), or its cgroup2 directory.
fn cgroup_file(pid: &str, v1_controller: &str, v1_file: &str, v2_file: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrls, path) = (f.next(), f.next().unwrap(), f.next().unwrap());
        if ctrls.split(',').any(|c| c == v1_controller) {
            let p = std::path::Path::new("/sys/fs/cgroup").join(ctrls).join(path.trim_start_matches('/')).join(v1_file);
            if p.exists() {
                return p;
            }
            return std::path::Path::new("/sys/fs/cgroup")
                .join(v1_controller)
                .join(path.trim_start_matches('/'))
                .join(v1_file);
        }
    }
    let path = text.lines().find_map(|l| l.strip_prefix("0::")).unwrap();
    std::path::Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/')).join(v2_file)
}

#[test]
fn update_changes_live_limits_and_the_restart_policy() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    rcon.ok(&["run", "-d", "--name", "uu", "--memory", "32m", &image, "sleep", "1000"]);
    assert_eq!(
        rcon.ok(&["update", "--memory", "48m", "--pids-limit", "33", "--restart", "on-failure:2", "uu"]),
        "uu\n"
    );
    let pid = rcon.ok(&["inspect", "-f", "{{.State.Pid}}", "uu"]).trim().to_string();
    let mem = std::fs::read_to_string(cgroup_file(&pid, "memory", "memory.limit_in_bytes", "memory.max")).unwrap();
    assert_eq!(mem.trim(), (48u64 << 20).to_string());
    let pids = std::fs::read_to_string(cgroup_file(&pid, "pids", "pids.max", "pids.max")).unwrap();
    assert_eq!(pids.trim(), "33");
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "uu"]), "on-failure\n");
    // The stored spec has the new limits: a restart keeps them.
    rcon.ok(&["restart", "-t", "0", "uu"]);
    let pid = rcon.ok(&["inspect", "-f", "{{.State.Pid}}", "uu"]).trim().to_string();
    let mem = std::fs::read_to_string(cgroup_file(&pid, "memory", "memory.limit_in_bytes", "memory.max")).unwrap();
    assert_eq!(mem.trim(), (48u64 << 20).to_string());
    // A created container is updated too; errors name the flag.
    rcon.ok(&["container", "create", "--name", "cu", &image, "true"]);
    assert_eq!(rcon.ok(&["container", "update", "--cpus", "1", "cu"]), "cu\n");
    let bad = rcon.cmd(&["update", "--memory", "1k", "cu"]);
    assert_eq!(code(&bad), 1);
    assert!(stderr(&bad).contains("--memory"), "{}", stderr(&bad));
    let none = rcon.cmd(&["update", "cu"]);
    assert_ne!(code(&none), 0);
    let missing = rcon.cmd(&["update", "--cpus", "1", "nope"]);
    assert!(stderr(&missing).contains("No such container: nope"), "{}", stderr(&missing));
}

#[test]
fn management_forms_reach_the_same_commands() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["image", "pull", "-q", &image]);
    assert!(rcon.ok(&["image", "ls"]).contains("bb"), "image ls lists the image");
    let id = rcon.ok(&["container", "run", "-d", "--name", "mm", &image, "sleep", "1000"]).trim().to_string();
    assert_eq!(rcon.ok(&["container", "ls", "-q"]).trim(), &id[..12]);
    assert_eq!(rcon.ok(&["container", "exec", "mm", "echo", "hi"]), "hi\n");
    assert!(rcon.ok(&["container", "top", "mm"]).contains("sleep 1000"));
    rcon.ok(&["container", "pause", "mm"]);
    assert_eq!(rcon.ok(&["container", "inspect", "-f", "{{.State.Status}}", "mm"]), "paused\n");
    rcon.ok(&["container", "unpause", "mm"]);
    rcon.ok(&["container", "stop", "-t", "0", "mm"]);
    assert_eq!(rcon.ok(&["container", "wait", "mm"]), "137\n");
    rcon.ok(&["container", "start", "mm"]);
    rcon.ok(&["container", "kill", "mm"]);
    rcon.ok(&["container", "rm", "mm"]);
    let out = rcon.cmd(&["container", "inspect", "mm"]);
    assert_ne!(code(&out), 0);
    let tar = rcon.dir().join("bb.tar");
    rcon.ok(&["image", "save", "-o", tar.to_str().unwrap(), &image]);
    rcon.ok(&["image", "rm", &image]);
    assert!(rcon.ok(&["image", "load", "-i", tar.to_str().unwrap()]).contains("Loaded image"));
}
