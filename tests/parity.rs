//! docker parity of the commands scripts depend on: `info`, `version`,
//! `events`, `rename`, `update`, and the management forms (`container …`,
//! `image …`, `system …`), with real containers.

use crate::common::{ImageBuilder, Rcon, Registry, code, hub_search_server, stderr, stdout};
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
    // `--since` a time before the spawn: what happens before the follower
    // starts is printed from the log, so nothing falls between.
    let since =
        format!("{:.9}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64());
    let mut events = rcon
        .command(&[
            "events",
            "--since",
            &since,
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
    // docker's daemon ignores a filter key it does not know.
    let all = rcon.ok(&["events", "--since", "10m", "--until", "0s", "--format", "{{.Action}}"]);
    let unknown =
        rcon.ok(&["events", "--since", "10m", "--until", "0s", "--filter", "colour=blue", "--format", "{{.Action}}"]);
    assert_eq!(unknown, all);
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
    assert_eq!(
        rcon.ok(&["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}", "uu"]),
        format!("{} 33\n", 48 << 20)
    );
    // A created container is updated too; errors name the flag.
    rcon.ok(&["container", "create", "--name", "cu", &image, "true"]);
    assert_eq!(rcon.ok(&["container", "update", "--cpus", "1", "cu"]), "cu\n");
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.HostConfig.NanoCpus}}", "cu"]), "1000000000\n");
    // docker: a memory limit above the memory+swap limit (none yet) needs
    // --memory-swap in the same update; nothing changes otherwise.
    let out = rcon.cmd(&["update", "--memory", "64m", "--restart", "always", "cu"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).ends_with("update the memoryswap at the same time\n"), "{}", stderr(&out));
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "cu"]), "no\n");
    rcon.ok(&["update", "--memory", "64m", "--memory-swap", "128m", "cu"]);
    assert_eq!(
        rcon.ok(&["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", "cu"]),
        format!("{} {}\n", 64 << 20, 128 << 20)
    );
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

