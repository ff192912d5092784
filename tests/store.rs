//! The store database: the migration of a store in the JSON layout of
//! earlier rcon, damaged records that affect only their own container, and
//! `system check`.

use crate::common::{ImageBuilder, Rcon, Registry, code, stderr, stdout};

fn busybox() -> (Registry, String) {
    let reg = Registry::start();
    let (reference, _digest) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "bb:latest");
    (reg, reference)
}

fn id_of(rcon: &Rcon, name: &str) -> String {
    rcon.ok(&["inspect", "--format", "{{.Id}}", name]).trim().to_string()
}

fn alive(pid: i64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

/// Turns the store back into the JSON layout of rcon before the database:
/// each container's state as `containers/<id>/state.json`, the image index
/// as `images.json`, no `rcon.db`.
fn to_json_layout(rcon: &Rcon) {
    write_images_json(rcon);
    let db = rusqlite::Connection::open(rcon.root.join("rcon.db")).unwrap();
    let mut stmt = db.prepare("SELECT id, state FROM containers").unwrap();
    let rows: Vec<(String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap();
    drop(stmt);
    drop(db);
    for (id, state) in rows {
        std::fs::write(rcon.root.join("containers").join(id).join("state.json"), state).unwrap();
    }
    for f in ["rcon.db", "rcon.db-wal", "rcon.db-shm"] {
        let _ = std::fs::remove_file(rcon.root.join(f));
    }
}

/// Writes the image index of the database as `images.json`, the file of
/// rcon before schema version 3.
fn write_images_json(rcon: &Rcon) {
    let index = serde_json::json!({ "images": crate::common::image_records(rcon) });
    std::fs::write(rcon.root.join("images.json"), serde_json::to_vec_pretty(&index).unwrap()).unwrap();
}

/// Takes the store's database back to schema version 2 (containers and
/// pods) with the image index in `images.json`: the layout of rcon before
/// images moved into the database.
fn to_schema_v2(rcon: &Rcon) {
    write_images_json(rcon);
    let db = rusqlite::Connection::open(rcon.root.join("rcon.db")).unwrap();
    db.execute_batch(
        "DROP TABLE images; DROP TABLE image_names; DROP INDEX containers_status;
         DROP TABLE volumes; DROP TABLE networks; PRAGMA user_version = 2;",
    )
    .unwrap();
}

fn schema_version(rcon: &Rcon) -> i64 {
    let db = rusqlite::Connection::open(rcon.root.join("rcon.db")).unwrap();
    db.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap()
}

fn ps_line(rcon: &Rcon, name: &str) -> String {
    let out = rcon.ok(&["ps", "-a"]);
    out.lines().find(|l| l.ends_with(name)).unwrap_or_else(|| panic!("{name} not listed:\n{out}")).to_string()
}

#[test]
fn json_layout_store_is_migrated_on_first_open() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    let out = rcon.cmd(&["run", "--name", "done", &image, "sh", "-c", "exit 3"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    rcon.ok(&["create", "--name", "fresh", "--label", "tier=web", &image, "true"]);
    rcon.ok(&["create", "--name", "damaged", &image, "true"]);
    rcon.ok(&["create", "--name", "stateless", &image, "true"]);
    let sleeper = rcon.ok(&["run", "-d", "--name", "sleeper", &image, "sleep", "1000"]).trim().to_string();
    let pid = rcon.container_state(&sleeper)["pid"].as_i64().expect("a running container's pid");
    let damaged = id_of(&rcon, "damaged");
    let stateless = id_of(&rcon, "stateless");
    to_json_layout(&rcon);
    let containers = rcon.root.join("containers");
    std::fs::write(containers.join(&damaged).join("config.json"), b"{\"id\": tru").unwrap();
    std::fs::remove_file(containers.join(&stateless).join("state.json")).unwrap();
    // The running container's state is lost too: `rm -f` must still stop it.
    std::fs::remove_file(containers.join(&sleeper).join("state.json")).unwrap();
    // A half-made container of the old layout (no config.json) stays invisible.
    std::fs::create_dir_all(containers.join("ab".repeat(32)).join("upper")).unwrap();

    // The first command migrates; every container is listed.
    let all = rcon.ok(&["ps", "-a"]);
    assert_eq!(all.lines().count(), 6, "{all}");
    assert!(ps_line(&rcon, "done").contains("Exited (3)"));
    assert!(ps_line(&rcon, "fresh").contains("Created"));
    assert!(ps_line(&rcon, &format!("broken_{}", &damaged[..12])).contains("Dead (damaged record)"));
    assert!(ps_line(&rcon, "stateless").contains("Dead (damaged record)"));
    assert!(rcon.ok(&["ps", "-a", "--no-trunc"]).contains("config.json"), "the marker names the file");
    assert!(!containers.join(id_of(&rcon, "done")).join("state.json").exists(), "state moved into the database");
    let db = rusqlite::Connection::open(rcon.root.join("rcon.db")).unwrap();
    let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert!(version >= 1);
    let mode: String = db.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");

    // Names stay claimed, labels and filters work on the migrated rows.
    let out = rcon.cmd(&["create", "--name", "fresh", &image, "true"]);
    assert_eq!(code(&out), 125, "{}", stderr(&out));
    assert!(stderr(&out).contains("is already in use"), "{}", stderr(&out));
    assert_eq!(rcon.ok(&["ps", "-aq", "--filter", "label=tier=web"]).trim(), &id_of(&rcon, "fresh")[..12]);
    assert_eq!(rcon.ok(&["ps", "-aq", "--filter", "name=fres"]).trim(), &id_of(&rcon, "fresh")[..12]);

    // A migrated container runs.
    assert_eq!(code(&rcon.cmd(&["start", "-a", "fresh"])), 0);
    assert!(ps_line(&rcon, "fresh").contains("Exited (0)"));

    // Damaged ones: a clear error naming the file, and `rm -f` removes them.
    let out = rcon.cmd(&["inspect", &damaged]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("config.json"), "{}", stderr(&out));
    let out = rcon.cmd(&["rm", "stateless"]);
    assert_ne!(code(&out), 0, "a damaged record needs -f");
    assert!(stderr(&out).contains("rm -f"), "{}", stderr(&out));
    rcon.ok(&["rm", "-f", &damaged, "stateless", "sleeper"]);
    assert!(!alive(pid), "rm -f of a container with a lost state stopped its process");
    assert!(!containers.join(&damaged).exists() && !containers.join(&sleeper).exists());
    let left = rcon.ok(&["ps", "-a", "--format", "{{.Names}}"]);
    assert_eq!(left.lines().collect::<Vec<_>>(), ["fresh", "done"], "{left}");
}

#[test]
fn damaged_container_files_affect_only_that_container() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["create", "--name", "good", &image, "true"]);
    rcon.ok(&["create", "--name", "bad", &image, "true"]);
    rcon.ok(&["create", "--name", "gone", &image, "true"]);
    let (bad, gone) = (id_of(&rcon, "bad"), id_of(&rcon, "gone"));
    std::fs::write(rcon.root.join("containers").join(&bad).join("config.json"), b"\0\0garbage").unwrap();
    std::fs::remove_dir_all(rcon.root.join("containers").join(&gone)).unwrap();

    assert_eq!(rcon.ok(&["ps", "-aq"]).lines().count(), 3);
    let out = rcon.cmd(&["start", "bad"]);
    assert_eq!(code(&out), 1, "as docker's start of a container it cannot start");
    assert!(stderr(&out).contains(&format!("{bad}/config.json")), "{}", stderr(&out));
    let out = rcon.cmd(&["inspect", "gone"]);
    assert!(stderr(&out).contains("rm -f"), "{}", stderr(&out));
    assert_eq!(code(&rcon.cmd(&["start", "-a", "good"])), 0);
    let out = rcon.ok(&["container", "prune", "-f"]);
    assert_eq!(out.lines().filter(|l| l.len() == 64).count(), 3, "{out}");
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
}

#[test]
fn system_check_finds_and_repairs_leftovers() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["create", "--name", "good", &image, "true"]);
    rcon.ok(&["create", "--name", "dirless", &image, "true"]);
    assert_eq!(rcon.ok(&["system", "check"]).trim(), "No problems found");
    let dirless = id_of(&rcon, "dirless");
    std::fs::remove_dir_all(rcon.root.join("containers").join(&dirless)).unwrap();
    // What a killed create or rm leaves: a directory and a lock file without a container.
    let orphan = "ab".repeat(32);
    std::fs::create_dir_all(rcon.root.join("containers").join(&orphan).join("upper")).unwrap();
    std::fs::write(rcon.runroot.join(format!("{}.lock", "cd".repeat(32))), b"").unwrap();

    let out = rcon.cmd(&["system", "check"]);
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(code(&out), 1, "{report}");
    assert!(report.contains(&format!("container {} (dirless)", &dirless[..12])), "{report}");
    assert!(report.contains("1 problems found; `rcon system check --repair`"), "{report}");
    // The leftovers of killed commands are gone already: every command
    // sweeps them (their creators are dead) before it runs.
    assert!(!rcon.root.join("containers").join(&orphan).exists());
    assert!(!rcon.runroot.join(format!("{}.lock", "cd".repeat(32))).exists());

    let out = rcon.cmd(&["system", "check", "--repair"]);
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(code(&out), 0, "{report}");
    assert_eq!(report.matches("(repaired)").count(), 1, "{report}");
    assert_eq!(rcon.ok(&["system", "check"]).trim(), "No problems found");
    assert!(!rcon.root.join("containers").join(&orphan).exists());
    assert_eq!(rcon.ok(&["ps", "-a", "--format", "{{.Names}}"]).trim(), "good");

    // A lost layer is reported (not repairable here: pull again).
    let layers = rcon.root.join("layers");
    let layer = std::fs::read_dir(&layers).unwrap().flatten().find(|e| e.path().is_dir()).unwrap().path();
    std::fs::remove_dir_all(&layer).unwrap();
    let out = rcon.cmd(&["system", "check", "--repair"]);
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(code(&out), 1, "{report}");
    assert!(report.contains("missing layer") && report.contains("pull or build it again"), "{report}");
}

