//! `rcon build` end to end (root, a real registry for the base image, rcon's
//! own runtime for RUN steps). The BuildKit conformance tests of the parser
//! and the shell lexer are in `tests/conformance.rs`.

use crate::common::{ImageBuilder, Rcon, Registry, code, stderr, stdout};
use std::path::{Path, PathBuf};

/// Writes `files` (relative path, content) under `dir`.
fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (p, data) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
}

/// The image config (JSON) of the image tagged `tag` (normalized).
fn config_of(rcon: &Rcon, tag: &str) -> serde_json::Value {
    let index = crate::common::image_records(rcon);
    let image = index
        .iter()
        .find(|i| i["repo_tags"].as_array().unwrap().iter().any(|t| t == tag))
        .unwrap_or_else(|| panic!("no image tagged {tag}: {index:?}"));
    let hex = image["id"].as_str().unwrap().strip_prefix("sha256:").unwrap();
    serde_json::from_slice(&std::fs::read(rcon.root.join("blobs/sha256").join(hex)).unwrap()).unwrap()
}

fn busybox(reg: &Registry) -> String {
    ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(reg, "busybox:latest").0
}

#[test]
fn build_app_image_runs_with_its_config_and_rebuild_is_fully_cached() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    write_tree(
        ctx.path(),
        &[
            ("app/server.sh", "#!/bin/sh\necho \"serving on $PORT as $(id -un) in $(pwd)\"\ncat built.txt\n"),
            (
                "Dockerfile",
                &format!(
                    "FROM {base}\nENV PORT=8080\nWORKDIR /app\nCOPY app/ /app/\n\
                     RUN echo \"built by RUN\" > /app/built.txt && chmod +x /app/server.sh\n\
                     EXPOSE $PORT\nUSER app\nLABEL org.example.name=web\nCMD ./server.sh\n"
                ),
            ),
        ],
    );
    let ctx_s = ctx.path().to_str().unwrap();
    let out = rcon.ok(&["build", "-t", "web", ctx_s]);
    assert!(out.contains("STEP 1/9: FROM"), "{out}");
    assert!(out.contains("STEP 5/9: RUN echo"), "{out}");
    assert!(out.contains("Successfully tagged docker.io/library/web:latest"), "{out}");
    assert!(!out.contains("Using cache"), "{out}");

    let run = rcon.ok(&["run", "--rm", "web"]);
    assert_eq!(run, "serving on 8080 as app in /app\nbuilt by RUN\n");

    let cfg = config_of(&rcon, "docker.io/library/web:latest");
    let c = &cfg["config"];
    assert!(c["Env"].as_array().unwrap().iter().any(|e| e == "PORT=8080"), "{c}");
    assert_eq!(c["WorkingDir"], "/app");
    assert_eq!(c["User"], "app");
    assert_eq!(c["ExposedPorts"], serde_json::json!({"8080/tcp": {}}));
    assert_eq!(c["Labels"]["org.example.name"], "web");
    assert_eq!(c["Cmd"], serde_json::json!(["/bin/sh", "-c", "./server.sh"]));
    let history = cfg["history"].as_array().unwrap();
    assert!(history.iter().any(|h| h["created_by"].as_str().unwrap().starts_with("RUN /bin/sh -c echo")), "{cfg}");
    let layers = history.iter().filter(|h| h.get("empty_layer").is_none()).count();
    assert_eq!(layers, cfg["rootfs"]["diff_ids"].as_array().unwrap().len(), "one history entry per layer");

    let id1 = rcon.ok(&["images", "-q", "--no-trunc", "web"]);
    let again = rcon.ok(&["build", "-t", "web", ctx_s]);
    assert_eq!(again.matches("Using cache").count(), 8, "every step after FROM is cached:\n{again}");
    assert_eq!(rcon.ok(&["images", "-q", "--no-trunc", "web"]), id1, "a cached rebuild gives the same image");

    // A content change (not an mtime change) invalidates COPY and what follows.
    std::fs::write(ctx.path().join("app/server.sh"), "#!/bin/sh\necho changed\n").unwrap();
    let changed = rcon.ok(&["build", "-q", "-t", "web", ctx_s]);
    assert!(changed.trim().starts_with("sha256:"), "-q prints only the ID: {changed}");
    assert_eq!(rcon.ok(&["run", "--rm", "web"]), "changed\n");
}

