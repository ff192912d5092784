//! Short names, aliases, mirrors and blocked registries from a
//! registries.conf-style file (`RCON_REGISTRIES_CONF`), against real
//! registries (Debian's `docker-registry`) on two or three loopback ports.

use crate::common::{ImageBuilder, Rcon, Registry, code, free_port, stderr, stdout};
use std::process::Output;

/// Writes `conf` next to the store and runs `rcon ARGS…` with
/// `RCON_REGISTRIES_CONF` pointing at it.
fn with_conf(rcon: &Rcon, conf: &str, args: &[&str]) -> Output {
    let path = rcon.dir().join("registries.conf");
    std::fs::write(&path, conf).unwrap();
    rcon.command(args).env("RCON_REGISTRIES_CONF", &path).env_remove("CONTAINERS_REGISTRIES_CONF").output().unwrap()
}

/// Asserts success; returns stdout and stderr (the progress lines).
#[track_caller]
fn ok(out: &Output) -> String {
    assert!(out.status.success(), "rcon failed ({})\nstdout:\n{}\nstderr:\n{}", out.status, stdout(out), stderr(out));
    stdout(out) + &stderr(out)
}

/// Repository tags of the store's images (`rcon images --format`).
fn tags(rcon: &Rcon) -> Vec<String> {
    let out = rcon.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    let mut v: Vec<String> = out.lines().map(str::to_string).collect();
    v.sort();
    v
}

