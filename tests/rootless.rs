//! User namespaces (issue 14): for root, `run --userns=auto` takes a free
//! range from the `containers` entries of /etc/subuid and /etc/subgid, the
//! image's layers show their owners inside through idmapped mounts, and
//! what the container writes belongs to the mapped host ids.
//!
//! The tests add their own lines to /etc/subuid and /etc/subgid and remove
//! exactly those lines afterwards, also when they fail ([`SubidLines`]).
//! Needs root, `docker-registry`, `skopeo`, `busybox-static` and a kernel
//! with idmapped mounts and overlayfs layers given as fds (Linux 6.13).

use crate::common::{ImageBuilder, Rcon, Registry, code, stderr, stdout};
use std::os::unix::fs::MetadataExt;
use std::sync::Mutex;

/// Serializes the edits of /etc/subuid and /etc/subgid within this test
/// binary.
static SUBID_FILES: Mutex<()> = Mutex::new(());

/// Lines added to /etc/subuid and /etc/subgid, removed on drop (the rest of
/// the files as they are then, so other edits survive).
struct SubidLines {
    line: String,
}

impl SubidLines {
    fn add(line: &str) -> SubidLines {
        let _g = SUBID_FILES.lock().unwrap_or_else(|e| e.into_inner());
        for f in ["/etc/subuid", "/etc/subgid"] {
            let mut text = std::fs::read_to_string(f).unwrap_or_default();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(line);
            text.push('\n');
            std::fs::write(f, text).unwrap_or_else(|e| panic!("cannot write {f}: {e}"));
        }
        SubidLines { line: line.to_string() }
    }
}

impl Drop for SubidLines {
    fn drop(&mut self) {
        let _g = SUBID_FILES.lock().unwrap_or_else(|e| e.into_inner());
        for f in ["/etc/subuid", "/etc/subgid"] {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let mut removed = false;
            let kept: String = text
                .lines()
                .filter(|l| {
                    let drop = !removed && *l == self.line;
                    removed |= drop;
                    !drop
                })
                .map(|l| format!("{l}\n"))
                .collect();
            let _ = std::fs::write(f, kept);
        }
    }
}

/// The `containers` ranges of /etc/subuid now: (start, count).
fn containers_ranges() -> Vec<(u64, u64)> {
    std::fs::read_to_string("/etc/subuid")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() != 3 || f[0] != "containers" {
                return None;
            }
            Some((f[1].parse().ok()?, f[2].parse().ok()?))
        })
        .collect()
}

/// The three numbers of a one-line uid_map text.
fn map_line(text: &str) -> (u64, u64, u64) {
    let w: Vec<u64> = text.split_whitespace().map(|w| w.parse().unwrap()).collect();
    assert_eq!(w.len(), 3, "one mapping expected: {text:?}");
    (w[0], w[1], w[2])
}

#[test]
fn root_userns_auto_maps_a_free_range_and_layers_keep_their_owners() {
    let _subid = SubidLines::add("containers:400000000:1000000");
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "userns:latest");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &image]);
    let data = rcon.dir().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let vol = format!("{}:/data", data.display());

    // Foreground, --rm: a mapped range, root inside, the layers' owners as
    // in the image (root's files are root's, app's home is 1000's).
    let script = "cat /proc/self/uid_map; id -u; ls -lnd /bin/busybox /home/app; touch /data/from-run /made-here";
    let out = rcon.cmd(&["run", "--rm", "--userns=auto", "-v", &vol, &image, "sh", "-c", script]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    let (inside, host, size) = map_line(lines.next().unwrap());
    assert_eq!(inside, 0);
    assert!(size >= 1024, "{size}");
    assert!(
        containers_ranges().iter().any(|(s, n)| host >= *s && host + size <= s + n),
        "{host}+{size} is not inside a `containers` range of /etc/subuid"
    );
    assert_eq!(lines.next(), Some("0"), "{text}");
    let busybox = lines.next().unwrap();
    assert!(busybox.split_whitespace().nth(2) == Some("0") && busybox.split_whitespace().nth(3) == Some("0"), "{text}");
    let home = lines.next().unwrap();
    assert!(home.split_whitespace().nth(2) == Some("1000"), "{text}");
    // Written inside, owned by the mapped root on the host.
    let md = std::fs::metadata(data.join("from-run")).unwrap();
    assert_eq!((md.uid() as u64, md.gid() as u64), (host, host));

    // Detached: another range, which exec sees too; the container's writable
    // layer holds what it wrote with the mapped ids.
    let id1 = stdout(&rcon.cmd(&["run", "-d", "--userns=auto", &image, "sh", "-c", "touch /new; sleep 1000"]));
    let id1 = id1.trim().to_string();
    let id2 = rcon.ok(&["run", "-d", "--userns=auto", &image, "sleep", "1000"]).trim().to_string();
    assert_eq!(id1.len(), 64, "run -d failed: {id1}");
    let m1 = map_line(&rcon.ok(&["exec", &id1, "cat", "/proc/self/uid_map"]));
    let m2 = map_line(&rcon.ok(&["exec", &id2, "cat", "/proc/self/uid_map"]));
    assert!(m1.1 + m1.2 <= m2.1 || m2.1 + m2.2 <= m1.1, "overlapping ranges {m1:?} {m2:?}");
    assert_eq!(rcon.ok(&["exec", &id1, "id", "-u"]), "0\n");
    let upper_new = rcon.root.join("containers").join(&id1).join("upper").join("new");
    let t = std::time::Instant::now();
    while !upper_new.exists() {
        assert!(t.elapsed() < std::time::Duration::from_secs(30), "{} never appeared", upper_new.display());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(std::fs::metadata(&upper_new).unwrap().uid() as u64, m1.1);
    rcon.ok(&["rm", "-f", &id1, &id2]);

    // Explicit mappings, and refusals that say what to do.
    let out = rcon.cmd(&[
        "run",
        "--rm",
        "--uidmap",
        "0:410000000:70000",
        &image,
        "cat",
        "/proc/self/uid_map",
        "/proc/self/gid_map",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let words: Vec<String> = stdout(&out).split_whitespace().map(String::from).collect();
    assert_eq!(words, ["0", "410000000", "70000", "0", "410000000", "70000"]);
    let out = rcon.cmd(&["run", "--rm", "--userns=keep-id", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("rootless"), "{}", stderr(&out));
    let out = rcon.cmd(&["run", "--rm", "--subuidname", "rcon-test-nosuchuser", &image, "true"]);
    assert_eq!(code(&out), 125);
    assert!(stderr(&out).contains("/etc/subuid"), "{}", stderr(&out));
}