#[test]
fn build_multi_stage_target_build_args_and_heredocs() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    let dockerfile = format!(
        "ARG BASE={base}\n\
         FROM $BASE AS builder\n\
         ARG MSG=default\n\
         RUN <<EOF\n\
         echo \"msg=$MSG\" > /out.txt\n\
         mkdir -p /dist && echo tool > /dist/tool\n\
         EOF\n\
         COPY <<-EOT /greeting\n\
         \thello $MSG\n\
         \tEOT\n\
         FROM $BASE AS final\n\
         COPY --from=builder /out.txt /dist/ /greeting /stuff/\n\
         ENTRYPOINT [\"cat\"]\n\
         FROM builder AS debug\n\
         RUN echo debug-stage-ran\n"
    );
    write_tree(ctx.path(), &[("Dockerfile", &dockerfile)]);
    let ctx_s = ctx.path().to_str().unwrap();
    let out =
        rcon.ok(&["build", "--target", "final", "--build-arg", "MSG=hi", "--build-arg", "UNUSED=1", "-t", "ms", ctx_s]);
    assert!(!out.contains("debug-stage-ran"), "a stage the target does not need is not built:\n{out}");
    assert!(out.contains("[UNUSED]"), "unused build args are reported:\n{out}");
    let run = rcon.ok(&["run", "--rm", "ms", "/stuff/out.txt", "/stuff/tool", "/stuff/greeting"]);
    assert_eq!(run, "msg=hi\ntool\nhello hi\n");
    // ENTRYPOINT resets the Cmd inherited from the base image.
    let cfg = config_of(&rcon, "docker.io/library/ms:latest");
    assert!(cfg["config"]["Cmd"].is_null(), "{cfg}");
    assert_eq!(cfg["config"]["Entrypoint"], serde_json::json!(["cat"]));
}

#[test]
fn build_dockerignore_exceptions_and_add_tar() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    write_tree(
        ctx.path(),
        &[
            (".dockerignore", "# comment\nlogs\n!logs/keep.txt\n*.tmp\n**/secret\n"),
            ("logs/a.txt", "a"),
            ("logs/keep.txt", "keep"),
            ("x.tmp", "tmp"),
            ("sub/secret", "s"),
            ("sub/ok", "ok"),
            ("sub/x.tmp", "nested tmp is not excluded by *.tmp"),
        ],
    );
    // A gzip tar to ADD: extracted into the destination.
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(6);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1);
    tar.append_data(&mut h, "inside/file.txt", &b"inside"[..]).unwrap();
    let gz = crate::common::gzip(&tar.into_inner().unwrap());
    std::fs::write(ctx.path().join("bundle.tar.gz"), gz).unwrap();
    std::fs::write(
        ctx.path().join("Dockerfile"),
        format!("FROM {base}\nCOPY . /ctx/\nADD bundle.tar.gz /opt/\nCMD find /ctx /opt -type f\n"),
    )
    .unwrap();
    rcon.ok(&["build", "-q", "-t", "ign", ctx.path().to_str().unwrap()]);
    let mut files: Vec<String> = rcon.ok(&["run", "--rm", "ign"]).lines().map(String::from).collect();
    files.sort();
    assert_eq!(
        files,
        [
            "/ctx/.dockerignore",
            "/ctx/Dockerfile",
            "/ctx/bundle.tar.gz",
            "/ctx/logs/keep.txt",
            "/ctx/sub/ok",
            "/ctx/sub/x.tmp",
            "/opt/inside/file.txt"
        ]
    );
}

