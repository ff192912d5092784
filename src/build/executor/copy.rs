//! COPY and ADD steps: sources selected from the context (after
//! `.dockerignore`), another stage or an image, archives extracted and URLs
//! downloaded, planned as items and placed in a new layer with their owner,
//! mode (`--chmod`) and mtime.

use super::*;

impl Builder<'_> {
    pub(super) fn context_allowed(&mut self) -> Result<&HashSet<String>> {
        if self.allowed.is_none() {
            let ignore = std::fs::read_to_string(self.context.join(".dockerignore")).unwrap_or_default();
            // `<Dockerfile>.dockerignore` beside the Dockerfile wins over the
            // context's `.dockerignore`, wherever rcon runs from.
            let extra = (self.opts.dockerfile_text.is_none())
                .then(|| dockerfile_path(self.opts))
                .and_then(|d| std::fs::read_to_string(format!("{}.dockerignore", d.display())).ok());
            let patterns = dockerignore::read_patterns(extra.as_deref().unwrap_or(&ignore));
            let m = dockerignore::Matcher::new(&patterns).map_err(|e| BuildError::Context {
                path: self.context.join(".dockerignore"),
                message: e.to_string(),
            })?;
            let entries = dockerignore::walk(&self.context, &m)
                .map_err(|e| BuildError::Context { path: self.context.clone(), message: e.to_string() })?;
            self.allowed = Some(entries.into_iter().map(|e| e.rel).collect());
        }
        Ok(self.allowed.as_ref().expect("set"))
    }

    pub(super) fn copy_step(
        &mut self,
        program: &Program,
        step: &Step,
        mut state: State,
        spec: &CopySpec,
        is_add: bool,
        args: &[(String, String)],
    ) -> Result<State> {
        let x = std::rc::Rc::clone(&self.x);
        let env = self.expand_env(&state, args);
        let file = self.file.clone();
        let word = |s: &str| x.word(s, &env).map_err(|e| step_error(&file, step, e));
        let mut sources = Vec::new();
        for s in &spec.sources {
            sources.push(word(s)?);
        }
        let dest_raw = word(&spec.dest)?;
        let chown = spec.chown.as_deref().map(word).transpose()?;
        let chmod = spec.chmod.as_deref().map(word).transpose()?;
        let from = spec.from.as_deref().map(word).transpose()?;
        let mode = chmod.as_deref().map(|m| Chmod::parse(m).map_err(|e| self.step_err(step, e))).transpose()?;
        let exclude = if spec.excludes.is_empty() {
            None
        } else {
            let mut pats = Vec::new();
            for e in &spec.excludes {
                pats.push(word(e)?);
            }
            Some(dockerignore::Matcher::new(&pats).map_err(|e| self.step_err(step, format!("--exclude: {e}")))?)
        };
        // The source filesystem.
        let (src_fs, filter, src_key) = match &from {
            Some(f) => {
                let st = match self.stage_index(program, f) {
                    Some(i) => self
                        .stage_results
                        .get(&i)
                        .cloned()
                        .ok_or_else(|| self.step_err(step, format!("stage {f} is not built before this step")))?,
                    None => self.image_state(f, false).map_err(|e| self.step_err(step, e))?,
                };
                (st.fs(self.store), None, st.key.clone())
            }
            None => {
                let allowed = self.context_allowed()?.clone();
                (LayeredFs::new(vec![self.context.clone()]), Some(allowed), String::new())
            }
        };
        let is_url = |s: &str| s.starts_with("http://") || s.starts_with("https://");
        let urls: Vec<String> = sources.iter().filter(|s| is_url(s)).cloned().collect();
        if !urls.is_empty() && (!is_add || from.is_some()) {
            return Err(self.step_err(step, "source can't be a URL for COPY"));
        }
        if spec.checksum.is_some() && (urls.len() != 1 || sources.len() != 1) {
            return Err(self.step_err(step, "checksum can't be specified for non-HTTP(S) sources"));
        }
        // URLs are downloaded first (into a directory removed after the
        // step); the client's threads are gone before any RUN forks.
        let downloads = TempDir::new(&self.store.tmp_dir(), "add").map_err(|e| self.step_err(step, e))?;
        let mut fetched = Vec::new();
        for u in &urls {
            let got = download(u, &downloads.0).map_err(|e| self.step_err(step, e))?;
            if let Some(c) = &spec.checksum {
                let want = c.strip_prefix("sha256:").ok_or_else(|| {
                    self.step_err(step, format!("unsupported digest algorithm in checksum {c:?} (sha256 only)"))
                })?;
                if !want.eq_ignore_ascii_case(&got.sha256) {
                    return Err(self.step_err(
                        step,
                        format!("digest mismatch for {u}: expected sha256:{want}, got sha256:{}", got.sha256),
                    ));
                }
            }
            fetched.push(got);
        }
        let mut matches: Vec<String> = Vec::new();
        // `--parents`: the part of each match's path kept under the
        // destination starts after this prefix (the source's `/./` pivot, else the root).
        let mut pivots: Vec<String> = Vec::new();
        for s in sources.iter().filter(|s| !is_url(s)) {
            let m = glob_sources(&src_fs, filter.as_ref(), s);
            if m.is_empty() {
                return Err(self.step_err(
                    step,
                    format!(
                        "failed to compute cache key: \"/{}\": not found",
                        dockerignore::clean_path(s).trim_start_matches('/')
                    ),
                ));
            }
            let pivot = match s.find("/./") {
                Some(i) if spec.parents => dockerignore::clean_path(&format!("/{}", &s[..i])),
                _ => "/".to_string(),
            };
            pivots.extend(std::iter::repeat_n(pivot, m.len()));
            matches.extend(m);
        }
        let wd = state.workdir();
        let dest = if dest_raw.starts_with('/') {
            dest_raw.clone()
        } else {
            format!("{}/{}", wd.trim_end_matches('/'), dest_raw)
        };
        let stage_fs = state.fs(self.store);
        let dest_is_dir_syntax = dest_raw.ends_with('/') || dest_raw == "." || dest_raw.ends_with("/.");
        let resolved_dest = stage_fs.resolve(&dockerignore::clean_path(&dest), true);
        let dest_exists_dir = stage_fs.lookup(&resolved_dest).is_some_and(|f| f.meta.is_dir());
        let n_items = matches.len() + spec.contents.len() + fetched.len();
        if n_items > 1 && !dest_is_dir_syntax && !dest_exists_dir {
            return Err(self.step_err(
                step,
                "When using COPY with more than one source file, the destination must be a directory and end with a /",
            ));
        }
        let into_dir = dest_is_dir_syntax || dest_exists_dir || n_items > 1 || spec.parents;
        // Owner.
        let (uid, gid) = match &chown {
            None => (0, 0),
            Some(c) => {
                let passwd = stage_fs.read("/etc/passwd").map(|b| String::from_utf8_lossy(&b).into_owned());
                let group = stage_fs.read("/etc/group").map(|b| String::from_utf8_lossy(&b).into_owned());
                let u = crate::runtime::user::resolve(c, passwd.as_deref(), group.as_deref())
                    .map_err(|e| self.step_err(step, e))?;
                (u.uid, u.gid)
            }
        };
        // The plan and its content hash.
        let mut plan: Vec<Item> = Vec::new();
        for (m, pivot) in matches.iter().zip(&pivots) {
            // A source that is a symlink is followed inside the context (or
            // stage): an absolute target is taken from the context's root,
            // as docker does; a dangling or looping link is "not found".
            let found = match src_fs.lookup(&src_fs.resolve(m, true)) {
                Some(f) if !f.meta.file_type().is_symlink() => f,
                _ => {
                    return Err(self.step_err(
                        step,
                        format!(
                            "failed to compute cache key: \"/{}\": not found (a symlink whose target is not in the {})",
                            m.trim_start_matches('/'),
                            if filter.is_some() { "build context" } else { "source image" }
                        ),
                    ));
                }
            };
            let base = if spec.parents {
                m.strip_prefix(pivot.as_str()).unwrap_or(m).trim_start_matches('/').to_string()
            } else {
                m.rsplit('/').next().unwrap_or(m).to_string()
            };
            if found.meta.is_dir() {
                let walk = PlanWalk { fs: &src_fs, filter: filter.as_ref(), exclude: exclude.as_ref() };
                let into = if spec.parents && !base.is_empty() {
                    format!("{}/{}", resolved_dest.trim_end_matches('/'), base)
                } else {
                    resolved_dest.clone()
                };
                walk.dir(&src_fs.resolve(m, true), "", &into, &mut plan);
            } else if exclude.as_ref().is_some_and(|x| x.matches(m.trim_start_matches('/'))) {
                continue;
            } else {
                let target = if into_dir {
                    format!("{}/{}", resolved_dest.trim_end_matches('/'), base)
                } else {
                    resolved_dest.clone()
                };
                let archive = is_add && filter.is_some() && archive_kind(&found.path).is_some();
                plan.push(Item {
                    dest: target,
                    src: Some(found.path),
                    meta_mode: found.meta.mode(),
                    kind: if archive { ItemKind::Archive } else { ItemKind::File },
                    mtime: found.meta.mtime(),
                    data: None,
                });
            }
        }
        for f in &fetched {
            let target = if into_dir {
                format!("{}/{}", resolved_dest.trim_end_matches('/'), f.name)
            } else {
                resolved_dest.clone()
            };
            // Docker gives downloaded files mode 0600 and the server's
            // Last-Modified time; they are never extracted.
            plan.push(Item {
                dest: target,
                src: Some(f.path.clone()),
                meta_mode: 0o100600,
                kind: ItemKind::File,
                mtime: f.mtime,
                data: None,
            });
        }
        for h in &spec.contents {
            let data = if h.expand { word(&h.content)? } else { h.content.clone() };
            let target = if into_dir {
                format!("{}/{}", resolved_dest.trim_end_matches('/'), h.name)
            } else {
                resolved_dest.clone()
            };
            plan.push(Item {
                dest: target,
                src: None,
                meta_mode: 0o100644,
                kind: ItemKind::File,
                mtime: 0,
                data: Some(data.into_bytes()),
            });
        }
        let mut h = Sha256::new();
        for it in &plan {
            h.update(it.dest.as_bytes());
            h.update([0]);
            h.update(it.meta_mode.to_le_bytes());
            h.update([it.kind as u8]);
            if let Some(d) = &it.data {
                h.update(d);
            } else if let Some(p) = &it.src {
                if it.kind == ItemKind::Symlink {
                    h.update(std::fs::read_link(p).unwrap_or_default().as_os_str().as_encoded_bytes());
                } else if it.kind != ItemKind::Dir {
                    let mut f =
                        std::fs::File::open(p).map_err(|e| self.step_err(step, format!("{}: {e}", p.display())))?;
                    let mut buf = vec![0u8; 1 << 16];
                    loop {
                        let n = std::io::Read::read(&mut f, &mut buf)
                            .map_err(|e| self.step_err(step, format!("{}: {e}", p.display())))?;
                        if n == 0 {
                            break;
                        }
                        h.update(&buf[..n]);
                    }
                }
            }
            h.update([0xff]);
        }
        let content = hex::encode(h.finalize());
        let what = if is_add { "ADD" } else { "COPY" };
        let key = hash_hex(&[&state.key, what, &content, &src_key, &format!("{uid}:{gid}:{mode:?}")]);
        if let Some(s) = self.cache_get(&key) {
            return Ok(s);
        }
        state.key = key;
        let staging = self.store.layer_staging()?;
        let upper = staging.diff_dir();
        let owner = (uid, gid);
        if into_dir {
            ensure_dirs(&upper, &stage_fs, &resolved_dest, Some(owner)).map_err(|e| self.step_err(step, e))?;
        }
        for it in &plan {
            let parent = it.dest.rsplit_once('/').map(|x| x.0).filter(|p| !p.is_empty()).unwrap_or("/");
            ensure_dirs(&upper, &stage_fs, parent, Some(owner)).map_err(|e| self.step_err(step, e))?;
            place(&upper, it, owner, mode.as_ref()).map_err(|e| self.step_err(step, e))?;
        }
        let single_file = matches.len() == 1
            && spec.contents.is_empty()
            && src_fs.lookup(&src_fs.resolve(&matches[0], true)).is_some_and(|f| !f.meta.is_dir());
        let kind = if single_file || (matches.is_empty() && spec.contents.len() == 1) {
            "file"
        } else if matches.len() == 1 && spec.contents.is_empty() {
            "dir"
        } else {
            "multi"
        };
        self.add_layer(&mut state, staging)?;
        self.history(&mut state, &format!("{what} {kind}:{content} in {dest}"), false);
        self.cache_put(&state);
        Ok(state)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemKind {
    File = 1,
    Dir = 2,
    Symlink = 3,
    Archive = 4,
}

#[derive(Debug, Clone)]
struct Item {
    dest: String,
    src: Option<PathBuf>,
    meta_mode: u32,
    kind: ItemKind,
    mtime: i64,
    data: Option<Vec<u8>>,
}

fn archive_kind(p: &Path) -> Option<&'static str> {
    let mut buf = [0u8; 262];
    let mut f = std::fs::File::open(p).ok()?;
    let n = std::io::Read::read(&mut f, &mut buf).ok()?;
    let b = &buf[..n];
    if b.starts_with(&[0x1f, 0x8b]) {
        Some("gzip")
    } else if b.starts_with(b"BZh") {
        Some("bzip2")
    } else if b.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some("xz")
    } else if n >= 262 && &b[257..262] == b"ustar" {
        Some("tar")
    } else {
        None
    }
}

