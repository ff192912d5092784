//! Volumes, bind mounts, `cp` and `diff` end to end (issue 8): a real
//! registry, busybox images pushed with skopeo, real containers. Needs root.

use crate::common::{ImageBuilder, Rcon, Registry, TarEntry, code, stderr, stdout};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// A registry with a busybox image plus `extra` layer (and `volumes`).
fn image(name: &str, extra: &[TarEntry], volumes: &[&str]) -> (Registry, String) {
    let reg = Registry::start();
    let mut b = ImageBuilder::new().busybox_layer().cmd(&["sh"]);
    if !extra.is_empty() {
        b = b.layer(extra);
    }
    for v in volumes {
        b = b.volume(v);
    }
    let (reference, _) = b.push(&reg, &format!("{name}:latest"));
    (reg, reference)
}

/// Nothing of the store stays mounted on the host.
#[track_caller]
fn assert_nothing_mounted(rcon: &Rcon) {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let root = rcon.dir().canonicalize().unwrap();
    let leaked: Vec<&str> = info.lines().filter(|l| l.contains(root.to_str().unwrap())).collect();
    assert!(leaked.is_empty(), "left mounted on the host:\n{}", leaked.join("\n"));
}

#[test]
fn bind_mounted_files_outlive_the_container_with_their_owner() {
    let (_reg, img) = image("bind", &[], &[]);
    let rcon = Rcon::new();
    let pics = rcon.dir().join("pics");
    let spec = format!("{}:/pics", pics.display());
    rcon.ok(&[
        "run",
        "-q",
        "--rm",
        "-v",
        &spec,
        &img,
        "sh",
        "-c",
        "echo hi > /pics/a && mkdir /pics/d && echo x > /pics/d/b && chown 1000:50 /pics/a /pics/d",
    ]);
    assert!(pics.is_dir(), "a missing host path is created as a directory");
    assert_eq!(std::fs::read_to_string(pics.join("a")).unwrap(), "hi\n");
    assert_eq!(std::fs::read_to_string(pics.join("d/b")).unwrap(), "x\n");
    let md = std::fs::metadata(pics.join("a")).unwrap();
    assert_eq!((md.uid(), md.gid()), (1000, 50));
    assert_eq!(std::fs::metadata(pics.join("d")).unwrap().uid(), 1000);

    // Read-only bind mounts refuse writes; reading works.
    let ro = format!("{}:/pics:ro", pics.display());
    let out = rcon.cmd(&["run", "-q", "--rm", "-v", &ro, &img, "sh", "-c", "cat /pics/a && echo no > /pics/new"]);
    assert_ne!(code(&out), 0);
    assert_eq!(stdout(&out), "hi\n");
    assert!(stderr(&out).contains("Read-only file system"), "{}", stderr(&out));
    assert!(!pics.join("new").exists());

    // --mount: readonly bind, tmpfs, and a missing bind source is an error.
    let m = format!("type=bind,source={},target=/m,readonly", pics.display());
    let out = rcon.cmd(&["run", "-q", "--rm", "--mount", &m, &img, "sh", "-c", "touch /m/z"]);
    assert_ne!(code(&out), 0);
    let out = rcon.ok(&[
        "run",
        "-q",
        "--rm",
        "--mount",
        "type=tmpfs,target=/t,tmpfs-size=1m",
        &img,
        "grep",
        " /t ",
        "/proc/mounts",
    ]);
    assert!(out.starts_with("tmpfs /t tmpfs") && out.contains("size=1024k"), "{out}");
    let out = rcon.cmd(&["run", "-q", "--rm", "--mount", "type=bind,source=/nonexistent-rcon,target=/x", &img, "true"]);
    assert_eq!(code(&out), 125, "{}", stderr(&out));

    // A relative host path is an error with a hint.
    let out = rcon.cmd(&["run", "-q", "--rm", "-v", "./pics:/pics", &img, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("absolute path"), "{}", stderr(&out));
    assert_nothing_mounted(&rcon);
}

#[test]
fn named_volume_keeps_data_and_is_prefilled_from_the_image() {
    let extra = [
        TarEntry::dir("data/").owner(1000, 1000).mode(0o750),
        TarEntry::file("data/seed", "from-image\n").owner(1000, 50).mode(0o640),
    ];
    let (_reg, img) = image("named", &extra, &[]);
    let rcon = Rcon::new();
    let out =
        rcon.ok(&["run", "-q", "--rm", "-v", "store:/data", &img, "sh", "-c", "cat /data/seed; echo more > /data/new"]);
    assert_eq!(out, "from-image\n");
    let data = rcon.root.join("volumes/store/_data");
    let md = std::fs::metadata(&data).unwrap();
    assert_eq!((md.uid(), md.gid(), md.mode() & 0o7777), (1000, 1000, 0o750), "owned as in the image");
    let md = std::fs::metadata(data.join("seed")).unwrap();
    assert_eq!((md.uid(), md.gid(), md.mode() & 0o7777), (1000, 50, 0o640));

    let out = rcon.ok(&["run", "-q", "--rm", "-v", "store:/data", &img, "cat", "/data/new", "/data/seed"]);
    assert_eq!(out, "more\nfrom-image\n", "a second container sees the data");

    // nocopy: a new volume stays empty.
    let out = rcon.ok(&["run", "-q", "--rm", "-v", "bare:/data:nocopy", &img, "ls", "-A", "/data"]);
    assert_eq!(out, "");
    let ls = rcon.ok(&["volume", "ls", "-q"]);
    assert_eq!(ls, "bare\nstore\n");
    assert_nothing_mounted(&rcon);
}

#[test]
fn image_volume_is_anonymous_and_removed_by_rm_v() {
    let extra = [TarEntry::dir("cache/"), TarEntry::file("cache/f", "c\n")];
    let (_reg, img) = image("anon", &extra, &["/cache"]);
    let rcon = Rcon::new();
    // `--rm` takes the container's anonymous volumes along, foreground or detached.
    rcon.ok(&["run", "-q", "--rm", &img, "true"]);
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]), "");
    rcon.ok(&["run", "-q", "--name", "c1", &img, "cat", "/cache/f"]);
    let mounts: serde_json::Value =
        serde_json::from_str(&rcon.ok(&["inspect", "--format", "{{json .Mounts}}", "c1"])).unwrap();
    let m = &mounts[0];
    assert_eq!(m["Type"], "volume");
    assert_eq!(m["Destination"], "/cache");
    assert_eq!(m["Driver"], "local");
    assert_eq!(m["RW"], true);
    let name = m["Name"].as_str().unwrap().to_string();
    assert_eq!(name.len(), 64);
    assert_eq!(m["Source"].as_str().unwrap(), rcon.root.join("volumes").join(&name).join("_data").to_str().unwrap());
    assert_eq!(std::fs::read_to_string(rcon.root.join("volumes").join(&name).join("_data/f")).unwrap(), "c\n");
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]).trim(), name);
    rcon.ok(&["rm", "-v", "c1"]);
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]), "", "rm -v removes the anonymous volume");

    // Without -v it stays, until `volume prune`; `-v /path` is anonymous too.
    rcon.ok(&["run", "-q", "--name", "c2", "-v", "/more", &img, "true"]);
    rcon.ok(&["rm", "c2"]);
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]).lines().count(), 2);
    let out = rcon.ok(&["volume", "prune", "-f"]);
    assert!(out.starts_with("Deleted Volumes:") && out.contains("Total reclaimed space"), "{out}");
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]), "");
}