#[test]
fn build_errors_name_the_line_and_failed_steps_leave_no_image() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    let ctx_s = ctx.path().to_str().unwrap().to_string();
    std::fs::write(ctx.path().join("Dockerfile"), format!("FROM {base}\n\nCOPPY a b\n")).unwrap();
    let out = rcon.cmd(&["build", "-t", "bad", &ctx_s]);
    assert_eq!(code(&out), 1, "docker's CLI: 1");
    assert!(stderr(&out).contains("Dockerfile:3: unknown instruction: COPPY"), "{}", stderr(&out));
    assert!(!stdout(&out).contains("STEP"), "nothing runs before the file parses");

    std::fs::write(ctx.path().join("Dockerfile"), format!("FROM {base}\nRUN echo one > /one\nRUN exit 3\n")).unwrap();
    let out = rcon.cmd(&["build", "-t", "bad", &ctx_s]);
    assert_eq!(code(&out), 3, "docker's classic builder: the RUN's code");
    assert!(
        stderr(&out).ends_with("\nThe command '/bin/sh -c exit 3' returned a non-zero code: 3\n"),
        "docker's line, without rcon's prefix: {}",
        stderr(&out)
    );
    assert!(!rcon.ok(&["images"]).contains("bad"), "no tag for a failed build");
    let tmp: Vec<_> = std::fs::read_dir(rcon.root.join("tmp")).unwrap().collect();
    assert!(tmp.is_empty(), "no staging leftovers: {tmp:?}");

    std::fs::write(ctx.path().join("Dockerfile"), format!("FROM {base}\nRUN echo one > /one\nRUN cat /one\n")).unwrap();
    let out = rcon.ok(&["build", "-t", "good", &ctx_s]);
    assert_eq!(out.matches("Using cache").count(), 1, "the step before the failure stayed cached:\n{out}");
    assert!(out.contains("\none\n"), "RUN output is shown:\n{out}");
}

#[test]
fn build_with_timestamp_is_reproducible() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let ctx = tempfile::tempdir().unwrap();
    write_tree(
        ctx.path(),
        &[("f.txt", "data"), ("Dockerfile", &format!("FROM {base}\nCOPY f.txt /f.txt\nRUN echo x > /x\nENV A=1\n"))],
    );
    let ctx_s = ctx.path().to_str().unwrap();
    let a = Rcon::new();
    let b = Rcon::new();
    let id_a = a.ok(&["build", "-q", "--timestamp", "1700000000", "-t", "r", ctx_s]);
    // Different mtimes in the context must not matter either.
    std::fs::write(ctx.path().join("f.txt"), "data").unwrap();
    let id_b = b.ok(&["build", "-q", "--no-cache", "--timestamp", "1700000000", "-t", "r", ctx_s]);
    assert_eq!(id_a, id_b);
    let cfg = config_of(&a, "docker.io/library/r:latest");
    assert_eq!(cfg["created"], "2023-11-14T22:13:20Z");
}

/// RUN gets the default bridge network with NAT (docker's classic builder),
/// so it reaches Debian's mirror; `--network none` leaves it with only `lo`.
#[test]
fn build_run_has_the_bridge_network_and_network_none_has_not() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    let url = "http://deb.debian.org/debian/dists/bookworm/main/binary-all/Release";
    std::fs::write(
        ctx.path().join("Dockerfile"),
        format!("FROM {base}\nRUN wget -q -O /release {url} && grep -q 'Archive: ' /release\nCMD cat /release\n"),
    )
    .unwrap();
    let ctx_s = ctx.path().to_str().unwrap();
    rcon.ok(&["build", "-q", "-t", "fetched", ctx_s]);
    let out = rcon.ok(&["run", "--rm", "--network", "none", "fetched"]);
    assert!(out.contains("Component: main"), "{out}");
    assert_eq!(rcon.ok(&["ps", "-a", "-q"]), "", "no intermediate container is left");

    let o = rcon.cmd(&["build", "--no-cache", "--network", "none", "-t", "offline", ctx_s]);
    assert_ne!(code(&o), 0, "{}", stdout(&o));
    assert!(stderr(&o).contains("returned a non-zero code"), "{}", stderr(&o));
    assert_eq!(rcon.ok(&["ps", "-a", "-q"]), "", "no intermediate container is left after a failure");
    let o = rcon.cmd(&["build", "--no-cache", "--network", "host", "-q", "-t", "hostnet", ctx_s]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// A tar holding `name` with `data`.
fn one_file_tar(name: &str, data: &[u8]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1);
    tar.append_data(&mut h, name, data).unwrap();
    tar.into_inner().unwrap()
}

/// Serves `body` on 127.0.0.1 for every GET (HTTP/1.0, closes each
/// connection) until the test ends; returns the base URL.
fn serve_once_per_request(body: &'static [u8]) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut c) = conn else { continue };
            use std::io::{BufRead, Write};
            let mut r = std::io::BufReader::new(c.try_clone().unwrap());
            let mut line = String::new();
            while r.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = write!(
                c,
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\nLast-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\n\r\n",
                body.len()
            );
            let _ = c.write_all(body);
        }
    });
    format!("http://{addr}")
}