#[test]
fn stats_columns_format_and_stream() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let script =
        "gw=$(ip route | awk '/default/{print $3}'); ping -c 1 -W 1 $gw >/dev/null; echo x > /tmp/f; sync; sleep 1000";
    rcon.ok(&["run", "-d", "--name", "st", "--memory", "64m", &image, "sh", "-c", script]);
    let table = rcon.ok(&["stats", "--no-stream"]);
    let header = table.lines().next().unwrap();
    assert_eq!(
        header.split("   ").map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"],
        "{table}"
    );
    assert!(table.lines().nth(1).unwrap().contains(" st "), "{table}");
    // .Container is the container as named on the command line.
    let id = rcon.ok(&["inspect", "-f", "{{.Id}}", "st"]);
    let given = rcon.ok(&["stats", "--no-stream", "--format", "{{.Container}} {{.Name}}", "st", &id[..8]]);
    assert_eq!(given, format!("st st\n{} st\n", &id[..8]));
    // run --memory without --memory-swap: docker's default total (twice
    // the memory) where the kernel accounts swap; inspect shows both.
    let swap =
        if std::path::Path::new("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes").exists() { 128 << 20 } else { 0 };
    assert_eq!(
        rcon.ok(&["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", "st"]),
        format!("{} {swap}\n", 64 << 20)
    );
    crate::common::eventually("the ping shows in NET I/O", || {
        let net = rcon.ok(&["container", "stats", "--no-stream", "--format", "{{.NetIO}}", "st"]);
        let (rx, tx) = net.trim().split_once(" / ").unwrap();
        rx != "0B" && tx != "0B"
    });
    let line = rcon.ok(&[
        "stats",
        "--no-stream",
        "--no-trunc",
        "--format",
        "{{.ID}} {{.Name}} {{.MemUsage}} {{.PIDs}} {{.BlockIO}}",
        "st",
    ]);
    let f: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(f[0].len(), 64, "{line}");
    assert_eq!(f[1], "st");
    assert_eq!(&f[2..5], [f[2], "/", "64MiB"], "{line}");
    assert!(f[5].parse::<u32>().unwrap() >= 1, "{line}");
    assert_eq!(f[7], "/", "{line}");
    // Streaming: frames keep coming until rcon is stopped.
    let mut child =
        rcon.command(&["stats", "--format", "{{.Name}} {{.PIDs}}", "st"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut frames = 0;
    let mut line = String::new();
    while frames < 2 {
        line.clear();
        assert_ne!(reader.read_line(&mut line).unwrap(), 0, "stats ended");
        if line.trim_start_matches("\u{1b}[2J\u{1b}[H").starts_with("st ") {
            frames += 1;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let missing = rcon.cmd(&["stats", "--no-stream", "nope"]);
    assert!(stderr(&missing).contains("No such container: nope"), "{}", stderr(&missing));
}

#[test]
fn system_df_and_prune_with_filters() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    rcon.ok(&["run", "-d", "--name", "up", "-v", "data:/data", &image, "sleep", "1000"]);
    rcon.ok(&["create", "--name", "keep", "-l", "keep=1", &image, "true"]);
    rcon.ok(&["create", "--name", "gone", "-l", "gone=1", &image, "true"]);
    rcon.ok(&["volume", "create", "spare"]);
    rcon.ok(&["network", "create", "lonely"]);
    let df = rcon.ok(&["system", "df", "--format", "{{.Type}}|{{.TotalCount}}|{{.Active}}"]);
    assert_eq!(df, "Images|1|1\nContainers|3|1\nLocal Volumes|2|1\nBuild Cache|0|0\n");
    let table = rcon.ok(&["system", "df"]);
    assert!(table.starts_with("TYPE ") && table.contains("\nLocal Volumes "), "{table}");
    let verbose = rcon.ok(&["system", "df", "-v"]);
    for section in
        ["Images space usage:", "Containers space usage:", "Local Volumes space usage:", "Build cache usage: "]
    {
        assert!(verbose.contains(section), "{verbose}");
    }
    assert!(verbose.lines().any(|l| l.starts_with("data ") && l.split_whitespace().nth(1) == Some("1")), "{verbose}");
    // One row per image, under its first tag (docker's), newest first.
    let other = image.replace("/bb:", "/bb-other:");
    rcon.ok(&["tag", &image, &other]);
    let verbose = rcon.ok(&["system", "df", "-v"]);
    let repo = image.rsplit_once(':').unwrap().0;
    let images_section = verbose.split("Containers space usage:").next().unwrap();
    let rows: Vec<&str> = images_section.lines().filter(|l| l.contains("/bb")).collect();
    assert!(rows.len() == 1 && rows[0].starts_with(&format!("{repo} ")), "{verbose}");
    rcon.ok(&["rmi", &other]);

    // Filters narrow every prune; bad keys are refused as docker refuses them.
    let bad = rcon.cmd(&["container", "prune", "-f", "--filter", "colour=red"]);
    assert_eq!(code(&bad), 1);
    assert!(stderr(&bad).contains("Error response from daemon: Invalid filter 'colour'"), "{}", stderr(&bad));
    let none = rcon.ok(&["container", "prune", "-f", "--filter", "until=1h"]);
    assert_eq!(none, "Total reclaimed space: 0B\n");
    let out = rcon.ok(&["container", "prune", "-f", "--filter", "label=gone"]);
    assert!(out.starts_with("Deleted Containers:\n"), "{out}");
    assert_eq!(rcon.ok(&["ps", "-a", "--format", "{{.Names}}"]).lines().count(), 2);
    rcon.ok(&["container", "prune", "-f", "--filter", "label!=keep"]);
    assert!(rcon.ok(&["ps", "-a", "--format", "{{.Names}}"]).contains("keep"));

    // system prune: stopped containers, unused networks; volumes only with --volumes.
    let out = rcon.ok(&["system", "prune", "-f"]);
    assert!(out.contains("Deleted Containers:\n") && out.contains("Deleted Networks:\nlonely\n"), "{out}");
    assert!(out.ends_with("\n") && out.lines().last().unwrap().starts_with("Total reclaimed space: "), "{out}");
    assert_eq!(rcon.ok(&["ps", "-a", "--format", "{{.Names}}"]), "up\n");
    assert!(rcon.ok(&["volume", "ls", "-q"]).contains("spare"));
    let out = rcon.ok(&["system", "prune", "-f", "--volumes"]);
    assert!(out.contains("Deleted Volumes:\nspare\n"), "{out}");
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]), "data\n", "a volume in use stays");
    // -a: images no container uses go; the running container's image stays.
    rcon.ok(&["system", "prune", "-a", "-f"]);
    assert_eq!(rcon.ok(&["images", "-q"]).lines().count(), 1);
    rcon.ok(&["rm", "-f", "up"]);
    let out = rcon.ok(&["image", "prune", "-a", "-f", "--filter", "until=2000-01-01T00:00:00Z"]);
    assert!(!out.contains("deleted:"), "the image was not created before 2000: {out}");
    let out = rcon.ok(&["system", "prune", "-a", "-f"]);
    assert!(out.contains("Deleted Images:\nuntagged: "), "{out}");
    assert_eq!(rcon.ok(&["images", "-q"]), "");
}

