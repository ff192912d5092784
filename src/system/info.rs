//! `rcon info` and `rcon version`: docker's `types.Info` and the
//! `docker version` structure, built from the store and the host.

use super::{Error, Result};
use crate::store::{ContainerStatus, Store};
use serde_json::{Value, json};

/// The Engine API version whose command line rcon follows (docker 20.10).
pub const API_VERSION: &str = "1.41";
/// The oldest Engine API version docker 20.10 accepts.
pub const MIN_API_VERSION: &str = "1.12";

/// Counts of containers by state: (all, running, paused, stopped).
pub fn container_counts(store: &Store) -> Result<(usize, usize, usize, usize)> {
    let (mut all, mut running, mut paused, mut stopped) = (0, 0, 0, 0);
    for c in store.list_containers(&Default::default())? {
        all += 1;
        let s = store.container_state(&c.id)?;
        match s.status {
            ContainerStatus::Running if s.paused => paused += 1,
            ContainerStatus::Running => running += 1,
            _ => stopped += 1,
        }
    }
    Ok((all, running, paused, stopped))
}

/// docker's `types.Info` for this host and store: every key docker's has
/// (Containers, ContainersRunning, …, SecurityOptions, Name, ID), plus
/// `ClientInfo` as `docker info --format '{{json .}}'` prints it.
/// Errors: the store cannot be read.
pub fn info(store: &Store) -> Result<Value> {
    let (all, running, paused, stopped) = container_counts(store)?;
    let images = store.images()?.len();
    let uts = nix::sys::utsname::uname().map_err(Error::Uname)?;
    let cgroup_version = match crate::runtime::cgroups::Layout::detect() {
        Some(crate::runtime::cgroups::Layout::V2(_)) => "2",
        _ => "1",
    };
    let os = os_release();
    let os_version = os_release_key("VERSION_ID").unwrap_or_default();
    let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get());
    let root = std::fs::canonicalize(store.root()).unwrap_or_else(|_| store.root().to_path_buf());
    let backing = backing_filesystem(&root);
    let forward = std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").is_ok_and(|s| s.trim() == "1");
    let mut security = vec!["name=seccomp,profile=default".to_string()];
    if cgroup_version == "2" {
        security.push("name=cgroupns".into());
    }
    // Rootless (docker's rootless mode shows `name=rootless`): overlayfs
    // with `userxattr`, pasta networking, limits only with a delegated
    // cgroup v2 subtree.
    let rootless = crate::runtime::rootless::is_rootless();
    let limits = !rootless || crate::runtime::cgroups::delegated();
    if rootless {
        security.push("name=rootless".into());
    }
    let networks: &[&str] =
        if rootless { &["pasta", "slirp4netns", "host", "none"] } else { &["bridge", "host", "none"] };
    let mut warnings: Vec<String> = Vec::new();
    // Rootless layers go through the kernel's overlayfs or fuse-overlayfs
    // (podman shows the latter as driver `overlay` with a mount_program).
    let mut driver = "overlay2";
    let mut driver_status = vec![
        json!(["Backing Filesystem", backing]),
        json!(["Supports d_type", "true"]),
        json!(["Native Overlay Diff", "true"]),
        json!(["userxattr", if rootless { "true" } else { "false" }]),
    ];
    if rootless {
        match crate::runtime::fuse_overlay::driver(store.root(), store.run_root()) {
            Ok(crate::runtime::fuse_overlay::Driver::Fuse(program)) => {
                driver = "overlay";
                driver_status[2] = json!(["Native Overlay Diff", "false"]);
                driver_status[3] = json!(["mount_program", program]);
            }
            Ok(crate::runtime::fuse_overlay::Driver::Kernel) => {}
            Err(e) => warnings.push(format!("WARNING: {e}")),
        }
    }
    let mut v = json!({
        "ID": engine_id(store),
        "Containers": all,
        "ContainersRunning": running,
        "ContainersPaused": paused,
        "ContainersStopped": stopped,
        "Images": images,
        "Driver": driver,
        "DriverStatus": driver_status,
        "Plugins": {
            "Volume": ["local"],
            "Network": networks,
            "Authorization": null,
            "Log": ["json-file"]
        },
        "MemoryLimit": limits,
        "SwapLimit": std::path::Path::new("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes").exists() || cgroup_version == "2",
        "KernelMemory": false,
        "KernelMemoryTCP": false,
        "CpuCfsPeriod": limits,
        "CpuCfsQuota": limits,
        "CPUShares": limits,
        "CPUSet": limits,
        "PidsLimit": limits,
        "IPv4Forwarding": forward,
    });
    let more = json!({
        "BridgeNfIptables": false,
        "BridgeNfIp6tables": false,
        "Debug": false,
        "NFd": std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count()),
        "OomKillDisable": cgroup_version == "1",
        "NGoroutines": 1,
        "SystemTime": chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, false),
        "LoggingDriver": "json-file",
        "CgroupDriver": if limits { "cgroupfs" } else { "none" },
        "CgroupVersion": cgroup_version,
        "NEventsListener": 0,
        "KernelVersion": uts.release().to_string_lossy(),
        "OperatingSystem": os,
        "OSVersion": os_version,
        "OSType": "linux",
        "Architecture": uts.machine().to_string_lossy(),
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {
            "AllowNondistributableArtifactsCIDRs": [],
            "AllowNondistributableArtifactsHostnames": [],
            "InsecureRegistryCIDRs": ["127.0.0.0/8"],
            "IndexConfigs": {"docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": true, "Official": true}},
            "Mirrors": []
        },
    });
    let rest = json!({
        "NCPU": ncpu,
        "MemTotal": mem_total(),
        "GenericResources": null,
        "DockerRootDir": root,
        "HttpProxy": std::env::var("HTTP_PROXY").or_else(|_| std::env::var("http_proxy")).unwrap_or_default(),
        "HttpsProxy": std::env::var("HTTPS_PROXY").or_else(|_| std::env::var("https_proxy")).unwrap_or_default(),
        "NoProxy": std::env::var("NO_PROXY").or_else(|_| std::env::var("no_proxy")).unwrap_or_default(),
        "Name": uts.nodename().to_string_lossy(),
        "Labels": [],
        "ExperimentalBuild": false,
        "ServerVersion": env!("CARGO_PKG_VERSION"),
        "Runtimes": {"rcon": {"path": std::env::current_exe().unwrap_or_default()}},
        "DefaultRuntime": "rcon",
        "Swarm": {"NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": false, "Error": "", "RemoteManagers": null},
        "LiveRestoreEnabled": true,
        "Isolation": "",
        "InitBinary": "",
        "ContainerdCommit": {"ID": "", "Expected": ""},
        "RuncCommit": {"ID": "", "Expected": ""},
        "InitCommit": {"ID": "", "Expected": ""},
        "SecurityOptions": security,
        "Warnings": warnings,
        "ClientInfo": {"Debug": false, "Context": "default", "Plugins": [], "Warnings": null}
    });
    for part in [more, rest] {
        if let (Some(a), Value::Object(b)) = (v.as_object_mut(), part) {
            a.extend(b);
        }
    }
    Ok(v)
}