#[test]
fn build_add_bzip2_xz_archives_and_url_with_checksum() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    std::io::Write::write_all(&mut bz, &one_file_tar("b.txt", b"from bzip2")).unwrap();
    std::fs::write(ctx.path().join("a.tar.bz2"), bz.finish().unwrap()).unwrap();
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut &one_file_tar("x.txt", b"from xz")[..], &mut xz).unwrap();
    std::fs::write(ctx.path().join("a.tar.xz"), xz).unwrap();
    const BODY: &[u8] = b"downloaded by ADD\n";
    let url = serve_once_per_request(BODY);
    let sum = crate::common::sha256_hex(BODY);
    std::fs::write(
        ctx.path().join("Dockerfile"),
        format!(
            "FROM {base}\nADD a.tar.bz2 a.tar.xz /arch/\nADD --checksum=sha256:{sum} {url}/files/hello.txt /dl/\n\
             CMD cat /arch/b.txt /arch/x.txt /dl/hello.txt && stat -c '%a %Y' /dl/hello.txt\n"
        ),
    )
    .unwrap();
    let ctx_s = ctx.path().to_str().unwrap();
    rcon.ok(&["build", "-q", "-t", "added", ctx_s]);
    assert_eq!(rcon.ok(&["run", "--rm", "added"]), "from bzip2from xzdownloaded by ADD\n600 1700000000\n");
    let again = rcon.ok(&["build", "-t", "added", ctx_s]);
    assert_eq!(again.matches("Using cache").count(), 3, "{again}");

    let bad = "0".repeat(64);
    std::fs::write(ctx.path().join("Dockerfile"), format!("FROM {base}\nADD --checksum=sha256:{bad} {url}/f /f\n"))
        .unwrap();
    let o = rcon.cmd(&["build", "-t", "bad", ctx_s]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stderr(&o).contains("digest mismatch"), "{}", stderr(&o));
}