#[test]
fn volume_commands() {
    let (_reg, img) = image("cmds", &[], &[]);
    let rcon = Rcon::new();
    assert_eq!(rcon.ok(&["volume", "create", "--label", "team=a", "v1"]), "v1\n");
    assert_eq!(rcon.ok(&["volume", "create", "v2"]), "v2\n");
    let ls = rcon.ok(&["volume", "ls"]);
    let lines: Vec<&str> = ls.lines().collect();
    assert!(lines[0].starts_with("DRIVER") && lines[0].contains("VOLUME NAME"), "{ls}");
    assert!(lines[1].starts_with("local") && lines[1].ends_with("v1"), "{ls}");
    assert_eq!(rcon.ok(&["volume", "ls", "-q", "--filter", "label=team=a"]), "v1\n");
    assert_eq!(rcon.ok(&["volume", "ls", "--format", "{{.Name}} {{.Driver}}", "--filter", "name=v2"]), "v2 local\n");
    let doc: serde_json::Value = serde_json::from_str(&rcon.ok(&["volume", "inspect", "v1"])).unwrap();
    assert_eq!(doc[0]["Name"], "v1");
    assert_eq!(doc[0]["Labels"]["team"], "a");
    assert_eq!(doc[0]["Mountpoint"].as_str().unwrap(), rcon.root.join("volumes/v1/_data").to_str().unwrap());

    rcon.ok(&["run", "-q", "-d", "--name", "user", "-v", "v1:/v", &img, "sleep", "1000"]);
    assert_eq!(rcon.ok(&["volume", "ls", "-q", "--filter", "dangling=true"]), "v2\n");
    let out = rcon.cmd(&["volume", "rm", "v1"]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("in use"), "{}", stderr(&out));
    // prune removes every unused volume, named ones too, as docker 20.10
    // (`--all`, docker 23+'s flag for that, is accepted); those in use stay.
    let out = rcon.ok(&["volume", "prune", "-f"]);
    assert!(out.contains("v2") && !out.contains("v1"), "{out}");
    assert_eq!(rcon.ok(&["volume", "prune", "-f", "--all"]), "Total reclaimed space: 0B\n");
    rcon.ok(&["rm", "-f", "user"]);
    assert_eq!(rcon.ok(&["volume", "rm", "v1"]), "v1\n");
    assert_ne!(code(&rcon.cmd(&["volume", "rm", "nosuch"])), 0);
    rcon.ok(&["volume", "rm", "-f", "nosuch"]);
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]), "");
}

