//! RUN steps: the instruction run in rcon's own runtime on an overlay of the
//! stage's layers, with its network, mounts (`RUN --mount`) and output; the
//! overlay's upper directory becomes the step's layer.

use super::*;

impl Builder<'_> {
    pub(super) fn run_step(
        &mut self,
        program: &Program,
        step: &Step,
        mut state: State,
        cmd: &CmdLine,
        ropts: &RunOptions,
        args: &[(String, String)],
    ) -> Result<State> {
        let network = ropts.network.as_str();
        if !ropts.security.is_empty() && ropts.security != "sandbox" {
            return Err(self.step_err(step, format!("RUN --security={} is not supported by rcon", ropts.security)));
        }
        if !ropts.devices.is_empty() {
            return Err(self.step_err(step, "RUN --device is not supported by rcon"));
        }
        // --mount: parsed (values expanded), then their sources collected,
        // then the host side prepared (after the cache lookup).
        let mut mounts = Vec::new();
        {
            let env = config_change::scope(&state.config, args);
            let x = std::rc::Rc::clone(&self.x);
            let expand = |v: &str| x.word(v, &env);
            let mut n_ssh = 0;
            for m in &ropts.mounts {
                let parsed = run_mount::parse(m, &expand, n_ssh).map_err(|e| self.step_err(step, e))?;
                if matches!(parsed.kind, run_mount::Kind::Ssh { .. }) {
                    n_ssh += 1;
                }
                mounts.push(parsed);
            }
        }
        let mut sources: HashMap<Option<String>, (run_mount::Source, String)> = HashMap::new();
        for m in &mounts {
            let from = match &m.kind {
                run_mount::Kind::Bind { from, .. } => from.clone(),
                run_mount::Kind::Cache { from: Some(f), .. } => Some(f.clone()),
                _ => continue,
            };
            if sources.contains_key(&from) {
                continue;
            }
            let src = match &from {
                None => {
                    let allowed = self.context_allowed()?.clone();
                    (
                        run_mount::Source { fs: LayeredFs::new(vec![self.context.clone()]), filter: Some(allowed) },
                        String::new(),
                    )
                }
                Some(f) => {
                    let st =
                        match self.stage_index(program, f) {
                            Some(i) => self.stage_results.get(&i).cloned().ok_or_else(|| {
                                self.step_err(step, format!("stage {f} is not built before this step"))
                            })?,
                            None => self.image_state(f, false).map_err(|e| self.step_err(step, e))?,
                        };
                    (run_mount::Source { fs: st.fs(self.store), filter: None }, st.key.clone())
                }
            };
            sources.insert(from, src);
        }
        let mount_env = run_mount::Env {
            tmp: self.store.tmp_dir(),
            cache_root: self.store.root().join("build-cache-mounts"),
            secrets: &self.secrets,
            ssh: &self.ssh,
        };
        let prepared = run_mount::prepare(&mounts, &mount_env, &sources).map_err(|e| self.step_err(step, e))?;
        let mut argv = if cmd.prepend_shell {
            let mut v = state.shell();
            v.push(cmd.args.join(" "));
            v
        } else {
            cmd.args.clone()
        };
        // Heredocs: `RUN <<EOF` runs the document as the script; other
        // heredocs are passed through the shell's own heredoc support.
        if let Some(first) = cmd.files.first() {
            let line = cmd.args.join(" ");
            let is_script = line.trim().starts_with("<<") && cmd.files.len() == 1;
            let mut script = String::new();
            if is_script {
                script = first.effective_content();
                if !script.starts_with("#!") {
                    let mut v = state.shell();
                    v.push(script.clone());
                    argv = v;
                } else {
                    argv = vec!["/bin/sh".into(), "-c".into(), script.clone()];
                }
            } else {
                let mut s = line.clone();
                for h in &cmd.files {
                    s.push('\n');
                    s.push_str(&h.effective_content());
                    s.push_str(&h.name);
                }
                let mut v = state.shell();
                v.push(s);
                argv = v;
            }
            let _ = script;
        }
        let used_args: Vec<(String, String)> = args.to_vec();
        let mut predefined = Vec::new();
        for p in PREDEFINED_ARGS {
            if let Some(v) = self.build_args.get(p) {
                predefined.push((p.to_string(), v.clone()));
                self.used_args.insert(p.to_string());
            }
        }
        let net = self.opts.network.clone().filter(|_| network == "default").unwrap_or_else(|| network.to_string());
        let arg_text: Vec<String> = used_args.iter().chain(&predefined).map(|(k, v)| format!("{k}={v}")).collect();
        let key = hash_hex(&[&state.key, "RUN", &argv.join("\0"), &arg_text.join("\0"), &net, &prepared.key]);
        let display = argv.join(" ");
        if let Some(s) = self.cache_get(&key) {
            return Ok(s);
        }
        state.key = key;

        let staging = self.store.layer_staging()?;
        let base = staging.path().to_path_buf();
        let upper = staging.diff_dir();
        let work = base.join("work");
        let merged = base.join("merged");
        let empty = base.join("empty");
        for d in [&work, &merged, &empty] {
            std::fs::create_dir_all(d).map_err(|e| self.step_err(step, format!("{}: {e}", d.display())))?;
        }
        let hostname = crate::util::random_hex(6);
        let mut lowers: Vec<String> = state.chain_ids().iter().rev().map(Store::layer_relative_diff).collect();
        if lowers.is_empty() {
            lowers.push(empty.display().to_string());
        }
        // The image config the runtime sees: the stage's env plus ARGs.
        let mut env = state.env();
        for (k, v) in used_args.iter().chain(&predefined) {
            if !env.iter().any(|e| e.split_once('=').map(|x| x.0) == Some(k.as_str())) {
                env.push(format!("{k}={v}"));
            }
        }
        // Secrets as variables and SSH_AUTH_SOCK: this step only.
        for e in &prepared.env {
            let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
            config_change::set_env(&mut env, k, v);
        }
        let image_cfg = json!({
            "architecture": state.config.get("architecture").cloned().unwrap_or(json!("amd64")),
            "os": "linux",
            "config": {"Env": env, "WorkingDir": state.workdir()},
            "rootfs": {"type": "layers", "diff_ids": []},
        });
        let image_cfg: oci_spec::image::ImageConfiguration =
            serde_json::from_value(image_cfg).map_err(|e| self.step_err(step, e.to_string()))?;
        let run_opts = crate::container::RunOptions {
            command: argv.clone(),
            workdir: Some(state.workdir()),
            entrypoint: Some(String::new()),
            hostname: Some(hostname.clone()),
            pull: crate::container::PullPolicy::Never,
            pull_options: crate::registry::PullOptions { quiet: true, ..Default::default() },
            ..Default::default()
        };
        // The step runs as an intermediate container (docker's classic
        // builder does the same): its record holds the network endpoint and
        // the /etc files, and is removed after the step.
        let id = crate::util::random_hex(32);
        let box_dir = self.store.container_dir(&id);
        let etc = |name: &str| box_dir.join(name);
        let input = crate::container::spec::SpecInput {
            image: &image_cfg,
            opts: &run_opts,
            id: &id,
            rootfs: merged.clone(),
            etc_hostname: etc("hostname"),
            etc_hosts: etc("hosts"),
            etc_resolv_conf: etc("resolv.conf"),
            dockerenv: None,
        };
        let mut spec =
            crate::container::spec::build(&input).map_err(|e| self.step_err(step, crate::util::error_chain(&e)))?;
        crate::container::rootless_cgroups(self.store, &mut spec, &Default::default())
            .map_err(|e| self.step_err(step, crate::util::error_chain(&e)))?;
        if !prepared.mounts.is_empty() {
            let mut all = spec.mounts().clone().unwrap_or_default();
            all.extend(prepared.mounts.iter().cloned());
            spec.set_mounts(Some(all));
        }
        let net_opts = crate::network::NetworkOptions {
            network: Some(match net.as_str() {
                "default" => "bridge".to_string(),
                other => other.to_string(),
            }),
            ..Default::default()
        };
        let plan = net_opts.plan(self.store, &[]).map_err(|e| self.step_err(step, format!("--network: {e}")))?;
        crate::network::apply_to_spec(&plan, &mut spec);
        let record = crate::store::ContainerRecord {
            id: id.clone(),
            name: format!("rcon-build-{}", &id[..12]),
            image: String::new(),
            image_id: config_id(&state.config),
            layers: state.chain_ids(),
            created: chrono::Utc::now(),
            command: argv.clone(),
            auto_remove: true,
            spec: serde_json::to_value(&spec).unwrap_or_default(),
            user: state.user(),
            restart: String::new(),
            log_opts: Vec::new(),
            healthcheck: None,
            health_on_failure: Default::default(),
            stop_signal: None,
            stop_timeout: None,
            labels: BTreeMap::new(),
            mounts: Vec::new(),
        };
        // Owned by this process: a sweep removes it if the build is killed.
        crate::container::cleanup::claim(self.store, &id)
            .map_err(|e| self.step_err(step, format!("{}: {e}", box_dir.display())))?;
        let guard = BuildBox { store: self.store, id: id.clone() };
        self.store.create_container(&record)?;
        std::fs::write(etc("hostname"), format!("{hostname}\n"))
            .map_err(|e| self.step_err(step, format!("{}: {e}", etc("hostname").display())))?;
        crate::network::prepare(self.store, &id, &record.name, &hostname, &plan)
            .map_err(|e| self.step_err(step, format!("network: {e}")))?;
        let spawn_opts = crate::runtime::SpawnOptions {
            rootfs: crate::container::rootfs_setup(self.store, lowers, upper.clone(), work.clone(), &spec)
                .map_err(|e| self.step_err(step, crate::util::error_chain(&e)))?,
            user: state.user(),
            // The step dies with the build, as a foreground `run` does.
            pdeathsig: Some(nix::sys::signal::Signal::SIGKILL),
            on_created: {
                let (store, id) = (self.store.clone(), id.clone());
                Some(Box::new(move |pid| crate::network::attach(&store, &id, pid).map_err(|e| e.to_string())))
            },
            ..Default::default()
        };
        let _ = self.out.flush();
        let _ = std::io::stdout().flush();
        let silence = self.opts.quiet.then(silence_stdio);
        crate::container::cleanup::record_planned_cgroups(self.store, &id, &spec);
        let result = crate::runtime::spawn(&spec, &spawn_opts).and_then(|p| {
            // Removed with the step's container if this build is killed.
            crate::container::cleanup::record_cgroups(self.store, &id, p.cgroup());
            p.wait()
        });
        drop(silence);
        drop(spawn_opts);
        drop(guard);
        let status = result.map_err(|e| self.step_err(step, e.chain()))?;
        if status.code() != 0 {
            return Err(BuildError::RunFailed { command: display, code: status.code() });
        }
        let _ = std::fs::remove_dir_all(&work);
        let _ = std::fs::remove_dir_all(&merged);
        let _ = std::fs::remove_dir_all(&empty);
        let lower_fs = state.fs(self.store);
        let mut stubs: Vec<&str> = MOUNT_STUBS.to_vec();
        stubs.extend(prepared.targets.iter().map(String::as_str));
        remove_mount_stubs(&upper, &lower_fs, &stubs);
        drop(prepared);
        let is_empty = std::fs::read_dir(&upper).map(|mut d| d.next().is_none()).unwrap_or(true);
        let created_by = format!("RUN {display}");
        if is_empty {
            drop(staging);
            self.history(&mut state, &created_by, true);
        } else {
            self.add_layer(&mut state, staging)?;
            self.history(&mut state, &created_by, false);
        }
        self.cache_put(&state);
        Ok(state)
    }
}