/// An image built by rcon, pushed to the registry, runs under podman with
/// the same config as podman's own build of the same Dockerfile.
#[test]
fn podman_runs_what_rcon_built_with_the_config_podman_builds() {
    let podman_bin = std::process::Command::new("podman").arg("--version").output();
    assert!(
        podman_bin.is_ok_and(|o| o.status.success()),
        "podman is missing: apt-get install podman runc (needed for the build interop test)"
    );
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    write_tree(
        ctx.path(),
        &[(
            "Dockerfile",
            &format!(
                "FROM {base}\nENV A=1 B=\"two words\"\nWORKDIR /srv/app\nRUN echo built > /srv/app/f\n\
                 USER 1000:1000\nEXPOSE 8080 53/udp\nVOLUME /data\nLABEL a=b c=\"d e\"\nSTOPSIGNAL SIGINT\n\
                 HEALTHCHECK --interval=5s --timeout=2s --retries=3 CMD true\n\
                 ENTRYPOINT [\"/bin/sh\", \"-c\"]\nCMD [\"cat /srv/app/f; echo \\\"$A $B\\\"\"]\n"
            ),
        )],
    );
    let ctx_s = ctx.path().to_str().unwrap();
    rcon.ok(&["build", "-q", "-t", "interop", ctx_s]);
    let dest = format!("{}/interop:rcon", reg.addr);
    // Healthcheck is a docker extension: podman reads it from docker
    // (schema 2) images only, as it writes it only with `--format docker`.
    rcon.ok(&["push", "-q", "--format", "docker", "interop", &dest]);

    let dir = tempfile::Builder::new().prefix("rcon-podman-").tempdir().unwrap();
    let podman = |args: &[&str]| {
        let out = std::process::Command::new("podman")
            .arg("--root")
            .arg(dir.path().join("root"))
            .arg("--runroot")
            .arg(dir.path().join("run"))
            .args(["--storage-driver", "vfs", "--runtime", "runc", "--cgroup-manager", "cgroupfs"])
            .args(["--events-backend", "none"])
            .args(args)
            .env("HOME", dir.path())
            .output()
            .unwrap();
        (out.status.success(), stdout(&out), stderr(&out))
    };
    let must = |r: (bool, String, String), what: &str| {
        assert!(r.0, "podman {what} failed: {}", r.2);
        r.1
    };
    // Without CAP_SYS_RESOURCE podman's default rlimits cannot be set here.
    let limits = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        must(podman(&["pull", "-q", "--tls-verify=false", &dest]), "pull");
        let mut args = vec!["run", "--rm", "--network", "none"];
        args.extend(limits);
        args.push(&dest);
        let out = must(podman(&args), "run");
        assert_eq!(out, "built\n1 two words\n");
        let mut args = vec!["build", "-q", "--format", "docker", "--tls-verify=false", "--isolation", "chroot"];
        args.extend(limits);
        args.extend(["-t", "localhost/interop:podman", ctx_s]);
        must(podman(&args), "build");
        let inspect = |name: &str| -> serde_json::Value {
            let out = must(podman(&["image", "inspect", name]), "image inspect");
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            // podman shows the healthcheck beside the config.
            let mut c = v[0]["Config"].clone();
            c["Healthcheck"] = v[0]["Healthcheck"].clone();
            assert!(!c["Healthcheck"].is_null(), "{name} has no healthcheck: {v}");
            c
        };
        let ours = inspect(&dest);
        let theirs = inspect("localhost/interop:podman");
        for k in [
            "Env",
            "Cmd",
            "Entrypoint",
            "WorkingDir",
            "User",
            "ExposedPorts",
            "Volumes",
            "Labels",
            "StopSignal",
            "Healthcheck",
        ] {
            let mut a = ours.get(k).cloned().unwrap_or_default();
            let mut b = theirs.get(k).cloned().unwrap_or_default();
            // podman labels its own builds with its version.
            for l in [&mut a, &mut b] {
                if let Some(m) = l.as_object_mut() {
                    m.remove("io.buildah.version");
                }
            }
            assert_eq!(a, b, "{k} differs: rcon {ours} podman {theirs}");
        }
    }));
    let _ = podman(&["rmi", "-a", "-f"]);
    crate::common::unmount_under(dir.path());
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// `COPY --exclude`, `--parents` (with a `/./` pivot), symbolic `--chmod`, and `<Dockerfile>.dockerignore`
/// beside `-f` found wherever rcon runs from.
#[test]
fn build_copy_exclude_symbolic_chmod_and_dockerfile_dockerignore() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    write_tree(
        ctx.path(),
        &[
            (".dockerignore", "*\n"),
            ("src/a.txt", "a"),
            ("src/b.md", "b"),
            ("src/docs/c.md", "c"),
            ("src/docs/keep.md", "keep"),
            ("run.sh", "#!/bin/sh\n"),
        ],
    );
    write_tree(
        files.path(),
        &[
            (
                "build.Dockerfile",
                &format!(
                    "FROM {base}\nCOPY --exclude=*.md --exclude=docs/*.md --exclude=!docs/keep.md src/ /s/\n\
                     COPY --chmod=u=rwx,g=rx,o= run.sh /run.sh\n\
                     COPY --parents src/docs/keep.md ./src/./docs/c.md /p/\n\
                     CMD find /s /p | sort && stat -c '%a' /run.sh\n"
                ),
            ),
            // Wins over the context's `.dockerignore` (which excludes all).
            ("build.Dockerfile.dockerignore", "nothing\n"),
        ],
    );
    // Run from an unrelated directory, with -f absolute.
    let f = files.path().join("build.Dockerfile");
    let out = rcon
        .command(&["build", "-q", "-t", "excl", "-f", f.to_str().unwrap(), ctx.path().to_str().unwrap()])
        .current_dir("/")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        rcon.ok(&["run", "--rm", "excl"]),
        "/p\n/p/docs\n/p/docs/c.md\n/p/src\n/p/src/docs\n/p/src/docs/keep.md\n/s\n/s/a.txt\n/s/docs\n/s/docs/keep.md\n750\n"
    );
}

/// Build-cache entries go with the images whose layers they name.
#[test]
fn build_cache_is_dropped_with_its_images() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    write_tree(ctx.path(), &[("Dockerfile", &format!("FROM {base}\nRUN echo x > /x\nENV A=1\n"))]);
    rcon.ok(&["build", "-q", "-t", "cached", ctx.path().to_str().unwrap()]);
    let entries = || std::fs::read_dir(rcon.root.join("build-cache")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(entries(), 2, "RUN and ENV are cached");
    rcon.ok(&["rmi", "cached"]);
    assert_eq!(entries(), 0, "the entries named the removed RUN layer");
    let again = rcon.ok(&["build", "-t", "cached", ctx.path().to_str().unwrap()]);
    assert!(!again.contains("Using cache"), "{again}");
}