/// docker's `info` text layout for `info` (the JSON of [`info`]).
pub fn info_text(i: &Value) -> String {
    let s = |k: &str| match &i[k] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    };
    let mut out = String::new();
    let mut line = |l: String| {
        out.push_str(&l);
        out.push('\n');
    };
    line("Client:".into());
    line(" Context:    default".into());
    line(" Debug Mode: false".into());
    line(String::new());
    line("Server:".into());
    line(format!(" Containers: {}", s("Containers")));
    line(format!("  Running: {}", s("ContainersRunning")));
    line(format!("  Paused: {}", s("ContainersPaused")));
    line(format!("  Stopped: {}", s("ContainersStopped")));
    line(format!(" Images: {}", s("Images")));
    line(format!(" Server Version: {}", s("ServerVersion")));
    line(format!(" Storage Driver: {}", s("Driver")));
    for pair in i["DriverStatus"].as_array().into_iter().flatten() {
        line(format!("  {}: {}", pair[0].as_str().unwrap_or(""), pair[1].as_str().unwrap_or("")));
    }
    line(format!(" Logging Driver: {}", s("LoggingDriver")));
    line(format!(" Cgroup Driver: {}", s("CgroupDriver")));
    line(format!(" Cgroup Version: {}", s("CgroupVersion")));
    line(" Plugins:".into());
    for k in ["Volume", "Network", "Log"] {
        let names: Vec<&str> = i["Plugins"][k].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        line(format!("  {k}: {}", names.join(" ")));
    }
    line(" Swarm: inactive".into());
    line(" Runtimes: rcon".into());
    line(" Default Runtime: rcon".into());
    line(" Init Binary: ".into());
    line(" Security Options:".into());
    for opt in i["SecurityOptions"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let mut kv = opt.split(',').filter_map(|p| p.split_once('='));
        if let Some((_, name)) = kv.next() {
            line(format!("  {name}"));
            for (k, v) in kv {
                line(format!("   {}{}: {v}", k[..1].to_uppercase(), &k[1..]));
            }
        }
    }
    line(format!(" Kernel Version: {}", s("KernelVersion")));
    line(format!(" Operating System: {}", s("OperatingSystem")));
    line(format!(" OSType: {}", s("OSType")));
    line(format!(" Architecture: {}", s("Architecture")));
    line(format!(" CPUs: {}", s("NCPU")));
    line(format!(" Total Memory: {}", crate::format::bytes_size(i["MemTotal"].as_u64().unwrap_or(0))));
    line(format!(" Name: {}", s("Name")));
    line(format!(" ID: {}", s("ID")));
    line(format!(" Docker Root Dir: {}", s("DockerRootDir")));
    line(" Debug Mode: false".into());
    line(format!(" Registry: {}", s("IndexServerAddress")));
    line(" Labels:".into());
    line(" Experimental: false".into());
    line(" Insecure Registries:".into());
    for r in i["RegistryConfig"]["InsecureRegistryCIDRs"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        line(format!("  {r}"));
    }
    line(format!(" Live Restore Enabled: {}", s("LiveRestoreEnabled")));
    line(String::new());
    out
}