fn allowed(filter: Option<&HashSet<String>>, path: &str) -> bool {
    filter.is_none_or(|f| f.contains(path.trim_start_matches('/')))
}

/// Source paths matching `pattern` (wildcards per component, Go
/// `filepath.Match` rules) in `fs`, as clean absolute paths.
fn glob_sources(fs: &LayeredFs, filter: Option<&HashSet<String>>, pattern: &str) -> Vec<String> {
    let clean = dockerignore::clean_path(&format!("/{pattern}"));
    if clean == "/" {
        return vec!["/".into()];
    }
    let comps: Vec<&str> = clean.trim_start_matches('/').split('/').collect();
    let mut cur = vec![String::new()];
    for c in comps {
        let mut next = Vec::new();
        let wild = c.contains(['*', '?', '[']);
        for base in &cur {
            if wild {
                let m = dockerignore::Matcher::new(&[c]).ok();
                for name in fs.read_dir(if base.is_empty() { "/" } else { base }).into_keys() {
                    let n = name.to_string_lossy();
                    let p = format!("{base}/{n}");
                    if m.as_ref().is_some_and(|m| m.patterns()[0].as_str() == c && m.matches(&n)) && allowed(filter, &p)
                    {
                        next.push(p);
                    }
                }
            } else {
                let p = format!("{base}/{c}");
                if fs.lookup(&p).is_some() && allowed(filter, &p) {
                    next.push(p);
                }
            }
        }
        cur = next;
    }
    cur
}

