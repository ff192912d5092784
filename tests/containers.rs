//! `rcon ps`, `images`, `rm`, `rmi` and concurrent use of one store, end to
//! end: a real registry, a busybox image pushed with skopeo, real containers.

use crate::common::{ImageBuilder, Rcon, Registry, code, stderr, stdout};

/// A registry with the busybox image pushed as `NAME:latest`; returns the
/// registry (kept alive by the caller) and the reference.
fn busybox(name: &str) -> (Registry, String) {
    let reg = Registry::start();
    let (reference, _digest) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, &format!("{name}:latest"));
    (reg, reference)
}

#[test]
fn images_lists_pulled_images_like_docker() {
    let (reg, image) = busybox("bb");
    let rcon = Rcon::new();
    assert_eq!(rcon.ok(&["pull", "-q", &image]), format!("{image}\n"), "pull -q prints the reference");
    let id = rcon.ok(&["inspect", "-f", "{{.Id}}", &image]).trim().to_string();
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id:?}");

    let out = rcon.ok(&["images"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let header: Vec<&str> = lines[0].split("  ").filter(|s| !s.is_empty()).map(str::trim).collect();
    assert_eq!(header, ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]);
    let row = lines[1];
    assert!(row.starts_with(&format!("{}/bb ", reg.addr)), "{row}");
    assert!(row.contains(" latest "), "{row}");
    assert!(row.contains(&id[7..19]), "short image ID in {row}");
    assert!(row.contains(" ago ") || row.contains("N/A"), "{row}");

    assert_eq!(rcon.ok(&["images", "-q"]).trim(), &id[7..19]);
    assert!(rcon.ok(&["images", "--no-trunc"]).contains(&id));
    assert_eq!(rcon.ok(&["images", "-q", "nosuch"]).trim(), "");
    assert_eq!(rcon.ok(&["images", "-q", &format!("{}/bb:latest", reg.addr)]).trim(), &id[7..19]);
}

#[test]
fn ps_shows_exited_containers_and_rm_removes_them() {
    let (_reg, image) = busybox("bb");
    let rcon = Rcon::new();
    let out = rcon.cmd(&["run", "-q", "--name", "first", &image, "sh", "-c", "exit 3"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));

    assert_eq!(rcon.ok(&["ps", "-q"]).trim(), "", "an exited container is not running");
    let all = rcon.ok(&["ps", "-a"]);
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 2, "{all}");
    for col in ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"] {
        assert!(lines[0].contains(col), "{all}");
    }
    assert!(lines[1].contains("Exited (3) "), "{all}");
    assert!(lines[1].ends_with("first"), "{all}");
    assert!(lines[1].contains("\"sh -c 'exit 3'\""), "{all}");

    let id = rcon.ok(&["ps", "-aq", "--no-trunc"]).trim().to_string();
    assert_eq!(id.len(), 64);
    assert!(rcon.root.join("containers").join(&id).is_dir());

    // A second container with the same name is refused, and leaves nothing.
    let out = rcon.cmd(&["run", "-q", "--name", "first", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("already in use"), "{}", stderr(&out));
    assert_eq!(rcon.ok(&["ps", "-aq"]).lines().count(), 1);

    // rm by unique ID prefix; then the name is free again.
    assert_eq!(rcon.ok(&["rm", &id[..6]]).trim(), &id[..6]);
    assert!(!rcon.root.join("containers").join(&id).exists(), "rm removes the container's directory");
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");

    rcon.ok(&["run", "-q", "--name", "first", &image, "true"]);
    assert_eq!(rcon.ok(&["rm", "first"]).trim(), "first");

    let out = rcon.cmd(&["rm", "nosuch"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("No such container: nosuch"), "{}", stderr(&out));
}

#[test]
fn run_rm_leaves_no_container() {
    let (_reg, image) = busybox("bb");
    let rcon = Rcon::new();
    let out = rcon.cmd(&["run", "--rm", "-q", &image, "echo", "hello"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "hello\n");
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
    let left: Vec<_> = std::fs::read_dir(rcon.root.join("containers")).unwrap().collect();
    assert!(left.is_empty(), "container directories left: {left:?}");
    // A generated name is docker-like.
    rcon.ok(&["run", "-q", &image, "true"]);
    let ps = rcon.ok(&["ps", "-a"]);
    let name = ps.lines().nth(1).unwrap().split_whitespace().last().unwrap().to_string();
    assert!(
        name.contains('_') && name.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()),
        "{name}"
    );
}

#[test]
fn rmi_untags_refuses_images_in_use_and_deletes_layers() {
    let reg = Registry::start();
    let (one, _) = ImageBuilder::new().busybox_layer().push(&reg, "one:latest");
    let (two, _) = ImageBuilder::new().busybox_layer().push(&reg, "two:latest");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &one]);
    rcon.ok(&["pull", "-q", &two]);
    let id1 = rcon.ok(&["inspect", "-f", "{{.Id}}", &one]).trim().to_string();
    let id2 = rcon.ok(&["inspect", "-f", "{{.Id}}", &two]).trim().to_string();
    assert_eq!(id1, id2, "the same content gives the same image ID");
    assert_eq!(rcon.ok(&["images", "-q"]).trim(), &id1[7..19]);
    assert_eq!(rcon.ok(&["images"]).lines().count(), 3, "one row per tag");

    // Removing one of two tags only untags.
    let out = rcon.ok(&["rmi", &two]);
    assert!(out.contains("Untagged:") && !out.contains("Deleted:"), "{out}");
    assert_eq!(rcon.ok(&["images"]).lines().count(), 2);

    // An image used by a container is refused without -f.
    rcon.ok(&["run", "-q", "--name", "user", &one, "true"]);
    let out = rcon.cmd(&["rmi", &one]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("must be forced"), "{}", stderr(&out));
    assert_eq!(rcon.ok(&["images", "-q"]).trim(), &id1[7..19]);

    rcon.ok(&["rm", "user"]);
    let out = rcon.ok(&["rmi", &one]);
    assert!(out.contains(&format!("Deleted: {id1}")), "{out}");
    assert_eq!(rcon.ok(&["images", "-q"]).trim(), "");
    let layers: Vec<_> = std::fs::read_dir(rcon.root.join("layers")).unwrap().collect();
    assert!(layers.is_empty(), "layers left after rmi: {layers:?}");
    assert!(!rcon.root.join("blobs/sha256").join(&id1[7..]).exists(), "config blob left after rmi");

    let out = rcon.cmd(&["rmi", "nosuch"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("No such image: nosuch"), "{}", stderr(&out));
}

