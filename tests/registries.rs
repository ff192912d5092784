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
    assert_eq!(code(&out), 125, "{}", stderr(&out));
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
    assert_eq!(code(&out), 125, "{}", stderr(&out));
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
    assert_eq!(code(&out), 125);
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
    assert_eq!(code(&out), 125, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("blocked") && err.contains(&reg.addr), "{err}");
    assert!(tags(&rcon).is_empty());
    // `insecure = true` on a loopback registry changes nothing (plain HTTP already).
    let conf = format!("[[registry]]\nlocation = \"{}\"\ninsecure = true\n", reg.addr);
    ok(&with_conf(&rcon, &conf, &["pull", &reference]));
    assert_eq!(tags(&rcon), [reference]);
}