/// `COPY --from` of a tree that a later RUN deleted and partly re-created:
/// the opaque marker is on the parent (`/venv`), and nothing of the old tree
/// may come back at any depth (a venv after `pip install --upgrade pip`).
#[test]
fn build_copy_from_stage_honours_whiteouts_and_opaque_parents() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    let dockerfile = format!(
        "FROM {base} AS venv\n\
         RUN mkdir -p /venv/lib/old /venv/bin && echo old > /venv/lib/old/f && echo old > /venv/lib/stale \
             && echo old > /venv/bin/tool && echo keep > /venv/bin/keep\n\
         RUN rm -rf /venv && mkdir -p /venv/lib && echo new > /venv/lib/new\n\
         FROM venv AS deleted-file\n\
         RUN rm /venv/lib/new && echo other > /venv/lib/other\n\
         FROM {base}\n\
         COPY --from=venv /venv /venv\n\
         COPY --from=deleted-file /venv/lib /lib2\n\
         CMD find /venv /lib2\n"
    );
    write_tree(ctx.path(), &[("Dockerfile", &dockerfile)]);
    rcon.ok(&["build", "-q", "-t", "opq", ctx.path().to_str().unwrap()]);
    let mut found: Vec<String> = rcon.ok(&["run", "--rm", "opq"]).lines().map(String::from).collect();
    found.sort();
    assert_eq!(found, ["/lib2", "/lib2/other", "/venv", "/venv/lib", "/venv/lib/new"]);
}

/// docker's rules for symlinks in the context: a COPY source that is a
/// symlink is followed inside the context (an absolute target from the
/// context's root); a dangling one is "not found", never a panic.
#[test]
fn build_copy_symlink_sources_follow_the_context_and_dangling_ones_are_errors() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    write_tree(ctx.path(), &[("data/file", "in the context\n")]);
    std::os::unix::fs::symlink("/data/file", ctx.path().join("abs")).unwrap();
    std::os::unix::fs::symlink("data/file", ctx.path().join("rel")).unwrap();
    std::os::unix::fs::symlink("/nowhere", ctx.path().join("dangling")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", ctx.path().join("host-abs")).unwrap();
    std::os::unix::fs::symlink("loop", ctx.path().join("loop")).unwrap();
    let ctx_s = ctx.path().to_str().unwrap();
    std::fs::write(
        ctx.path().join("Dockerfile"),
        format!("FROM {base}\nCOPY abs rel /out/\nCMD cat /out/abs /out/rel\n"),
    )
    .unwrap();
    rcon.ok(&["build", "-q", "-t", "links", ctx_s]);
    assert_eq!(rcon.ok(&["run", "--rm", "links"]), "in the context\nin the context\n");
    for bad in ["dangling", "host-abs", "loop"] {
        std::fs::write(ctx.path().join("Dockerfile"), format!("FROM {base}\nCOPY {bad} /out\n")).unwrap();
        let out = rcon.cmd(&["build", "-q", "-t", "bad", ctx_s]);
        assert_eq!(code(&out), 1, "COPY {bad}: {}", stderr(&out));
        assert!(stderr(&out).contains("Dockerfile:2") && stderr(&out).contains("not found"), "{}", stderr(&out));
    }
}