#[test]
fn volumes_from_another_container() {
    let (_reg, img) = image("from", &[], &[]);
    let rcon = Rcon::new();
    let host = rcon.dir().join("h");
    let bind = format!("{}:/h", host.display());
    rcon.ok(&[
        "run",
        "-q",
        "--name",
        "src",
        "-v",
        "shared:/data",
        "-v",
        &bind,
        &img,
        "sh",
        "-c",
        "echo 1 > /data/x; echo 2 > /h/y",
    ]);
    let out = rcon.ok(&["run", "-q", "--rm", "--volumes-from", "src", &img, "cat", "/data/x", "/h/y"]);
    assert_eq!(out, "1\n2\n");
    let out = rcon.cmd(&["run", "-q", "--rm", "--volumes-from", "src:ro", &img, "sh", "-c", "echo 3 > /data/x"]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("Read-only"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(rcon.root.join("volumes/shared/_data/x")).unwrap(), "1\n");
}

fn tar_names(data: &[u8]) -> Vec<String> {
    let mut ar = tar::Archive::new(data);
    ar.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect()
}

#[test]
fn cp_both_ways_stays_inside_the_container() {
    let extra = [TarEntry::symlink("evil", "/"), TarEntry::file("etc/inimage", "img\n")];
    let (_reg, img) = image("cp", &extra, &[]);
    let rcon = Rcon::new();
    let dir = rcon.dir().join("work");
    std::fs::create_dir(&dir).unwrap();
    let probe = format!("rcon-cp-probe-{}", std::process::id());
    std::fs::write(dir.join(&probe), "payload\n").unwrap();
    let local = |p: &str| dir.join(p).display().to_string();
    rcon.ok(&["run", "-q", "-d", "--name", "up", &img, "sleep", "1000"]);
    rcon.ok(&["run", "-q", "--name", "down", &img, "sh", "-c", "echo made > /made"]);

    for c in ["up", "down"] {
        // In, through a symlink to `/`: lands in the container's /etc.
        rcon.ok(&["cp", &local(&probe), &format!("{c}:/evil/etc/{probe}")]);
        assert!(!Path::new("/etc").join(&probe).exists(), "cp wrote to the host's /etc");
        // Out, through the same symlink: the container's passwd.
        let out = dir.join(format!("{c}-passwd"));
        rcon.ok(&["cp", &format!("{c}:/evil/etc/passwd"), out.to_str().unwrap()]);
        assert!(std::fs::read_to_string(&out).unwrap().contains("app:x:1000:1000:app:/home/app"));
        // The probe round-trips, owned by root inside.
        let back = dir.join(format!("{c}-back"));
        rcon.ok(&["cp", &format!("{c}:/etc/{probe}"), back.to_str().unwrap()]);
        assert_eq!(std::fs::read_to_string(&back).unwrap(), "payload\n");
        // Directories: into an existing one, and `/.` for the content only.
        let d = dir.join(format!("{c}-dir"));
        std::fs::create_dir(&d).unwrap();
        rcon.ok(&["cp", &format!("{c}:/etc"), &format!("{}/", d.display())]);
        assert!(d.join("etc/inimage").is_file());
        let d2 = dir.join(format!("{c}-content"));
        rcon.ok(&["cp", &format!("{c}:/etc/."), d2.to_str().unwrap()]);
        assert_eq!(std::fs::read_to_string(d2.join("inimage")).unwrap(), "img\n");
        // A directory to a new name; a symlink is copied as a link.
        let d3 = dir.join(format!("{c}-newetc"));
        rcon.ok(&["cp", &format!("{c}:/etc"), d3.to_str().unwrap()]);
        assert!(d3.join("inimage").is_file());
        let l = dir.join(format!("{c}-link"));
        rcon.ok(&["cp", &format!("{c}:/evil"), l.to_str().unwrap()]);
        assert_eq!(std::fs::read_link(&l).unwrap(), Path::new("/"));
        let out = rcon.cmd(&["cp", &local(&probe), &format!("{c}:/no/such/dir/x")]);
        assert_ne!(code(&out), 0);
        assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
        // A file to a missing `DIR/` is an error; a missing source too.
        assert_ne!(code(&rcon.cmd(&["cp", &format!("{c}:/etc/inimage"), &format!("{}/nodir/", d.display())])), 0);
        assert_ne!(code(&rcon.cmd(&["cp", &format!("{c}:/nosuch"), d.to_str().unwrap()])), 0);
        // Tar streams: out to stdout, in from stdin.
        let out = rcon.command(&["cp", &format!("{c}:/etc/inimage"), "-"]).output().unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(tar_names(&out.stdout), ["inimage"]);
        let tar = crate::common::tar_bytes(&[TarEntry::dir("in/"), TarEntry::file("in/t.txt", "tar\n")]);
        let mut child = rcon
            .command(&["cp", "-", &format!("{c}:/evil/tmp")])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), &tar).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    assert_eq!(rcon.ok(&["exec", "up", "cat", &format!("/etc/{probe}"), "/tmp/in/t.txt"]), "payload\ntar\n");
    assert_eq!(rcon.ok(&["exec", "up", "stat", "-c", "%u:%g", &format!("/etc/{probe}")]), "0:0\n");
    let made = dir.join("made");
    rcon.ok(&["cp", "down:/made", made.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&made).unwrap(), "made\n");
    let out = rcon.ok(&["start", "-a", "down"]);
    let _ = out;
    let diff = rcon.ok(&["diff", "down"]);
    assert!(diff.contains(&format!("A /etc/{probe}")) && diff.contains("A /tmp/in/t.txt"), "{diff}");
    assert_nothing_mounted(&rcon);
}

#[test]
fn diff_lists_added_changed_and_deleted_paths() {
    let extra = [
        TarEntry::dir("etc/"),
        TarEntry::file("etc/inimage", "img\n"),
        TarEntry::dir("gone/"),
        TarEntry::file("gone/f", ""),
    ];
    let (_reg, img) = image("diff", &extra, &[]);
    let rcon = Rcon::new();
    rcon.ok(&[
        "run",
        "-q",
        "--name",
        "dd",
        "-v",
        "vol:/data",
        &img,
        "sh",
        "-c",
        "echo > /new; rm /etc/inimage; echo >> /etc/passwd; rm -r /gone",
    ]);
    let out = rcon.ok(&["diff", "dd"]);
    let lines: Vec<&str> = out.lines().collect();
    for want in ["C /etc", "D /etc/inimage", "C /etc/passwd", "A /new", "D /gone"] {
        assert!(lines.contains(&want), "no {want:?} in:\n{out}");
    }
    assert!(!out.contains("/gone/f"), "{out}");
    // Mount points the runtime made are not changes (docker's init layer).
    assert!(!out.contains("/etc/hostname") && !out.contains("/data"), "{out}");
}
