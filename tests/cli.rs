//! Tests of the harness itself (registry, image builder, tar writer) and of
//! rcon's command line surface (help, version, bad flags).

use crate::common::{ImageBuilder, Rcon, Registry, TarEntry, busybox_entries, code, stderr, tar_bytes};
use std::process::{Command, Stdio};

/// The harness's registry starts, the busybox image is pushed with skopeo,
/// and skopeo sees it with the digest `push` returned.
#[test]
fn harness_registry_push_and_inspect() {
    let reg = Registry::start();
    let (reference, digest) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "busybox:latest");
    assert_eq!(reference, format!("{}/busybox:latest", reg.addr));
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "bad digest {digest}");
    let out = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--raw"])
        .arg(format!("docker://{reference}"))
        .stdin(Stdio::null())
        .output()
        .expect("run skopeo");
    assert!(out.status.success(), "skopeo inspect failed: {}", stderr(&out));
    let raw = out.stdout;
    assert_eq!(crate::common::sha256_digest(&raw), digest);
    let manifest: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    assert!(reg.blob_data_path(layer).is_file(), "blob data file of {layer} not in the registry storage");
}

/// An image index with two platforms and a Docker-format image push too.
#[test]
fn harness_push_index_and_docker_format() {
    let reg = Registry::start();
    let (reference, digest) = ImageBuilder::new().busybox_layer().push_index(&reg, "multi:1", &["arm64", "amd64"]);
    let out = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--raw"])
        .arg(format!("docker://{reference}"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "skopeo inspect failed: {}", stderr(&out));
    assert_eq!(crate::common::sha256_digest(&out.stdout), digest);
    let index: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(index["manifests"].as_array().unwrap().len(), 2);

    let (reference, _) = ImageBuilder::new().busybox_layer().docker_format().push(&reg, "dockerfmt:1");
    let out = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--raw"])
        .arg(format!("docker://{reference}"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
}

/// The hand-written tar is read back by the `tar` crate entry for entry,
/// including verbatim malicious names, long names and xattrs.
#[test]
fn harness_tar_writer_round_trip() {
    let long = format!("d/{}", "x".repeat(150));
    let entries = vec![
        TarEntry::dir("d/"),
        TarEntry::file("d/f", "hello").mode(0o600).owner(1000, 50),
        TarEntry::symlink("d/s", "/"),
        TarEntry::hardlink("d/h", "../../x"),
        TarEntry::file("../x", "escape"),
        TarEntry::file("/abs", "abs"),
        TarEntry::char_dev("d/null", 1, 3),
        TarEntry::file(&long, "long").xattr("user.note", "v"),
        TarEntry::whiteout("d/gone"),
        TarEntry::opaque("d/"),
    ];
    let bytes = tar_bytes(&entries);
    let mut ar = tar::Archive::new(&bytes[..]);
    let mut seen = Vec::new();
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let path = String::from_utf8(e.path_bytes().into_owned()).unwrap();
        let link = e.link_name_bytes().map(|l| String::from_utf8(l.into_owned()).unwrap());
        let h = e.header();
        seen.push((path.clone(), h.entry_type().as_byte(), link, h.mode().unwrap(), h.uid().unwrap()));
        if path == long {
            let x: Vec<_> =
                e.pax_extensions().unwrap().unwrap().map(|x| x.unwrap().key().unwrap().to_string()).collect();
            assert!(x.contains(&"SCHILY.xattr.user.note".to_string()), "{x:?}");
        }
    }
    let names: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names,
        ["d/", "d/f", "d/s", "d/h", "../x", "/abs", "d/null", long.as_str(), "d/.wh.gone", "d/.wh..wh..opq"]
    );
    assert_eq!(seen[1].3, 0o600);
    assert_eq!(seen[1].4, 1000);
    assert_eq!(seen[2].2.as_deref(), Some("/"));
    assert_eq!(seen[3].1, b'1');
    assert_eq!(seen[6].1, b'3');

    let bb = tar_bytes(&busybox_entries());
    let mut ar = tar::Archive::new(&bb[..]);
    let names: Vec<String> =
        ar.entries().unwrap().map(|e| String::from_utf8(e.unwrap().path_bytes().into_owned()).unwrap()).collect();
    for needed in ["bin/busybox", "bin/sh", "bin/id", "bin/env", "etc/passwd", "etc/group", "tmp/", "home/app/"] {
        assert!(names.iter().any(|n| n == needed), "busybox layer lacks {needed}");
    }
}

/// `--help` and `--version` succeed; an unknown flag is exit 125 and an
/// unknown command exit 1, as docker.
#[test]
fn cli_help_version_bad_flag() {
    let rcon = Rcon::new();
    assert!(rcon.ok(&["--help"]).contains("Usage"));
    assert!(rcon.ok(&["--version"]).starts_with("rcon "));
    let out = rcon.cmd(&["--no-such-flag"]);
    assert_eq!(code(&out), 125, "stderr: {}", stderr(&out));
    // An unknown command is exit 1, as docker's.
    let out = rcon.cmd(&["nosuchcommand"]);
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    assert_eq!(stderr(&out), "rcon: 'nosuchcommand' is not a rcon command.\nSee 'rcon --help'\n");
}

/// clap's own consistency checks on the whole command tree (duplicate short
/// flags, conflicting names, …), which otherwise only fire when a bad path
/// is parsed at run time.
#[test]
fn cli_definition_is_consistent() {
    rcon::cli::command().debug_assert();
}