/// ARG values that double on every line stop at the expansion limit with
/// an error naming the line (no unbounded memory), and so do references
/// nested too deep (no stack overflow); thousands of LABEL lines
/// cost a constant amount each (the build cache does not grow with the
/// square of the step count), and a cached rebuild gives the same image.
#[test]
fn build_bounds_expansions_and_handles_many_instructions_linearly() {
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    let ctx_s = ctx.path().to_str().unwrap();
    let mut df = format!("FROM scratch\nARG A={}\n", "x".repeat(1024));
    for _ in 0..40 {
        df.push_str("ARG A=$A$A\n");
    }
    std::fs::write(ctx.path().join("Dockerfile"), &df).unwrap();
    let out = rcon.cmd(&["build", "-q", ctx_s]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // 1 KiB doubles to 1 MiB at line 13; line 13 would exceed it.
    assert!(
        stderr(&out).contains("Dockerfile:13: ARG A=$A$A") && stderr(&out).contains("longer than 1048576 bytes"),
        "{}",
        stderr(&out)
    );

    // References nested 20,000 deep: an error naming the line, never a
    // stack overflow (it aborted rcon before).
    let df = format!("FROM scratch\nENV X={}x{}\n", "${a:-".repeat(20_000), "}".repeat(20_000));
    std::fs::write(ctx.path().join("Dockerfile"), &df).unwrap();
    let out = rcon.cmd(&["build", "-q", ctx_s]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Dockerfile:2") && stderr(&out).contains("nested more than 100 deep"),
        "{}",
        stderr(&out)
    );

    let mut df = String::from("FROM scratch\n");
    for i in 0..2000 {
        df.push_str(&format!("LABEL key{i}=value{i}\n"));
    }
    std::fs::write(ctx.path().join("Dockerfile"), &df).unwrap();
    let id = rcon.ok(&["build", "-q", "-t", "labels", ctx_s]);
    let cfg = config_of(&rcon, "docker.io/library/labels:latest");
    assert_eq!(cfg["config"]["Labels"].as_object().unwrap().len(), 2000);
    assert_eq!(cfg["config"]["Labels"]["key1999"], "value1999");
    let cache_bytes: u64 =
        std::fs::read_dir(rcon.root.join("build-cache")).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    assert!(cache_bytes < 2000 * 1024, "the build cache holds {cache_bytes} bytes for 2000 LABEL steps");
    let again = rcon.ok(&["build", "-t", "labels", ctx_s]);
    assert_eq!(again.matches("Using cache").count(), 2000);
    assert_eq!(rcon.ok(&["images", "-q", "--no-trunc", "labels"]), id, "a cached rebuild gives the same image");
}

/// A base image without PATH gets docker's default PATH (RUN finds its
/// programs and the image's config has it), as docker's builders do.
#[test]
fn build_gives_a_base_without_path_dockers_default_path() {
    let rcon = Rcon::new();
    let tarball = crate::common::tar_bytes(&crate::common::busybox_entries());
    let file = rcon.dir().join("rootfs.tar");
    std::fs::write(&file, &tarball).unwrap();
    rcon.ok(&["import", file.to_str().unwrap(), "nopath:1"]);
    let ctx = tempfile::tempdir().unwrap();
    std::fs::write(ctx.path().join("Dockerfile"), "FROM nopath:1\nRUN echo \"$PATH\" > /path.txt\n").unwrap();
    rcon.ok(&["build", "-q", "-t", "withpath", ctx.path().to_str().unwrap()]);
    let want = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    let cfg = config_of(&rcon, "docker.io/library/withpath:latest");
    assert_eq!(cfg["config"]["Env"], serde_json::json!([want]));
    assert_eq!(rcon.ok(&["run", "--rm", "withpath", "cat", "/path.txt"]), format!("{}\n", &want[5..]));
}

/// Every file under `dir` whose content contains `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let m = p.symlink_metadata().unwrap();
            if m.is_dir() {
                todo.push(p);
            } else if m.is_file() && std::fs::read(&p).unwrap().windows(needle.len()).any(|w| w == needle) {
                out.push(p);
            }
        }
    }
    out
}