/// What a directory source's walk needs: the source filesystem, the
/// context's `.dockerignore` filter, and `--exclude` patterns (matched
/// against paths relative to the source directory).
struct PlanWalk<'a> {
    fs: &'a LayeredFs,
    filter: Option<&'a HashSet<String>>,
    exclude: Option<&'a dockerignore::Matcher>,
}

impl PlanWalk<'_> {
    /// Plans the content of `src` (at `rel` below the source directory) into `dest`.
    fn dir(&self, src: &str, rel: &str, dest: &str, plan: &mut Vec<Item>) {
        plan_dir(self, src, rel, dest, plan)
    }
}

fn plan_dir(w: &PlanWalk, src: &str, rel: &str, dest: &str, plan: &mut Vec<Item>) {
    let (fs, filter) = (w.fs, w.filter);
    for (name, f) in fs.read_dir(src) {
        let n = name.to_string_lossy();
        let sp = format!("{}/{n}", src.trim_end_matches('/'));
        if !allowed(filter, &sp) {
            continue;
        }
        let rp = if rel.is_empty() { n.to_string() } else { format!("{rel}/{n}") };
        let excluded = w.exclude.is_some_and(|m| m.matches(&rp));
        let dp = format!("{}/{n}", dest.trim_end_matches('/'));
        let ft = f.meta.file_type();
        let kind = if ft.is_dir() {
            ItemKind::Dir
        } else if ft.is_symlink() {
            ItemKind::Symlink
        } else if ft.is_file() {
            ItemKind::File
        } else {
            continue;
        };
        if excluded && kind != ItemKind::Dir {
            continue;
        }
        let before = plan.len();
        if !excluded {
            plan.push(Item {
                dest: dp.clone(),
                src: Some(f.path.clone()),
                meta_mode: f.meta.mode(),
                kind,
                mtime: f.meta.mtime(),
                data: None,
            });
        }
        if kind == ItemKind::Dir {
            // An excluded directory is still walked: an exception (`!`)
            // may bring back something below it; its entry is planned only
            // when something below it is.
            plan_dir(w, &sp, &rp, &dp, plan);
            if excluded && plan.len() > before {
                plan.insert(
                    before,
                    Item {
                        dest: dp.clone(),
                        src: Some(f.path.clone()),
                        meta_mode: f.meta.mode(),
                        kind,
                        mtime: f.meta.mtime(),
                        data: None,
                    },
                );
            }
        }
    }
}