#[test]
fn rmi_force_removes_an_image_in_use() {
    let (_reg, image) = busybox("bb");
    let rcon = Rcon::new();
    rcon.ok(&["run", "-q", "--name", "keep", &image, "true"]);
    rcon.ok(&["rmi", "-f", &image]);
    assert_eq!(rcon.ok(&["images", "-q"]).trim(), "");
    // The container keeps its layers and can still be listed and removed.
    assert!(rcon.ok(&["ps", "-a"]).contains("keep"));
    assert!(std::fs::read_dir(rcon.root.join("layers")).unwrap().next().is_some(), "layers kept for the container");
    rcon.ok(&["rm", "keep"]);
}

#[test]
fn concurrent_pulls_and_runs_share_one_store() {
    let (_reg, image) = busybox("bb");
    let rcon = Rcon::new();
    let pulls: Vec<_> = (0..4).map(|_| rcon.spawn(&["pull", "-q", &image])).collect();
    let ids: Vec<String> = pulls
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            stdout(&out).trim().to_string()
        })
        .collect();
    assert!(ids.iter().all(|i| i == &image), "pull -q prints the reference: {ids:?}");
    assert_eq!(rcon.ok(&["images", "-q"]).lines().count(), 1);

    let runs: Vec<_> = (0..6)
        .map(|i| rcon.spawn(&["run", "-q", "--name", &format!("c{i}"), &image, "sh", "-c", &format!("exit {i}")]))
        .collect();
    for (i, c) in runs.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        assert_eq!(code(&out), i as i32, "{}", stderr(&out));
    }
    let ps = rcon.ok(&["ps", "-a"]);
    for i in 0..6 {
        assert!(ps.contains(&format!("Exited ({i})")) && ps.contains(&format!("c{i}")), "{ps}");
    }
    let names: Vec<String> = (0..6).map(|i| format!("c{i}")).collect();
    assert!(rcon.command(&["rm"]).args(&names).status().unwrap().success());
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
}

/// Flags docker refuses, refused too (exit 125, a clear error, nothing
/// created): an empty `-v` section, a memory size that overflows, a host
/// name with a space in `--add-host`.
#[test]
fn hostile_flags_are_refused() {
    let (_reg, image) = busybox("flags");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let cases: [(&[&str], &str); 6] = [
        (&["-v", ":/x"], "empty section between colons"),
        (&["-v", "/tmp::/x"], "empty section between colons"),
        (&["-m", "99999999999999999999999"], "larger than 8 EiB"),
        (&["-m", "9999999999g"], "larger than 8 EiB"),
        (&["-m", "inf"], "invalid size"),
        (&["--add-host", "a b:10.0.0.1"], "cannot contain spaces"),
    ];
    for (flags, message) in cases {
        let mut args = vec!["run", "--rm"];
        args.extend_from_slice(flags);
        args.extend([image.as_str(), "true"]);
        let out = rcon.cmd(&args);
        assert_eq!(code(&out), 125, "{flags:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{flags:?}: {}", stderr(&out));
    }
    assert_eq!(rcon.ok(&["ps", "-aq"]), "", "nothing was created");
}