/// The intermediate container of a RUN step: detached from its networks
/// and removed when dropped (also when the step fails).
struct BuildBox<'a> {
    store: &'a Store,
    id: String,
}

impl Drop for BuildBox<'_> {
    fn drop(&mut self) {
        if let Err(e) = crate::network::detach(self.store, &self.id) {
            crate::warn!("build container {}: network teardown: {e}", &self.id[..12]);
        }
        let _ = self.store.remove_container(&self.id);
        crate::container::cleanup::release(self.store, &self.id);
    }
}

/// Silences fds 1 and 2 while alive (for `-q`), restoring them on drop
/// (from the saved copies, when saving worked).
struct Silence(Option<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)>);

fn silence_stdio() -> Silence {
    use std::os::fd::AsFd;
    let saved = (|| {
        let out = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
        let err = std::io::stderr().as_fd().try_clone_to_owned().ok()?;
        let null = std::fs::OpenOptions::new().write(true).open("/dev/null").ok()?;
        let _ = nix::unistd::dup2_stdout(&null);
        let _ = nix::unistd::dup2_stderr(&null);
        Some((out, err))
    })();
    Silence(saved)
}

impl Drop for Silence {
    fn drop(&mut self) {
        if let Some((out, err)) = self.0.take() {
            let _ = nix::unistd::dup2_stdout(&out);
            let _ = nix::unistd::dup2_stderr(&err);
        }
    }
}