/// Creates the directories of `path` in `upper` that it lacks, copying
/// mode, owner and mtime from the image below when it has them (else 0755
/// with `owner`, default root).
pub(super) fn ensure_dirs(
    upper: &Path,
    lower: &LayeredFs,
    path: &str,
    owner: Option<(u32, u32)>,
) -> std::result::Result<(), String> {
    let mut cur = String::new();
    for c in path.split('/').filter(|c| !c.is_empty()) {
        cur.push('/');
        cur.push_str(c);
        let at = upper.join(cur.trim_start_matches('/'));
        if at.symlink_metadata().is_ok() {
            continue;
        }
        std::fs::create_dir(&at).map_err(|e| format!("{}: {e}", at.display()))?;
        let (mode, uid, gid, mtime) = match lower.lookup(&cur) {
            Some(f) if f.meta.is_dir() => (f.meta.mode() & 0o7777, f.meta.uid(), f.meta.gid(), Some(f.meta.mtime())),
            _ => {
                let (u, g) = owner.unwrap_or((0, 0));
                (0o755, u, g, None)
            }
        };
        std::fs::set_permissions(&at, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("{}: {e}", at.display()))?;
        std::os::unix::fs::lchown(&at, Some(uid), Some(gid)).map_err(|e| format!("{}: {e}", at.display()))?;
        if let Some(t) = mtime {
            let _ = set_mtime(&at, t);
        }
    }
    Ok(())
}