/// `docker version`'s structure: `Client` and `Server` (with `Version`,
/// `ApiVersion`/`APIVersion`, `MinAPIVersion`, `GitCommit`, `GoVersion`,
/// `Os`, `Arch`, `KernelVersion`, `BuildTime`, `Components`).
pub fn version() -> Value {
    let uts = nix::sys::utsname::uname().ok();
    let arch = go_arch(std::env::consts::ARCH);
    let version = env!("CARGO_PKG_VERSION");
    // The commit build.rs recorded (empty outside a git checkout).
    let commit = env!("RCON_GIT_COMMIT");
    let kernel = uts.map(|u| u.release().to_string_lossy().into_owned()).unwrap_or_default();
    json!({
        "Client": {
            "Platform": {"Name": ""},
            "Version": version,
            "ApiVersion": API_VERSION,
            "APIVersion": API_VERSION,
            "DefaultAPIVersion": API_VERSION,
            "GitCommit": commit,
            "GoVersion": "",
            "Os": "linux",
            "Arch": arch,
            "BuildTime": "",
            "Context": "default",
            "Experimental": true
        },
        "Server": {
            "Platform": {"Name": "rcon"},
            "Components": [{"Name": "Engine", "Version": version, "Details": {
                "ApiVersion": API_VERSION, "MinAPIVersion": MIN_API_VERSION, "Os": "linux", "Arch": arch,
                "KernelVersion": kernel, "Experimental": "false", "GitCommit": commit, "GoVersion": "", "BuildTime": ""
            }}],
            "Version": version,
            "ApiVersion": API_VERSION,
            "APIVersion": API_VERSION,
            "MinAPIVersion": MIN_API_VERSION,
            "GitCommit": commit,
            "GoVersion": "",
            "Os": "linux",
            "Arch": arch,
            "KernelVersion": kernel,
            "Experimental": false,
            "BuildTime": ""
        }
    })
}

/// docker's `version` text layout for the JSON of [`version`].
pub fn version_text(v: &Value) -> String {
    let c = &v["Client"];
    let s = &v["Server"];
    let st = |v: &Value| match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    format!(
        "Client:\n Version:           {}\n API version:       {}\n Go version:        {}\n Git commit:        {}\n Built:             {}\n OS/Arch:           {}/{}\n Context:           {}\n Experimental:      {}\n\nServer: {}\n Engine:\n  Version:          {}\n  API version:      {} (minimum version {})\n  Go version:       {}\n  Git commit:       {}\n  Built:            {}\n  OS/Arch:          {}/{}\n  Experimental:     {}\n",
        st(&c["Version"]),
        st(&c["ApiVersion"]),
        st(&c["GoVersion"]),
        st(&c["GitCommit"]),
        st(&c["BuildTime"]),
        st(&c["Os"]),
        st(&c["Arch"]),
        st(&c["Context"]),
        st(&c["Experimental"]),
        st(&s["Platform"]["Name"]),
        st(&s["Version"]),
        st(&s["ApiVersion"]),
        st(&s["MinAPIVersion"]),
        st(&s["GoVersion"]),
        st(&s["GitCommit"]),
        st(&s["BuildTime"]),
        st(&s["Os"]),
        st(&s["Arch"]),
        st(&s["Experimental"]),
    )
}