#[test]
fn inspect_shows_docker_keys_env_labels_and_mounts() {
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new()
        .busybox_layer()
        .cmd(&["sh"])
        .env("FROM_IMAGE=1")
        .label("from.image", "yes")
        .label("both", "image")
        .push(&reg, "bb:latest");
    let rcon = Rcon::new();
    let src = tempfile::tempdir().unwrap();
    rcon.ok(&[
        "create",
        "-q",
        "--name",
        "c1",
        "-e",
        "USER_VAR=2",
        "--label",
        "both=flag",
        "-v",
        "data1:/data",
        "-v",
        &format!("{}:/host:ro", src.path().display()),
        &image,
        "true",
    ]);
    let f = |t: &str| rcon.ok(&["inspect", "-f", t, "c1"]);

    // Keys docker prints even when empty.
    assert_eq!(f("{{json .Config.Entrypoint}}"), "null\n");
    assert_eq!(f("{{.Config.Entrypoint}}"), "[]\n");
    assert_eq!(f("{{json .Config.User}}"), "\"\"\n");
    assert_eq!(f("{{.Config.Cmd}}"), "[true]\n");
    assert_eq!(f("{{json .HostConfig.CapAdd}}"), "null\n");
    assert_eq!(f("{{.HostConfig.NetworkMode}} {{.HostConfig.ShmSize}}"), "default 67108864\n");
    assert_eq!(f("{{.State.Health}}"), "<nil>\n", "a nil pointer, as docker's");
    let out = rcon.cmd(&["inspect", "-f", "{{.NoSuchKey}}", "c1"]);
    assert_eq!(code(&out), 1, "a template error is exit 1, as docker's");
    assert!(stderr(&out).contains("map has no entry for key \"NoSuchKey\""), "{}", stderr(&out));
    // Env as docker keeps it: no HOSTNAME.
    assert_eq!(f("{{.Config.Env}}"), format!("[{} FROM_IMAGE=1 USER_VAR=2]\n", crate::common::DEFAULT_PATH));
    // The image's labels, --label over them.
    assert_eq!(f("{{.Config.Labels}}"), "map[both:flag from.image:yes]\n");
    assert_eq!(f("{{index .Config.Labels \"from.image\"}}"), "yes\n");
    assert_eq!(rcon.ok(&["ps", "-aq", "--filter", "label=from.image=yes"]).lines().count(), 1);
    // Mounts: every field for binds and volumes.
    assert_eq!(f("{{range .Mounts}}{{.Type}},{{.Name}},{{.Destination}},{{.Driver}},{{.RW}};{{end}}"), {
        let mut rows = ["volume,data1,/data,local,true;", "bind,,/host,,false;"];
        let out = f("{{range .Mounts}}{{.Type}}{{end}}");
        if out.starts_with("bind") {
            rows.reverse();
        }
        format!("{}\n", rows.concat())
    });
    let mounts: serde_json::Value = serde_json::from_str(&f("{{json .Mounts}}")).unwrap();
    for m in mounts.as_array().unwrap() {
        for k in ["Type", "Name", "Source", "Destination", "Driver", "Mode", "RW", "Propagation"] {
            assert!(m.get(k).is_some(), "{k} missing in {m}");
        }
    }
    // The whole document has docker's top-level and Config keys.
    let doc: serde_json::Value = serde_json::from_str(&rcon.ok(&["inspect", "c1"])).unwrap();
    for k in [
        "Id",
        "Created",
        "Path",
        "Args",
        "State",
        "Image",
        "ResolvConfPath",
        "HostnamePath",
        "HostsPath",
        "LogPath",
        "Name",
        "RestartCount",
        "Driver",
        "Platform",
        "MountLabel",
        "ProcessLabel",
        "AppArmorProfile",
        "ExecIDs",
        "HostConfig",
        "GraphDriver",
        "Mounts",
        "Config",
        "NetworkSettings",
    ] {
        assert!(doc[0].get(k).is_some(), "{k} missing");
    }
    for k in [
        "Hostname",
        "Domainname",
        "User",
        "AttachStdin",
        "AttachStdout",
        "AttachStderr",
        "Tty",
        "OpenStdin",
        "StdinOnce",
        "Env",
        "Cmd",
        "Image",
        "Volumes",
        "WorkingDir",
        "Entrypoint",
        "OnBuild",
        "Labels",
    ] {
        assert!(doc[0]["Config"].get(k).is_some(), "Config.{k} missing");
    }
    rcon.ok(&["rm", "c1"]);
    rcon.ok(&["volume", "rm", "data1"]);
}