#[test]
fn network_ls_and_inspect_format_and_filter() {
    let rcon = Rcon::new();
    rcon.ok(&["network", "create", "pnet1"]);
    rcon.ok(&["network", "create", "pnet2"]);
    let names = rcon.ok(&["network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}", "--filter", "name=pnet"]);
    assert_eq!(names, "pnet1 bridge local\npnet2 bridge local\n");
    let custom = rcon.ok(&["network", "ls", "--filter", "type=custom", "--format", "{{.Name}}"]);
    assert_eq!(custom, "pnet1\npnet2\n");
    let builtin = rcon.ok(&["network", "ls", "-f", "type=builtin", "--format", "{{.Name}}"]);
    assert_eq!(builtin, "bridge\nhost\nnone\n");
    let table = rcon.ok(&["network", "ls", "--format", "table {{.Name}}\t{{.Driver}}", "-f", "name=pnet1"]);
    assert_eq!(table.lines().collect::<Vec<_>>(), ["NAME      DRIVER", "pnet1     bridge"]);
    let id = rcon.ok(&["network", "ls", "-q", "--no-trunc", "-f", "name=pnet2"]);
    assert_eq!(
        rcon.ok(&["network", "inspect", "-f", "{{.Id}} {{.Driver}}", "pnet2"]),
        format!("{} bridge\n", id.trim())
    );
    let bad = rcon.cmd(&["network", "ls", "-f", "colour=red"]);
    assert_eq!(code(&bad), 1);
    let out = rcon.ok(&["network", "prune", "-f", "--filter", "until=1h"]);
    assert_eq!(out, "");
    // Labels: stored, shown, filtered on, pruned by.
    rcon.ok(&["network", "create", "--label", "team=a", "--label", "tier", "pnet3"]);
    let labelled = rcon.ok(&["network", "ls", "--filter", "label=team=a", "--format", "{{.Name}} {{.Labels}}"]);
    assert_eq!(labelled, "pnet3 team=a,tier=\n");
    assert_eq!(rcon.ok(&["network", "ls", "-q", "--filter", "label=team=b"]), "");
    assert_eq!(rcon.ok(&["network", "inspect", "-f", "{{json .Labels}}", "pnet3"]), "{\"team\":\"a\",\"tier\":\"\"}\n");
    let out = rcon.ok(&["network", "prune", "-f", "--filter", "label=team=a"]);
    assert_eq!(out, "Deleted Networks:\npnet3\n\n");
    rcon.ok(&["network", "prune", "-f"]);
    assert_eq!(rcon.ok(&["network", "ls", "-q", "-f", "type=custom"]), "");
}