#[test]
fn short_name_is_searched_in_order() {
    let first = Registry::start();
    let second = Registry::start();
    ImageBuilder::new().busybox_layer().env("WHERE=second").push(&second, "only2:v1");
    let rcon = Rcon::new();
    let conf = format!("unqualified-search-registries = [\"{}\", \"{}\"]\n", first.addr, second.addr);
    let out = with_conf(&rcon, &conf, &["pull", "only2:v1"]);
    let text = ok(&out);
    assert!(text.contains(&format!("Trying to pull {}/only2:v1", first.addr)), "{text}");
    assert!(text.contains(&format!("Trying to pull {}/only2:v1", second.addr)), "{text}");
    assert_eq!(tags(&rcon), [format!("{}/only2:v1", second.addr)]);

    // Nowhere: the error names every registry tried.
    let out = with_conf(&rcon, &conf, &["pull", "missing:v1"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("not found in any unqualified-search registry"), "{err}");
    assert!(
        err.contains(&format!("{}/missing:v1", first.addr)) && err.contains(&format!("{}/missing:v1", second.addr)),
        "{err}"
    );

    // A registry that cannot be reached stops the search and is reported.
    let dead = format!("127.0.0.1:{}", free_port());
    let conf = format!("unqualified-search-registries = [\"{dead}\", \"{}\"]\n", second.addr);
    let out = with_conf(&rcon, &conf, &["pull", "only2:v1"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("{dead}/only2:v1")) && err.contains("cannot reach registry"), "{err}");
}

#[test]
fn alias_names_a_fully_qualified_image() {
    let reg = Registry::start();
    ImageBuilder::new().busybox_layer().push(&reg, "team/aliased:v2");
    let rcon = Rcon::new();
    let conf = format!("unqualified-search-registries = []\n[aliases]\n\"myimg\" = \"{}/team/aliased\"\n", reg.addr);
    ok(&with_conf(&rcon, &conf, &["pull", "myimg:v2"]));
    assert_eq!(tags(&rcon), [format!("{}/team/aliased:v2", reg.addr)]);
    // No alias and no search registries: a clear error.
    let out = with_conf(&rcon, &conf, &["pull", "other"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("unqualified-search-registries"), "{}", stderr(&out));
}

#[test]
fn mirror_is_tried_before_the_upstream() {
    let upstream = Registry::start();
    let mirror = Registry::start();
    let (_, digest) = ImageBuilder::new().busybox_layer().env("M=1").push(&mirror, "app:v1");
    let upstream_addr = upstream.addr.clone();
    let conf =
        format!("[[registry]]\nlocation = \"{upstream_addr}\"\n[[registry.mirror]]\nlocation = \"{}\"\n", mirror.addr);
    // The upstream is gone: the pull is served by the mirror, and the
    // image is recorded under the upstream name that was asked for.
    drop(upstream);
    let rcon = Rcon::new();
    let text = ok(&with_conf(&rcon, &conf, &["pull", &format!("{upstream_addr}/app:v1")]));
    assert!(text.contains(&format!("Trying to pull {}/app:v1", mirror.addr)), "{text}");
    assert_eq!(tags(&rcon), [format!("{upstream_addr}/app:v1")]);
    // By digest too.
    let rcon = Rcon::new();
    ok(&with_conf(&rcon, &conf, &["pull", &format!("{upstream_addr}/app@{digest}")]));
    let out = rcon.ok(&["images", "--digests", "--format", "{{.Repository}}@{{.Digest}}"]);
    assert!(out.contains(&format!("{upstream_addr}/app@{digest}")), "{out}");
}

#[test]
fn mirror_without_the_image_falls_back_to_the_upstream() {
    let upstream = Registry::start();
    let mirror = Registry::start();
    ImageBuilder::new().busybox_layer().push(&upstream, "app:v1");
    let conf = format!(
        "[[registry]]\nlocation = \"{}\"\n[[registry.mirror]]\nlocation = \"{}\"\n",
        upstream.addr, mirror.addr
    );
    let rcon = Rcon::new();
    let out = with_conf(&rcon, &conf, &["pull", &format!("{}/app:v1", upstream.addr)]);
    let text = ok(&out);
    assert!(text.contains(&format!("Trying to pull {}/app:v1", mirror.addr)), "{text}");
    assert!(text.contains(&format!("Trying to pull {}/app:v1", upstream.addr)), "{text}");
    assert!(stderr(&out).contains("trying the next source"), "{}", stderr(&out));
    assert_eq!(tags(&rcon), [format!("{}/app:v1", upstream.addr)]);
}

#[test]
fn blocked_registry_is_refused() {
    let reg = Registry::start();
    let (reference, _) = ImageBuilder::new().busybox_layer().push(&reg, "app:v1");
    let rcon = Rcon::new();
    let conf = format!("[[registry]]\nlocation = \"{}\"\nblocked = true\n", reg.addr);
    let out = with_conf(&rcon, &conf, &["pull", &reference]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("blocked") && err.contains(&reg.addr), "{err}");
    assert!(tags(&rcon).is_empty());
    // `insecure = true` on a loopback registry changes nothing (plain HTTP already).
    let conf = format!("[[registry]]\nlocation = \"{}\"\ninsecure = true\n", reg.addr);
    ok(&with_conf(&rcon, &conf, &["pull", &reference]));
    assert_eq!(tags(&rcon), [reference]);
}

/// `rcon ARGS…` in a new mount namespace where `/etc/hosts` maps
/// `registry.test` to 127.0.0.1: a registry name that is not loopback to
/// rcon (so its certificate is verified) but reaches a test registry.
fn via_name(rcon: &Rcon, conf: Option<&str>, args: &[&str]) -> Output {
    let hosts = rcon.dir().join("hosts");
    std::fs::write(&hosts, "127.0.0.1 localhost registry.test\n").unwrap();
    let mut c = std::process::Command::new("unshare");
    c.args(["--mount", "--propagation", "private", "--", "sh", "-c", "mount --bind \"$0\" /etc/hosts && exec \"$@\""])
        .arg(&hosts)
        .arg(env!("CARGO_BIN_EXE_rcon"))
        .arg("--root")
        .arg(&rcon.root)
        .arg("--runroot")
        .arg(&rcon.runroot)
        .args(args)
        .env_remove("CONTAINERS_REGISTRIES_CONF")
        .stdin(std::process::Stdio::null());
    let conf_path = rcon.dir().join("registries.conf");
    std::fs::write(&conf_path, conf.unwrap_or("")).unwrap();
    c.env("RCON_REGISTRIES_CONF", &conf_path);
    c.output().expect("run unshare (util-linux)")
}

/// A registry serving HTTPS with a self-signed certificate. On 127.0.0.1
/// it is used without verification (docker's default for loopback
/// registries: HTTPS first, then plain HTTP) for pull, push and login. By a
/// name that is not loopback, the certificate is verified: the pull fails
/// naming the registry and the two ways to allow it, and both work. A
/// plain-HTTP loopback registry keeps working.
#[test]
fn tls_registry_with_a_self_signed_certificate() {
    let tls = Registry::start_tls();
    let (reference, _) = ImageBuilder::new().busybox_layer().env("WHERE=tls").push(&tls, "app:v1");
    let rcon = Rcon::new();
    ok(&rcon.cmd(&["pull", &reference]));
    let pushed = format!("{}/copy:v1", tls.addr);
    rcon.ok(&["tag", &reference, &pushed]);
    ok(&rcon.cmd(&["push", &pushed]));
    let authfile = rcon.dir().join("auth.json");
    let authfile = authfile.to_str().unwrap();
    ok(&rcon.cmd(&["login", "--authfile", authfile, "-u", "u", "-p", "p", &tls.addr]));
    let fresh = Rcon::new();
    ok(&fresh.cmd(&["pull", &pushed]));
    assert_eq!(tags(&fresh), std::slice::from_ref(&pushed));

    // By name: verified, and refused with the way out.
    let port = tls.addr.rsplit_once(':').unwrap().1;
    let by_name = format!("registry.test:{port}/app:v1");
    let rcon = Rcon::new();
    let out = via_name(&rcon, None, &["pull", &by_name]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("cannot verify the TLS certificate of registry registry.test:{port}")), "{err}");
    assert!(err.contains("--tls-verify=false") && err.contains("insecure = true"), "{err}");
    ok(&via_name(&rcon, None, &["pull", "--tls-verify=false", &by_name]));
    assert_eq!(tags(&rcon), std::slice::from_ref(&by_name));
    // The image is local now, so the push fails on the certificate alone.
    let out = via_name(&rcon, None, &["push", &by_name]);
    assert_eq!(code(&out), 1, "the push is verified too: {}", stderr(&out));
    assert!(stderr(&out).contains("cannot verify the TLS certificate"), "{}", stderr(&out));
    let rcon = Rcon::new();
    let conf = format!("[[registry]]\nlocation = \"registry.test:{port}\"\ninsecure = true\n");
    ok(&via_name(&rcon, Some(&conf), &["pull", &by_name]));
    let pushed = format!("registry.test:{port}/again:v1");
    rcon.ok(&["tag", &by_name, &pushed]);
    ok(&via_name(&rcon, Some(&conf), &["push", &pushed]));
    let name = format!("registry.test:{port}");
    let login = ["login", "--authfile", authfile, "-u", "u", "-p", "p", &name];
    assert_eq!(code(&via_name(&rcon, None, &login)), 1, "login verifies the certificate");
    ok(&via_name(&rcon, Some(&conf), &login));

    // Plain HTTP on loopback still works (after the HTTPS attempt fails).
    let plain = Registry::start();
    let (reference, _) = ImageBuilder::new().busybox_layer().push(&plain, "app:v1");
    let rcon = Rcon::new();
    ok(&rcon.cmd(&["pull", &reference]));
    assert_eq!(tags(&rcon), [reference]);
}

/// Which file a pull reads: `RCON_REGISTRIES_CONF` over
/// `CONTAINERS_REGISTRIES_CONF` over `/etc/containers/registries.conf` and
/// then `registries.conf.d/*.conf` in name order (a later file's alias
/// replaces an earlier one). The system files are the test's own, bind
/// mounted over `/etc/containers` in a private mount namespace; every
/// other test is shielded from the host's by `RCON_REGISTRIES_CONF`.
#[test]
fn registries_conf_lookup_order() {
    let reg = Registry::start();
    for repo in ["from-rcon", "from-containers", "from-etc", "from-a", "from-b"] {
        ImageBuilder::new().busybox_layer().push(&reg, &format!("{repo}:1"));
    }
    let alias = |pairs: &[(&str, &str)]| {
        let mut s = String::from("[aliases]\n");
        for (name, repo) in pairs {
            s.push_str(&format!("\"{name}\" = \"{}/{repo}\"\n", reg.addr));
        }
        s
    };
    let rcon = Rcon::new();
    let dir = rcon.dir();
    std::fs::write(dir.join("rcon.conf"), alias(&[("pick", "from-rcon")])).unwrap();
    std::fs::write(dir.join("containers.conf"), alias(&[("pick", "from-containers"), ("other", "from-containers")]))
        .unwrap();
    let etc = dir.join("etc-containers");
    std::fs::create_dir_all(etc.join("registries.conf.d")).unwrap();
    std::fs::write(etc.join("registries.conf"), alias(&[("pick", "from-etc"), ("other", "from-etc")])).unwrap();
    std::fs::write(etc.join("registries.conf.d/20-b.conf"), alias(&[("other", "from-b")])).unwrap();
    std::fs::write(etc.join("registries.conf.d/10-a.conf"), alias(&[("other", "from-a")])).unwrap();
    assert!(
        std::path::Path::new("/etc/containers").is_dir(),
        "/etc/containers is missing: apt-get install containers-common (podman's), the mount point of this test"
    );
    let pull = |env: &[(&str, &std::path::Path)], name: &str| -> Output {
        let mut c = std::process::Command::new("unshare");
        c.args([
            "--mount",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            "mount --bind \"$0\" /etc/containers && exec \"$@\"",
        ])
        .arg(&etc)
        .arg(env!("CARGO_BIN_EXE_rcon"))
        .arg("--root")
        .arg(&rcon.root)
        .arg("--runroot")
        .arg(&rcon.runroot)
        .args(["pull", "-q", name])
        .env_remove("RCON_REGISTRIES_CONF")
        .env_remove("CONTAINERS_REGISTRIES_CONF")
        .stdin(std::process::Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run unshare (util-linux)")
    };
    let pulled = |out: Output| {
        let text = ok(&out);
        let repo = text.lines().next().unwrap_or_default().trim().to_string();
        rcon.ok(&["rmi", &repo]);
        repo
    };
    let both = [
        ("RCON_REGISTRIES_CONF", &*dir.join("rcon.conf")),
        ("CONTAINERS_REGISTRIES_CONF", &*dir.join("containers.conf")),
    ];
    assert_eq!(pulled(pull(&both, "pick:1")), format!("{}/from-rcon:1", reg.addr));
    assert_eq!(pulled(pull(&both[1..], "pick:1")), format!("{}/from-containers:1", reg.addr));
    assert_eq!(pulled(pull(&[], "pick:1")), format!("{}/from-etc:1", reg.addr));
    assert_eq!(pulled(pull(&[], "other:1")), format!("{}/from-b:1", reg.addr), "drop-ins in name order, last wins");
    // The single files have no drop-ins.
    assert_eq!(pulled(pull(&both[1..], "other:1")), format!("{}/from-containers:1", reg.addr));
}