fn set_mtime(p: &Path, t: i64) -> std::io::Result<()> {
    use nix::sys::stat::{UtimensatFlags, utimensat};
    let ts = nix::sys::time::TimeSpec::new(t, 0);
    utimensat(nix::fcntl::AT_FDCWD, p, &ts, &ts, UtimensatFlags::NoFollowSymlink).map_err(std::io::Error::from)
}

/// Writes one planned item into the layer directory.
fn place(upper: &Path, it: &Item, owner: (u32, u32), chmod: Option<&Chmod>) -> std::result::Result<(), String> {
    let at = upper.join(it.dest.trim_start_matches('/'));
    let e = |x: std::io::Error| format!("{}: {x}", at.display());
    if let Ok(m) = at.symlink_metadata()
        && !(m.is_dir() && it.kind == ItemKind::Dir)
    {
        if m.is_dir() {
            std::fs::remove_dir_all(&at).map_err(e)?;
        } else {
            std::fs::remove_file(&at).map_err(e)?;
        }
    }
    match it.kind {
        ItemKind::Dir => {
            if at.symlink_metadata().is_err() {
                std::fs::create_dir(&at).map_err(e)?;
            }
        }
        ItemKind::Symlink => {
            let t = std::fs::read_link(it.src.as_ref().expect("src")).map_err(e)?;
            std::os::unix::fs::symlink(t, &at).map_err(e)?;
            std::os::unix::fs::lchown(&at, Some(owner.0), Some(owner.1)).map_err(e)?;
            return Ok(());
        }
        ItemKind::File => match (&it.data, &it.src) {
            (Some(d), _) => std::fs::write(&at, d).map_err(e)?,
            (None, Some(s)) => {
                std::fs::copy(s, &at).map_err(e)?;
            }
            _ => {}
        },
        ItemKind::Archive => {
            let src = it.src.as_ref().expect("src");
            std::fs::create_dir_all(&at).ok();
            let dir = at.parent().expect("parent").to_path_buf();
            // The archive is extracted into the destination directory, not
            // stored under its name.
            let _ = std::fs::remove_dir(&at);
            let f = std::fs::File::open(src).map_err(e)?;
            let label = format!("ADD {}", src.display());
            let r: std::result::Result<_, String> = match archive_kind(src) {
                Some("gzip") => crate::image::unpack::unpack(flate2::read::GzDecoder::new(f), &dir, &label)
                    .map_err(|x| x.to_string()),
                Some("tar") => crate::image::unpack::unpack(f, &dir, &label).map_err(|x| x.to_string()),
                Some("bzip2") => crate::image::unpack::unpack(
                    bzip2::read::MultiBzDecoder::new(std::io::BufReader::new(f)),
                    &dir,
                    &label,
                )
                .map_err(|x| x.to_string()),
                Some("xz") => {
                    // lzma-rs decodes xz into a writer: the tar goes to a
                    // scratch file beside the layer, then is unpacked.
                    let tmp = upper.with_file_name(format!("xz-{}", crate::util::random_hex(6)));
                    let r = (|| {
                        let mut out = std::fs::File::create(&tmp).map_err(|x| format!("{}: {x}", tmp.display()))?;
                        lzma_rs::xz_decompress(&mut std::io::BufReader::new(f), &mut out)
                            .map_err(|x| format!("{label}: xz: {x:?}"))?;
                        let t = std::fs::File::open(&tmp).map_err(|x| format!("{}: {x}", tmp.display()))?;
                        crate::image::unpack::unpack(std::io::BufReader::new(t), &dir, &label)
                            .map_err(|x| x.to_string())
                    })();
                    let _ = std::fs::remove_file(&tmp);
                    r
                }
                Some(k) => Err(format!("{label}: {k} archives are not supported")),
                None => Err(format!("{label}: not an archive")),
            };
            r?;
            return Ok(());
        }
    }
    let perm = match chmod {
        Some(m) => m.apply(it.meta_mode & 0o7777, it.kind == ItemKind::Dir),
        None => it.meta_mode & 0o7777,
    };
    std::fs::set_permissions(&at, std::fs::Permissions::from_mode(perm)).map_err(e)?;
    std::os::unix::fs::lchown(&at, Some(owner.0), Some(owner.1)).map_err(e)?;
    if it.mtime > 0 {
        let _ = set_mtime(&at, it.mtime);
    }
    Ok(())
}