#[test]
fn containers_have_dockerenv() {
    let (_reg, image) = busybox("bb");
    let rcon = Rcon::new();
    let out = rcon.ok(&["run", "--rm", &image, "sh", "-c", "test -f /.dockerenv && test ! -s /.dockerenv && echo yes"]);
    assert_eq!(out, "yes\n");
}

#[test]
fn ps_json_has_dockers_keys_and_formats() {
    let (_reg, image) = busybox("bb");
    let rcon = Rcon::new();
    rcon.ok(&["run", "-d", "--name", "web", "--label", "app=web", "-v", "psvol:/data", &image, "sleep", "300"]);
    let line = rcon.ok(&["ps", "--format", "{{json .}}"]);
    let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "Command",
            "CreatedAt",
            "ID",
            "Image",
            "Labels",
            "LocalVolumes",
            "Mounts",
            "Names",
            "Networks",
            "Ports",
            "RunningFor",
            "Size",
            "State",
            "Status"
        ]
    );
    assert_eq!(v["Command"], "\"sleep 300\"");
    assert_eq!(v["Labels"], "app=web");
    assert_eq!(v["LocalVolumes"], "1");
    assert_eq!(v["Mounts"], "psvol");
    assert_eq!(v["Names"], "web");
    assert!(v["Size"].as_str().unwrap().contains(" (virtual "), "{v}");
    assert_eq!(v["State"], "running");
    assert!(!v["Networks"].as_str().unwrap().is_empty(), "{v}");
    // Go's time.Time.String(): 2006-01-02 15:04:05 -0700 MST.
    let created = v["CreatedAt"].as_str().unwrap();
    let parts: Vec<&str> = created.split(' ').collect();
    assert_eq!(parts.len(), 4, "{created}");
    assert!(chrono::NaiveDateTime::parse_from_str(&format!("{} {}", parts[0], parts[1]), "%Y-%m-%d %H:%M:%S").is_ok());
    assert!(parts[2].len() == 5 && (parts[2].starts_with('+') || parts[2].starts_with('-')), "{created}");
    // `--format json` is the same object.
    assert_eq!(rcon.ok(&["ps", "--format", "json"]), line);
    assert_eq!(rcon.ok(&["ps", "--format", "{{.Labels}} {{.Mounts}}"]), "app=web psvol\n");
    rcon.ok(&["rm", "-f", "web"]);
}

#[test]
fn logs_of_a_foreground_run() {
    let (_reg, image) = busybox("bb");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let out = rcon.cmd(&["run", "--name", "fg", &image, "sh", "-c", "echo out1; echo err1 >&2; printf tail"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "out1\ntail", "the run still prints the output");
    assert_eq!(stderr(&out), "err1\n");
    let logs = rcon.cmd(&["logs", "fg"]);
    assert_eq!(stdout(&logs), "out1\ntail");
    assert_eq!(stderr(&logs), "err1\n");
    // A second start appends, as docker's log does.
    rcon.ok(&["start", "-a", "fg"]);
    assert_eq!(rcon.ok(&["logs", "fg"]), "out1\ntailout1\ntail");
}

#[test]
fn missing_objects_exit_like_docker() {
    let rcon = Rcon::new();
    let out = rcon.cmd(&["rm", "-f", "nosuch"]);
    let expected = (0, String::new(), "Error: No such container: nosuch\n".to_string());
    assert_eq!((code(&out), stdout(&out), stderr(&out)), expected, "rm -f is idempotent");
    for (args, msg) in [
        (&["rm", "nosuch"][..], "Error: No such container: nosuch\n"),
        // docker 20.10's CLI: these print the daemon's answer.
        (&["stop", "nosuch"], "Error response from daemon: No such container: nosuch\n"),
        (&["kill", "nosuch"], "Error response from daemon: Cannot kill container: nosuch: No such container: nosuch\n"),
        (
            &["start", "nosuch"],
            "Error response from daemon: No such container: nosuch\nError: failed to start containers: nosuch\n",
        ),
        (&["wait", "nosuch"], "Error response from daemon: No such container: nosuch\n"),
        (&["logs", "nosuch"], "Error: No such container: nosuch\n"),
        (&["exec", "nosuch", "true"], "Error: No such container: nosuch\n"),
        (&["port", "nosuch"], "Error: No such container: nosuch\n"),
        (&["inspect", "nosuch"], "Error: No such object: nosuch\n"),
        (&["rmi", "nosuch"], "Error: No such image: nosuch\n"),
        (&["volume", "rm", "nosuch"], "Error: No such volume: nosuch\n"),
        (&["volume", "inspect", "nosuch"], "Error: No such volume: nosuch\n"),
        (&["network", "rm", "nosuch"], "Error: No such network: nosuch\n"),
        (&["network", "inspect", "nosuch"], "Error: No such network: nosuch\n"),
    ] {
        let out = rcon.cmd(args);
        assert_eq!((code(&out), stderr(&out).as_str()), (1, msg), "{args:?}");
    }
}