#[test]
fn search_docker_hub_api_and_registry_catalog() {
    let rcon = Rcon::new();
    let (addr, server) = hub_search_server(4);
    let term = format!("{addr}/busy");
    let table = rcon.ok(&["search", &term]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    for col in ["NAME", "DESCRIPTION", "STARS", "OFFICIAL", "AUTOMATED"] {
        assert!(lines[0].contains(col), "{table}");
    }
    assert!(lines[1].starts_with("busybox ") && lines[1].contains("3000") && lines[1].contains("[OK]"), "{table}");
    assert!(lines[2].contains("A very long description of a busybox image w…"), "{table}");
    let f = rcon.ok(&[
        "search",
        "--filter",
        "stars=10",
        "--format",
        "{{.Name}}:{{.StarCount}}:{{.IsOfficial}}:{{.IsAutomated}}",
        &term,
    ]);
    assert_eq!(f, "busybox:3000:[OK]:\nsomeone/busybox-tools:12::[OK]\n");
    let f = rcon.ok(&["search", "--limit", "1", "--filter", "is-official=false", "--format", "{{.Name}}", &term]);
    assert_eq!(f, "", "the limit applies before the filter, as docker's");
    let f = rcon.ok(&["search", "--no-trunc", "--filter", "is-automated=true", "--format", "{{.Description}}", &term]);
    assert_eq!(f, "A very long description of a busybox image with many tools in it and a second line\n");
    let seen = server.join().unwrap();
    assert_eq!(seen[0], "GET /v1/search?q=busy&n=25 HTTP/1.1");
    assert_eq!(seen[2], "GET /v1/search?q=busy&n=1 HTTP/1.1");

    // A plain v2 registry has no search API: its catalog is searched.
    let reg = Registry::start();
    ImageBuilder::new().busybox_layer().push(&reg, "tools/bb:1");
    ImageBuilder::new().busybox_layer().push(&reg, "other:1");
    let out = rcon.ok(&["search", "--format", "{{.Name}} {{.StarCount}}", &format!("{}/bb", reg.addr)]);
    assert_eq!(out, format!("{}/tools/bb 0\n", reg.addr));
    let bad = rcon.cmd(&["search", "--limit", "101", "x"]);
    assert_eq!(code(&bad), 1);
}

// ---------------------------------------------------------------------
// docker 20.10.24's exact output and exit status for the cases
// benches/compat.sh found different (documented behaviour, captured from
// docker and dockerd 20.10.24; CI does not run dockerd).

/// `pull` of a missing tag: exit 1 with the daemon's words; `run` of it:
/// 125, `docker: …` form with the usage hint.
#[test]
fn pull_and_run_of_a_missing_image_as_docker() {
    let (reg, _image) = busybox();
    let rcon = Rcon::new();
    let missing = format!("{}/nosuch:latest", reg.addr);
    let out = rcon.cmd(&["pull", &missing]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!("Error response from daemon: manifest for {missing} not found: manifest unknown: manifest unknown\n")
    );
    let out = rcon.cmd(&["run", "--rm", &missing, "true"]);
    assert_eq!(code(&out), 125, "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "Unable to find image '{missing}' locally\nrcon: Error response from daemon: manifest for {missing} not found: manifest unknown: manifest unknown.\nSee 'rcon run --help'.\n"
        )
    );
}

/// `run -u` and `exec -u`: the primary group is among the supplementary
/// groups, as docker's daemon sets them (`groups=50(staff),1000(app)`);
/// root gets `groups=0(root)`.
#[test]
fn user_groups_as_docker() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    assert_eq!(
        rcon.ok(&["run", "--rm", "-u", "1000", &image, "id"]),
        "uid=1000(app) gid=1000(app) groups=50(staff),1000(app)\n"
    );
    assert_eq!(rcon.ok(&["run", "--rm", &image, "id"]), "uid=0(root) gid=0(root) groups=0(root)\n");
    assert_eq!(
        rcon.ok(&["run", "--rm", "-u", "app:staff", &image, "id"]),
        "uid=1000(app) gid=50(staff) groups=50(staff)\n"
    );
    rcon.ok(&["run", "-d", "--name", "grp", &image, "sleep", "300"]);
    assert_eq!(
        rcon.ok(&["exec", "-u", "app", "grp", "id"]),
        "uid=1000(app) gid=1000(app) groups=50(staff),1000(app)\n"
    );
    assert_eq!(rcon.ok(&["exec", "grp", "id", "-G"]), "0\n");
    rcon.ok(&["rm", "-f", "grp"]);
}