/// `--chmod`: octal (`0755`) or symbolic (`u=rwx,g+x,o-w`, `+x`, `a=rX`).
#[derive(Debug, Clone, PartialEq)]
enum Chmod {
    Octal(u32),
    Symbolic(Vec<(u32, char, u32, bool)>),
}

impl Chmod {
    /// Parses the flag's value; errors quote it as BuildKit does.
    fn parse(s: &str) -> std::result::Result<Chmod, String> {
        let bad = || format!("invalid chmod parameter {s:?}");
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            let m = u32::from_str_radix(s, 8).map_err(|_| bad())?;
            return if m <= 0o7777 { Ok(Chmod::Octal(m)) } else { Err(bad()) };
        }
        // Each clause: who ([ugoa]*), then one or more op ([+-=]) + perms ([rwxXst]*).
        let mut out = Vec::new();
        for clause in s.split(',') {
            let mut chars = clause.chars().peekable();
            let mut who = 0u32;
            while let Some(&c) = chars.peek() {
                who |= match c {
                    'u' => 0o4700,
                    'g' => 0o2070,
                    'o' => 0o1007,
                    'a' => 0o7777,
                    _ => break,
                };
                chars.next();
            }
            let mut any = false;
            while let Some(op) = chars.next() {
                if !matches!(op, '+' | '-' | '=') {
                    return Err(bad());
                }
                let mut perms = 0u32;
                let mut cap_x = false;
                while let Some(&c) = chars.peek() {
                    match c {
                        'r' => perms |= 0o444,
                        'w' => perms |= 0o222,
                        'x' => perms |= 0o111,
                        'X' => cap_x = true,
                        's' => perms |= 0o6000,
                        't' => perms |= 0o1000,
                        _ => break,
                    }
                    chars.next();
                }
                out.push((who, op, perms, cap_x));
                any = true;
            }
            if !any {
                return Err(bad());
            }
        }
        Ok(Chmod::Symbolic(out))
    }

    /// The new permission bits of a file with `mode` (`is_dir` for `X`).
    /// Without a who, symbolic clauses apply to all (umask is not applied).
    fn apply(&self, mode: u32, is_dir: bool) -> u32 {
        match self {
            Chmod::Octal(m) => *m,
            Chmod::Symbolic(clauses) => {
                let mut m = mode & 0o7777;
                for &(who, op, perms, cap_x) in clauses {
                    let who = if who == 0 { 0o7777 } else { who };
                    let mut p = perms;
                    if cap_x && (is_dir || m & 0o111 != 0) {
                        p |= 0o111;
                    }
                    let p = p & who;
                    m = match op {
                        '+' => m | p,
                        '-' => m & !p,
                        _ => (m & !who) | p,
                    };
                }
                m
            }
        }
    }
}