/// The image index of rcon before schema version 3 (`images.json`) moves
/// into the database on the first open; a damaged index blocks nothing and
/// is reported; a damaged image row affects only that image, names it, and
/// `system check --repair` removes it.
#[test]
fn image_index_moves_into_the_database_and_damage_stays_local() {
    let reg = Registry::start();
    let (bb, _) = ImageBuilder::new().busybox_layer().cmd(&["sh"]).push(&reg, "bb:latest");
    let (other, _) = ImageBuilder::new().busybox_layer().cmd(&["true"]).push(&reg, "other:1");
    let rcon = Rcon::new();
    rcon.ok(&["pull", "-q", &bb]);
    rcon.ok(&["pull", "-q", &other]);
    rcon.ok(&["tag", &bb, "mine:v1"]);
    rcon.ok(&["create", "--name", "cc", "mine:v1", "true"]);
    let listed = |rcon: &Rcon| rcon.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    let before = listed(&rcon);
    assert_eq!(before.lines().count(), 3, "{before}");

    // The JSON index of the old layout is imported, in its order, and removed.
    to_schema_v2(&rcon);
    assert!(rcon.root.join("images.json").exists());
    assert_eq!(listed(&rcon), before);
    assert!(schema_version(&rcon) >= 3);
    assert!(!rcon.root.join("images.json").exists(), "the index now lives in the database");
    assert_eq!(code(&rcon.cmd(&["run", "--rm", "mine:v1", "true"])), 0);
    // Tags still move between images in the database.
    rcon.ok(&["tag", &other, "mine:v1"]);
    let id = |r: &str| rcon.ok(&["image", "inspect", "--format", "{{.Id}}", r]).trim().to_string();
    assert_eq!(id("mine:v1"), id(&other));
    rcon.ok(&["tag", &bb, "mine:v1"]);

    // A damaged image row: the other images work, the damaged one is named.
    let bad = id(&other);
    let db = rusqlite::Connection::open(rcon.root.join("rcon.db")).unwrap();
    db.execute("UPDATE images SET record = '{\"id\": tru' WHERE id = ?1", [&bad]).unwrap();
    drop(db);
    let out = rcon.cmd(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
    assert!(stderr(&out).contains(&bad), "the warning names the image: {}", stderr(&out));
    let out = rcon.cmd(&["run", "--rm", &other, "true"]);
    assert_eq!(code(&out), 125, "{}", stderr(&out));
    assert!(stderr(&out).contains(&bad) && stderr(&out).contains("system check --repair"), "{}", stderr(&out));
    assert_eq!(code(&rcon.cmd(&["run", "--rm", "mine:v1", "true"])), 0);
    let out = rcon.cmd(&["system", "check"]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains(&format!("image {bad}")), "{}", stdout(&out));
    let out = rcon.cmd(&["system", "check", "--repair"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(rcon.ok(&["system", "check"]).trim(), "No problems found");
    rcon.ok(&["pull", "-q", &other]);
    assert_eq!(code(&rcon.cmd(&["run", "--rm", &other, "true"])), 0);

    // An index the migration cannot parse blocks no command.
    to_schema_v2(&rcon);
    std::fs::write(rcon.root.join("images.json"), b"{\"images\": [tru").unwrap();
    let out = rcon.cmd(&["ps", "-a", "--format", "{{.Names}}"]);
    assert_eq!((code(&out), stdout(&out).trim()), (0, "cc"), "{}", stderr(&out));
    assert!(stderr(&out).contains("images.json.damaged"), "{}", stderr(&out));
    assert_eq!(listed(&rcon), "");
    let out = rcon.cmd(&["system", "check"]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("images.json.damaged") && stdout(&out).contains("pull or build them again"));
    assert_eq!(code(&rcon.cmd(&["system", "check", "--repair"])), 0);
    assert!(!rcon.root.join("images.json.damaged").exists());
    rcon.ok(&["pull", "-q", &bb]);
    assert_eq!(code(&rcon.cmd(&["start", "-a", "cc"])), 0, "the container kept its layers");
}

/// Takes the store's database back to schema version 3, with volumes and
/// networks as the JSON files of rcon before version 4
/// (`volumes/<name>/volume.json`, `networks/<name>.json`).
fn to_schema_v3(rcon: &Rcon) {
    let db = rusqlite::Connection::open(rcon.root.join("rcon.db")).unwrap();
    for (sql, dir) in
        [("SELECT name, record FROM volumes", "volumes"), ("SELECT name, record FROM networks", "networks")]
    {
        let mut stmt = db.prepare(sql).unwrap();
        let rows: Vec<(String, String)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap();
        for (name, record) in rows {
            let file = match dir {
                "volumes" => rcon.root.join("volumes").join(&name).join("volume.json"),
                _ => rcon.root.join("networks").join(format!("{name}.json")),
            };
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, record).unwrap();
        }
    }
    db.execute_batch("DROP TABLE volumes; DROP TABLE networks; PRAGMA user_version = 3;").unwrap();
}

/// Volumes' and networks' records of the JSON layout (schema version 3 and
/// before) move into the database on the first open; listing and filters
/// read rows; a damaged record affects only itself, is named by `system
/// check`, and `--repair` fixes what it can.
#[test]
fn volume_and_network_records_move_into_the_database() {
    let (_reg, image) = busybox();
    let rcon = Rcon::new();
    rcon.ok(&["volume", "create", "--label", "tier=db", "data"]);
    rcon.ok(&["volume", "create", "free"]);
    rcon.ok(&["volume", "create", "spare"]);
    rcon.ok(&["create", "--name", "user", "-v", "data:/d", "-v", "/anon", &image, "true"]);
    let anon = rcon.ok(&[
        "inspect",
        "--format",
        "{{range .Mounts}}{{if eq .Destination \"/anon\"}}{{.Name}}{{end}}{{end}}",
        "user",
    ]);
    let anon = anon.trim().to_string();
    assert_eq!(anon.len(), 64, "an anonymous volume: {anon}");
    let names = |rcon: &Rcon, args: &[&str]| {
        let mut a = vec!["volume", "ls", "-q"];
        a.extend_from_slice(args);
        rcon.ok(&a).lines().map(str::to_string).collect::<Vec<_>>()
    };
    let before = names(&rcon, &[]);
    assert_eq!(before.len(), 4, "{before:?}");

    // The old layout: one file per volume and network, plus a damaged
    // volume record, a volume directory without a record (a half-removed
    // volume, invisible before too), a network and a damaged network file.
    to_schema_v3(&rcon);
    assert!(rcon.root.join("volumes/data/volume.json").exists());
    std::fs::write(rcon.root.join("volumes/spare/volume.json"), b"{\"name\": tru").unwrap();
    std::fs::create_dir_all(rcon.root.join("volumes/half/_data")).unwrap();
    let net_id = "5e".repeat(32);
    let legacy = serde_json::json!({
        "name": "legacy", "id": net_id, "driver": "bridge", "bridge": "rcon-5e5e5e5e",
        "subnet": "10.99.200.0", "prefix": 24, "gateway": "10.99.200.1",
        "created": "2026-01-02T03:04:05Z", "names": true,
    });
    std::fs::create_dir_all(rcon.root.join("networks")).unwrap();
    std::fs::write(rcon.root.join("networks/legacy.json"), legacy.to_string()).unwrap();
    std::fs::write(rcon.root.join("networks/broken.json"), b"{\"name\": \"broken\", \"id\":").unwrap();

    // The first command migrates; the damaged volume is left out and named.
    let out = rcon.cmd(&["volume", "ls", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut want = vec![anon.clone(), "data".to_string(), "free".to_string()];
    want.sort();
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), want);
    assert!(stderr(&out).contains("volume spare is damaged"), "{}", stderr(&out));
    assert_eq!(schema_version(&rcon), 4);

    // Filters (in SQL) on the migrated rows.
    assert_eq!(names(&rcon, &["--filter", "label=tier=db"]), ["data"]);
    assert_eq!(names(&rcon, &["--filter", "label=tier"]), ["data"]);
    assert_eq!(names(&rcon, &["--filter", "name=fre"]), ["free"]);
    assert_eq!(names(&rcon, &["--filter", "dangling=true"]), ["free"]);
    assert_eq!(
        names(&rcon, &["--filter", "dangling=false"]),
        want.iter().filter(|n| *n != "free").cloned().collect::<Vec<_>>()
    );
    assert!(names(&rcon, &["--filter", "driver=other"]).is_empty());
    let out = rcon.cmd(&["volume", "ls", "--filter", "bogus=1"]);
    assert_eq!(code(&out), 1, "docker's daemon refuses an unknown filter: {}", stderr(&out));
    let out = rcon.cmd(&["volume", "rm", "data"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("volume is in use"), "{}", stderr(&out));
    assert!(rcon.ok(&["volume", "inspect", "data"]).contains("\"tier\": \"db\""));
    let out = rcon.cmd(&["volume", "inspect", "spare"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("volume spare is damaged") && stderr(&out).contains("system check --repair"));
    assert_eq!(code(&rcon.cmd(&["start", "-a", "user"])), 0, "a container mounts migrated volumes");

    // Networks: the migrated one is listed and found by name and ID prefix.
    let nets = rcon.ok(&["network", "ls", "--format", "{{.Name}}"]);
    assert_eq!(nets.lines().collect::<Vec<_>>(), ["bridge", "host", "legacy", "none"], "{nets}");
    assert_eq!(rcon.ok(&["network", "inspect", "--format", "{{.Id}}", "5e5e5e"]).trim(), net_id);
    let out = rcon.cmd(&["network", "create", "legacy"]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));

    // `system check` names each damaged row and the orphan directory.
    let out = rcon.cmd(&["system", "check"]);
    let report = stdout(&out);
    assert_eq!(code(&out), 1, "{report}");
    assert!(report.contains("volume spare in") && report.contains("network broken in"), "{report}");
    assert!(report.contains("volumes/half has no volume record"), "{report}");
    assert!(report.contains("3 problems found"), "{report}");
    let out = rcon.cmd(&["system", "check", "--repair"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(rcon.ok(&["system", "check"]).trim(), "No problems found");
    assert!(names(&rcon, &[]).contains(&"spare".to_string()), "the volume's record is rewritten");
    assert!(rcon.root.join("volumes/spare/_data").is_dir(), "and its data kept");
    assert!(!rcon.root.join("volumes/half").exists());

    // One transaction per change: rm, create, prune.
    rcon.ok(&["network", "rm", "legacy"]);
    assert_eq!(rcon.ok(&["network", "ls", "-q", "--filter", "name=legacy"]).trim(), "");
    rcon.ok(&["volume", "rm", "spare"]);
    assert!(!rcon.root.join("volumes/spare").exists());
    rcon.ok(&["rm", "-v", "user"]);
    assert!(!rcon.root.join("volumes").join(&anon).exists(), "rm -v removed the anonymous volume");
    let pruned = rcon.ok(&["volume", "prune", "-a", "-f"]);
    assert!(pruned.contains("data") && pruned.contains("free"), "{pruned}");
    assert!(names(&rcon, &[]).is_empty());
}