/// `RUN --mount`: bind (context after .dockerignore, `rw` writes discarded,
/// from a stage), cache (kept across builds, also with --no-cache), tmpfs,
/// secret (file and env; never in a layer or the cache), ssh (the agent
/// socket); mount points do not stay in the image; unknown options and
/// missing required secrets are errors.
#[test]
fn build_run_mounts_bind_cache_tmpfs_secret_ssh() {
    let reg = Registry::start();
    let base = busybox(&reg);
    let rcon = Rcon::new();
    let ctx = tempfile::tempdir().unwrap();
    write_tree(
        ctx.path(),
        &[
            (".dockerignore", "data/ignored\n"),
            ("data/in.txt", "from the context\n"),
            ("data/ignored", "no\n"),
            // What the secrets hold, for the RUN steps to compare (the
            // values never appear in the Dockerfile, whose text is in the history).
            ("expected-file", "s3cret-file-value"),
            ("expected-env", "s3cret-env-value"),
        ],
    );
    let secret_file = rcon.dir().join("token");
    std::fs::write(&secret_file, "s3cret-file-value").unwrap();
    let sock_dir = tempfile::tempdir().unwrap();
    let sock = sock_dir.path().join("agent.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let dockerfile = format!(
        "FROM {base} AS stage\n\
         RUN mkdir /out && echo from-stage > /out/x\n\
         FROM {base}\n\
         ARG CACHE_ID=c1\n\
         RUN --mount=type=bind,source=data,target=/mnt/data cat /mnt/data/in.txt > /from-bind.txt \
             && test ! -e /mnt/data/ignored\n\
         RUN --mount=target=/ctx,rw echo scribble > /ctx/new-file && test -e /ctx/data/in.txt\n\
         RUN --mount=type=bind,from=stage,source=/out,target=/st cat /st/x > /from-stage.txt\n\
         RUN --mount=type=cache,target=/cache,id=$CACHE_ID,sharing=locked \
             sh -c 'echo run >> /cache/count; wc -l < /cache/count > /count.txt'\n\
         RUN --mount=type=tmpfs,target=/scratch,size=1m grep -q ' /scratch tmpfs ' /proc/mounts && echo t > /scratch/t\n\
         RUN --mount=type=secret,id=tok --mount=target=/c cmp /run/secrets/tok /c/expected-file\n\
         RUN --mount=type=secret,id=envtok,env=TOKEN --mount=target=/c test \"$TOKEN\" = \"$(cat /c/expected-env)\"\n\
         RUN --mount=type=ssh test -S \"$SSH_AUTH_SOCK\" && echo \"$SSH_AUTH_SOCK\" > /ssh.txt\n"
    );
    std::fs::write(ctx.path().join("Dockerfile"), dockerfile).unwrap();
    let ctx_s = ctx.path().to_str().unwrap();
    let secret_arg = format!("id=tok,src={}", secret_file.display());
    let ssh_arg = format!("default={}", sock.display());
    let build = |extra: &[&str]| {
        let mut args =
            vec!["build", "-q", "-t", "mounts", "--secret", &secret_arg, "--secret", "id=envtok,env=RCON_TEST_TOKEN"];
        args.extend(["--ssh", &ssh_arg]);
        args.extend(extra);
        args.push(ctx_s);
        let out = rcon.command(&args).env("RCON_TEST_TOKEN", "s3cret-env-value").output().unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    };
    build(&[]);
    let show = "cat /from-bind.txt /from-stage.txt /count.txt /ssh.txt; ls -d /mnt /ctx /st /cache /scratch /run/secrets 2>&1 | wc -l";
    assert_eq!(
        rcon.ok(&["run", "--rm", "mounts", "sh", "-c", show]),
        "from the context\nfrom-stage\n1\n/run/buildkit/ssh_agent.0\n6\n",
        "six `ls` errors: no mount point stayed in the image"
    );
    assert!(!ctx.path().join("new-file").exists(), "an rw bind mount never writes to the context");
    build(&["--no-cache"]);
    assert_eq!(rcon.ok(&["run", "--rm", "mounts", "cat", "/count.txt"]), "2\n", "the cache mount persists");
    for secret in [&b"s3cret-file-value"[..], b"s3cret-env-value"] {
        for dir in ["layers", "build-cache", "blobs"] {
            let found = files_containing(&rcon.root.join(dir), secret);
            assert!(found.is_empty(), "a secret is stored in {found:?}");
        }
    }

    for (mount, want) in [
        ("type=cache,target=/x,bogus=1", "unexpected key 'bogus'"),
        ("type=secret,id=missing,required", "secret missing is required"),
        ("type=ssh,id=other,required", "ssh agent \"other\" is required"),
        ("type=nfs,target=/x", "unsupported mount type"),
    ] {
        std::fs::write(ctx.path().join("Dockerfile"), format!("FROM {base}\nRUN --mount={mount} true\n")).unwrap();
        let out = rcon.cmd(&["build", "-q", ctx_s]);
        assert_eq!(code(&out), 1, "{mount}: {}", stderr(&out));
        assert!(stderr(&out).contains("Dockerfile:2") && stderr(&out).contains(want), "{mount}: {}", stderr(&out));
    }
}