/// A scratch directory removed (with its content) when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(parent: &Path, prefix: &str) -> std::result::Result<TempDir, String> {
        // `<prefix>-<pid>-<random>`: `Store::clean_tmp` removes it once this process is gone.
        let p = parent.join(format!("{prefix}-{}-{}", std::process::id(), crate::util::random_hex(8)));
        std::fs::create_dir_all(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A file ADD downloaded.
struct Fetched {
    /// Where it was saved.
    path: PathBuf,
    /// Its name: the last segment of the URL's path.
    name: String,
    /// Hex SHA-256 of its content.
    sha256: String,
    /// The server's Last-Modified (seconds since the epoch), else 0.
    mtime: i64,
}

/// Threads of this process (`/proc/self/stat` field 20); 1 when unknown.
fn thread_count() -> usize {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after.split_whitespace().nth(17).and_then(|n| n.parse().ok()).unwrap_or(1)
}

/// Downloads `url` into `dir` (ADD of a URL), hashing it on the way. The
/// HTTP client runs its own threads; they are joined before this returns
/// (docs/ARCHITECTURE.md hazard 1: later RUN steps fork), else it fails.
fn download(url: &str, dir: &Path) -> std::result::Result<Fetched, String> {
    let threads_before = thread_count();
    let name = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .splitn(4, '/')
        .nth(3)
        .and_then(|p| p.rsplit('/').find(|s| !s.is_empty()))
        .map(String::from)
        .ok_or_else(|| format!("cannot determine a file name from URL {url}"))?;
    let path = dir.join(format!("{}-{}", crate::util::random_hex(4), name));
    let (sha256, mtime) = {
        let client = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(600))
            .build()
            .map_err(|e| format!("{url}: {e}"))?;
        let mut resp = client.get(url).send().map_err(|e| format!("{url}: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("failed to GET {url} with status {}", resp.status()));
        }
        let mtime = resp
            .headers()
            .get(reqwest::header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
            .map_or(0, |d| d.timestamp());
        let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut w = Sha256Writer::new(std::io::BufWriter::new(file));
        std::io::copy(&mut resp, &mut w).map_err(|e| format!("{url}: {e}"))?;
        let (digest, _, mut inner) = w.finish();
        inner.flush().map_err(|e| format!("{}: {e}", path.display()))?;
        (digest.hex().to_string(), mtime)
    };
    // Dropping the client joins its runtime thread; give the runtime's
    // blocking workers (name resolution) a moment to exit too.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while thread_count() > threads_before.max(1) {
        if std::time::Instant::now() > deadline {
            return Err(format!("{url}: the HTTP client's threads did not exit"));
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    Ok(Fetched { path, name, sha256, mtime })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chmod_octal_and_symbolic() {
        assert_eq!(Chmod::parse("755").unwrap().apply(0o600, false), 0o755);
        assert_eq!(Chmod::parse("+x").unwrap().apply(0o644, false), 0o755);
        assert_eq!(Chmod::parse("u=rwx,g=rx,o=").unwrap().apply(0o666, false), 0o750);
        assert_eq!(Chmod::parse("go-w").unwrap().apply(0o666, false), 0o644);
        assert_eq!(Chmod::parse("a=rX").unwrap().apply(0o700, true), 0o555);
        assert_eq!(Chmod::parse("a=rX").unwrap().apply(0o600, false), 0o444);
        assert_eq!(Chmod::parse("u+s").unwrap().apply(0o755, false), 0o4755);
        assert!(Chmod::parse("u*x").is_err());
        assert!(Chmod::parse("99999").is_err());
    }
}