/// Rust's architecture names as Go's GOARCH.
fn go_arch(a: &str) -> &str {
    match a {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

/// `PRETTY_NAME` of os-release, as docker's `OperatingSystem`.
fn os_release() -> String {
    os_release_key("PRETTY_NAME").unwrap_or_else(|| "Linux".into())
}

fn os_release_key(key: &str) -> Option<String> {
    let text =
        std::fs::read_to_string("/etc/os-release").or_else(|_| std::fs::read_to_string("/usr/lib/os-release")).ok()?;
    text.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('=')).map(|v| v.trim_matches('"').to_string())
}

pub use crate::util::mem_total;

/// docker's name for the filesystem under `path` (`extfs`, `xfs`, `btrfs`…).
fn backing_filesystem(path: &std::path::Path) -> String {
    let Ok(st) = nix::sys::statfs::statfs(path) else { return "<unknown>".into() };
    let magic = st.filesystem_type().0 as u64;
    match magic {
        0xEF53 => "extfs",
        0x5846_5342 => "xfs",
        0x9123_683E => "btrfs",
        0x0102_1994 => "tmpfs",
        0x794C_7630 => "overlayfs",
        0x2FC1_2FC1 => "zfs",
        _ => "<unknown>",
    }
    .into()
}

/// The engine's ID: 12 groups of 4 base32 characters, as docker's
/// (`ABCD:EFGH:…`), made once per store and kept in `<root>/engine-id`.
pub fn engine_id(store: &Store) -> String {
    let path = store.root().join("engine-id");
    if let Ok(id) = std::fs::read_to_string(&path)
        && id.trim().len() == 59
    {
        return id.trim().to_string();
    }
    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut b = [0u8; 48];
    getrandom::fill(&mut b).expect("the OS random number generator failed");
    let chars: Vec<char> = b.iter().map(|x| B32[(*x as usize) % 32] as char).collect();
    let id = chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(":");
    // Written to a temp file and renamed: concurrent first calls agree on one.
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    if std::fs::write(&tmp, &id).is_ok() && std::fs::hard_link(&tmp, &path).is_ok() {
        let _ = std::fs::remove_file(&tmp);
        return id;
    }
    let _ = std::fs::remove_file(&tmp);
    std::fs::read_to_string(&path).map(|s| s.trim().to_string()).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_has_dockers_keys_and_text() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::open(&d.path().join("root"), &d.path().join("run")).unwrap();
        let i = info(&store).unwrap();
        for k in [
            "Containers",
            "ContainersRunning",
            "ContainersPaused",
            "ContainersStopped",
            "Images",
            "Driver",
            "DockerRootDir",
            "CgroupVersion",
            "CgroupDriver",
            "KernelVersion",
            "OperatingSystem",
            "OSType",
            "Architecture",
            "NCPU",
            "MemTotal",
            "ServerVersion",
            "SecurityOptions",
            "Name",
            "ID",
        ] {
            assert!(i.get(k).is_some(), "info has no {k}");
        }
        assert_eq!(i["Containers"], 0);
        assert_eq!(engine_id(&store), i["ID"].as_str().unwrap(), "the ID is stable");
        assert_eq!(i["ID"].as_str().unwrap().split(':').count(), 12);
        let text = info_text(&i);
        assert!(text.contains("\n Containers: 0\n  Running: 0\n"), "{text}");
        assert!(text.contains(" Storage Driver: overlay2\n"), "{text}");
    }

    #[test]
    fn version_text_layout() {
        let t = version_text(&version());
        assert!(t.starts_with("Client:\n Version:           "), "{t}");
        assert!(t.contains("\n API version:       1.41\n"), "{t}");
        assert!(t.contains("  API version:      1.41 (minimum version 1.12)\n"), "{t}");
    }
}