/// exec failures: a command that cannot start is 126 (docker's daemon
/// reports every failed exec start so), a stopped or paused container is
/// exit 1 with the daemon's words.
#[test]
fn exec_errors_as_docker() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let id = rcon.ok(&["run", "-d", "--name", "xx", &image, "sleep", "300"]).trim().to_string();
    let out = rcon.cmd(&["exec", "xx", "/etc"]);
    assert_eq!(code(&out), 126);
    assert_eq!(
        stdout(&out),
        "OCI runtime exec failed: exec failed: unable to start container process: exec: \"/etc\": permission denied: unknown\r\n"
    );
    rcon.ok(&["pause", "xx"]);
    let out = rcon.cmd(&["exec", "xx", "true"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stderr(&out), "Error response from daemon: Container xx is paused, unpause the container before exec\n");
    let out = rcon.cmd(&["pause", "xx"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stderr(&out), format!("Error response from daemon: Container {id} is already paused\n"));
    rcon.ok(&["unpause", "xx"]);
    let out = rcon.cmd(&["unpause", "xx"]);
    assert_eq!(stderr(&out), format!("Error response from daemon: Container {id} is not paused\n"));
    let out = rcon.cmd(&["rm", "xx"]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr(&out),
        format!(
            "Error response from daemon: You cannot remove a running container {id}. Stop the container before attempting removal or force remove\n"
        )
    );
    rcon.ok(&["kill", "xx"]);
    rcon.ok(&["wait", "xx"]);
    let out = rcon.cmd(&["exec", "xx", "true"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stderr(&out), format!("Error response from daemon: Container {id} is not running\n"));
    let out = rcon.cmd(&["kill", "xx"]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr(&out),
        format!("Error response from daemon: Cannot kill container: xx: Container {id} is not running\n")
    );
    let out = rcon.cmd(&["run", "--rm", &image, "/etc"]);
    assert_eq!(code(&out), 126);
    assert!(stderr(&out).contains("exec: \"/etc\": permission denied"), "{}", stderr(&out));
    rcon.ok(&["rm", "xx"]);
}

/// A missing container, as each command's docker CLI words it (exit 1).
#[test]
fn missing_container_wording_per_command() {
    let rcon = Rcon::new();
    let daemon = "Error response from daemon: No such container: nosuch\n";
    for (args, want) in [
        (&["stop", "nosuch"][..], daemon.to_string()),
        (&["restart", "nosuch"], daemon.to_string()),
        (&["wait", "nosuch"], daemon.to_string()),
        (&["pause", "nosuch"], daemon.to_string()),
        (&["unpause", "nosuch"], daemon.to_string()),
        (&["top", "nosuch"], daemon.to_string()),
        (&["stats", "--no-stream", "nosuch"], daemon.to_string()),
        (
            &["kill", "nosuch"],
            "Error response from daemon: Cannot kill container: nosuch: No such container: nosuch\n".into(),
        ),
        (&["start", "nosuch"], format!("{daemon}Error: failed to start containers: nosuch\n")),
        (&["rename", "nosuch", "other"], format!("{daemon}Error: failed to rename container named nosuch\n")),
        (&["rm", "nosuch"], "Error: No such container: nosuch\n".into()),
        (&["logs", "nosuch"], "Error: No such container: nosuch\n".into()),
        (&["exec", "nosuch", "true"], "Error: No such container: nosuch\n".into()),
        (&["port", "nosuch"], "Error: No such container: nosuch\n".into()),
    ] {
        let out = rcon.cmd(args);
        assert_eq!((code(&out), stderr(&out)), (1, want), "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}

/// inspect of what does not exist: `[]` (or with a template, an empty
/// line) on stdout, the error on stderr, exit 1; a template naming a field
/// docker's JSON omits fails on it (the raw fallback sees docker's JSON).
#[test]
fn inspect_missing_objects_and_fields_as_docker() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    for (args, err) in [
        (&["network", "inspect", "nosuch"][..], "Error: No such network: nosuch\n"),
        (&["volume", "inspect", "nosuch"], "Error: No such volume: nosuch\n"),
        (&["inspect", "nosuch"], "Error: No such object: nosuch\n"),
    ] {
        let out = rcon.cmd(args);
        assert_eq!((code(&out), stdout(&out), stderr(&out)), (1, "[]\n".into(), err.into()), "{args:?}");
    }
    let out = rcon.cmd(&["network", "inspect", "-f", "{{.Name}}", "nosuch"]);
    assert_eq!((code(&out), stdout(&out)), (1, "\n".into()));
    rcon.ok(&["run", "-d", "--name", "hc", &image, "sleep", "300"]);
    assert_eq!(rcon.ok(&["inspect", "-f", "{{.State.Health}}", "hc"]), "<nil>\n");
    let out = rcon.cmd(&["inspect", "-f", "{{.State.Health}} {{.NoSuch}}", "hc", "hc"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), "\n");
    let line = "map has no entry for key \"Health\"\n";
    assert_eq!(stderr(&out).matches(line).count(), 2, "{}", stderr(&out));
    rcon.ok(&["rm", "-f", "hc"]);
}

/// rmi lists every deleted layer after the image (chain IDs, top first),
/// and none that another image still uses.
#[test]
fn rmi_lists_deleted_layers_as_docker() {
    let (reg, image) = busybox();
    let (other, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).env("V=2").push(&reg, "bb2:latest");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    rcon.ok(&["pull", "-q", &other]);
    let id = rcon.ok(&["image", "inspect", "-f", "{{.Id}}", &other]);
    let digest = rcon.ok(&["image", "inspect", "-f", "{{index .RepoDigests 0}}", &other]);
    let layer = rcon.ok(&["image", "inspect", "-f", "{{index .RootFS.Layers 0}}", &image]);
    // The layer is shared: only the image goes.
    assert_eq!(rcon.ok(&["rmi", &other]), format!("Untagged: {other}\nUntagged: {}Deleted: {}", digest, id));
    let id = rcon.ok(&["image", "inspect", "-f", "{{.Id}}", &image]);
    let digest = rcon.ok(&["image", "inspect", "-f", "{{index .RepoDigests 0}}", &image]);
    // The last tag of a repository takes that repository's digest
    // reference with it; the image stays while another reference does.
    let other = image.replace("/bb:", "/copy:");
    rcon.ok(&["tag", &image, &other]);
    assert_eq!(rcon.ok(&["rmi", &image]), format!("Untagged: {image}\nUntagged: {digest}"));
    // One layer: its chain ID is its diff ID.
    assert_eq!(rcon.ok(&["rmi", &other]), format!("Untagged: {other}\nDeleted: {id}Deleted: {layer}"));
}

/// save writes docker's legacy entries: per layer `<v1 id>/VERSION`
/// (`1.0`), `<v1 id>/json` and `layer.tar`, and `repositories` naming the
/// top v1 ID (the v1 IDs themselves are checked against docker's in
/// `image::v1`'s unit tests).
#[test]
fn save_writes_the_legacy_layer_entries() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let path = rcon.dir().join("img.tar");
    rcon.ok(&["save", "-o", path.to_str().unwrap(), &image]);
    let mut names = Vec::new();
    let mut files = std::collections::HashMap::new();
    let mut ar = tar::Archive::new(std::fs::File::open(&path).unwrap());
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().display().to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        files.insert(name.clone(), data);
        names.push(name);
    }
    let dirs: Vec<&String> = names.iter().filter(|n| n.ends_with('/')).collect();
    assert_eq!(dirs.len(), 1, "{names:?}");
    let v1 = dirs[0].trim_end_matches('/');
    for f in ["VERSION", "json", "layer.tar"] {
        assert!(names.contains(&format!("{v1}/{f}")), "{names:?}");
    }
    assert_eq!(files[&format!("{v1}/VERSION")], b"1.0");
    let json: serde_json::Value = serde_json::from_slice(&files[&format!("{v1}/json")]).unwrap();
    assert_eq!(json["id"], v1);
    assert_eq!(json["config"]["Cmd"], serde_json::json!(["sh"]));
    let repos: serde_json::Value = serde_json::from_slice(&files["repositories"]).unwrap();
    let (repo, tag) = image.rsplit_once(':').unwrap();
    assert_eq!(repos[repo][tag], v1);
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest[0]["Layers"], serde_json::json!([format!("{v1}/layer.tar")]));
    // And it loads back.
    let fresh = Rcon::new();
    fresh.ok(&["load", "-i", path.to_str().unwrap()]);
    assert_eq!(fresh.ok(&["run", "--rm", &image, "echo", "ok"]), "ok\n");
}

/// `--version` and `-v` in docker's shape (`Docker version 20.10.24, build
/// 297e128`); a taken network name and a volume filter docker 20.10 does
/// not know are the daemon's refusals (exit 1).
#[test]
fn version_line_and_daemon_refusals_as_docker() {
    let rcon = Rcon::new();
    let line = rcon.ok(&["--version"]);
    assert_eq!(rcon.ok(&["-v"]), line);
    let rest = line.strip_prefix(&format!("rcon version {}", env!("CARGO_PKG_VERSION"))).expect(&line);
    let build = rest.strip_prefix(", build ").map(|b| b.trim_end());
    assert!(rest == "\n" || build.is_some_and(|b| b.len() == 7 && b.chars().all(|c| c.is_ascii_hexdigit())), "{line}");
    if let Some(b) = build {
        assert_eq!(rcon.ok(&["version", "--format", "{{.Server.GitCommit}}"]), format!("{b}\n"));
    }

    rcon.ok(&["network", "create", "dupnet"]);
    let out = rcon.cmd(&["network", "create", "dupnet"]);
    assert_eq!(
        (code(&out), stderr(&out)),
        (1, "Error response from daemon: network with name dupnet already exists\n".to_string())
    );
    rcon.ok(&["network", "rm", "dupnet"]);
    let out = rcon.cmd(&["volume", "ls", "--filter", "label!=a=1"]);
    assert_eq!((code(&out), stderr(&out)), (1, "Error response from daemon: Invalid filter 'label!'\n".to_string()));
}

/// docker's CLI exits 1 for every failure of its commands but run and
/// create (125): a volume driver or option rcon cannot honour (refused in
/// the daemon's words, nothing created), a push of a missing image, a bad
/// filter; `logout` of a registry not logged in to is not an error; rcon's
/// own commands keep 125.
#[test]
fn failures_exit_as_dockers_cli() {
    let rcon = Rcon::new();
    for (args, want) in [
        (
            &["volume", "create", "-d", "nfsplugin", "v1"][..],
            "Error response from daemon: create v1: error looking up volume plugin nfsplugin: plugin \"nfsplugin\" not found\n",
        ),
        (
            &["volume", "create", "-o", "bogus=1", "v1"][..],
            "Error response from daemon: create v1: invalid option: \"bogus\"\n",
        ),
    ] {
        let out = rcon.cmd(args);
        assert_eq!((code(&out), stderr(&out)), (1, want.to_string()), "{args:?}");
    }
    let out = rcon.cmd(&["volume", "create", "--opt", "type=tmpfs", "-o", "device=tmpfs", "v1"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("type=tmpfs") && stderr(&out).contains("--tmpfs"), "{}", stderr(&out));
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]), "", "a refused volume is not created");

    let out = rcon.cmd(&["push", "127.0.0.1:9/nosuch:v1"]);
    assert_eq!(
        (code(&out), stdout(&out), stderr(&out)),
        (
            1,
            "The push refers to repository [127.0.0.1:9/nosuch]\n".to_string(),
            "rcon: An image does not exist locally with the tag: 127.0.0.1:9/nosuch\n".to_string()
        )
    );
    let out = rcon.cmd(&["ps", "--filter", "colour=red"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));

    let auth = rcon.dir().join("auth.json");
    let out = rcon.cmd(&["logout", "--authfile", auth.to_str().unwrap(), "127.0.0.1:9"]);
    assert_eq!(
        (code(&out), stdout(&out)),
        (0, "Removing login credentials for 127.0.0.1:9\n".to_string()),
        "{}",
        stderr(&out)
    );

    // A bad flag is 125 for every command; rcon's own commands keep 125.
    assert_eq!(code(&rcon.cmd(&["volume", "create", "--nosuchflag"])), 125);
    assert_eq!(code(&rcon.cmd(&["pod", "rm", "nosuchpod"])), 125);
}
