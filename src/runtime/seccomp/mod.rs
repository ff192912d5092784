//! Seccomp (runtime-spec config-linux.md "Seccomp"): docker's profile format
//! turned into the spec's `linux.seccomp` ([`from_docker_profile`], with
//! the profile's conditions on capabilities, architecture and kernel
//! version), and the spec's filter compiled to classic BPF by rcon itself
//! (no libseccomp) and installed in the init.
//!
//! The compiled program: dispatch on the architecture and ABI (on x86-64
//! hosts: x86-64; x32 when the number has `__X32_SYSCALL_BIT`; i386 for
//! `AUDIT_ARCH_I386`, i.e. 32-bit processes and `int $0x80`. On aarch64
//! hosts: aarch64, and arm for 32-bit processes. On arm hosts: arm. The
//! compat ABIs only when the filter's architectures list them, as docker's
//! `archMap` does; anything else gets the default action), then per ABI a
//! binary search over the syscall number's ranges, each leaf returning an
//! action or running the argument checks of that syscall's rules in order.
//! Arguments are compared as 64-bit values (two 32-bit loads) on x86-64,
//! x32 and aarch64, and as their low 32 bits on i386 and arm, as libseccomp
//! does. The tables of system call numbers come from the kernel's headers
//! (`x86_64.rs`, `x86_sub.rs`, `aarch64.rs`, `arm.rs`). Compiled programs can be
//! cached on disk, keyed by a hash of the compiler's format version and the
//! filter ([`load`]).

// Every table is built on every host: the compiler is the same code for
// each architecture, and the tests run it for all of them.
mod aarch64;
mod arm;
mod x86_64;
mod x86_sub;

use super::Error;
use oci_spec::runtime::{Arch, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompOperator, LinuxSyscall};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Docker's default seccomp profile (moby/profiles, `default.json`).
pub const DOCKER_DEFAULT_PROFILE: &str = include_str!("default.json");

/// One BPF instruction (`struct sock_filter`).
pub use crate::sys::SockFilter;

// BPF opcodes (linux/bpf_common.h).
const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGT_K: u16 = 0x25;
const JGE_K: u16 = 0x35;
const JA: u16 = 0x05;
const AND_K: u16 = 0x54; // BPF_ALU | BPF_AND | BPF_K
const RET_K: u16 = 0x06;

// struct seccomp_data offsets.
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const OFF_ARGS: u32 = 16;

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const AUDIT_ARCH_I386: u32 = 0x4000_0003;
const AUDIT_ARCH_AARCH64: u32 = 0xc000_00b7;
const AUDIT_ARCH_ARM: u32 = 0x4000_0028;
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

// Return values (linux/seccomp.h).
const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_KILL_THREAD: u32 = 0;
const RET_TRAP: u32 = 0x0003_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_TRACE: u32 = 0x7ff0_0000;
const RET_LOG: u32 = 0x7ffc_0000;
const RET_ALLOW: u32 = 0x7fff_0000;

/// The number of `name` for this machine's native ABI, if it has it.
#[cfg(test)]
fn syscall_number(name: &str) -> Option<u32> {
    Abi::native().and_then(|abi| abi.number(name))
}

fn ret_value(action: LinuxSeccompAction, errno: Option<u32>) -> Result<u32, Error> {
    Ok(match action {
        LinuxSeccompAction::ScmpActAllow => RET_ALLOW,
        LinuxSeccompAction::ScmpActErrno => RET_ERRNO | (errno.unwrap_or(libc::EPERM as u32) & 0xffff),
        LinuxSeccompAction::ScmpActKill | LinuxSeccompAction::ScmpActKillThread => RET_KILL_THREAD,
        LinuxSeccompAction::ScmpActKillProcess => RET_KILL_PROCESS,
        LinuxSeccompAction::ScmpActTrap => RET_TRAP,
        LinuxSeccompAction::ScmpActTrace => RET_TRACE | (errno.unwrap_or(0) & 0xffff),
        LinuxSeccompAction::ScmpActLog => RET_LOG,
        LinuxSeccompAction::ScmpActNotify => {
            return Err(Error::Seccomp("SCMP_ACT_NOTIFY is not supported".into()));
        }
    })
}

/// An instruction with symbolic jump targets, before layout.
#[derive(Debug, Clone)]
enum Ins {
    /// A plain instruction.
    Op(SockFilter),
    /// `if (A <op> k) == when goto label` (else fall through).
    Jmp { op: u16, k: u32, when: bool, to: usize },
    /// `goto label`.
    Goto(usize),
    /// A label's position.
    Label(usize),
}

struct Asm {
    ins: Vec<Ins>,
    labels: usize,
}

impl Asm {
    fn label(&mut self) -> usize {
        self.labels += 1;
        self.labels - 1
    }
    fn op(&mut self, code: u16, k: u32) {
        self.ins.push(Ins::Op(SockFilter { code, jt: 0, jf: 0, k }));
    }
    fn jmp(&mut self, op: u16, k: u32, when: bool, to: usize) {
        self.ins.push(Ins::Jmp { op, k, when, to });
    }
    fn place(&mut self, l: usize) {
        self.ins.push(Ins::Label(l));
    }

    /// Lays the program out: conditional jumps reach 255 instructions, so
    /// farther ones become a short jump over a `JA` (repeated until stable).
    fn finish(self) -> Result<Vec<SockFilter>, Error> {
        let mut long = vec![false; self.ins.len()];
        loop {
            // Positions of instructions and labels.
            let mut pos = Vec::with_capacity(self.ins.len());
            let mut label_pos = vec![0usize; self.labels];
            let mut pc = 0usize;
            for (i, ins) in self.ins.iter().enumerate() {
                pos.push(pc);
                match ins {
                    Ins::Label(l) => label_pos[*l] = pc,
                    Ins::Jmp { .. } if long[i] => pc += 2,
                    _ => pc += 1,
                }
            }
            let mut changed = false;
            for (i, ins) in self.ins.iter().enumerate() {
                if let Ins::Jmp { to, .. } = ins
                    && !long[i]
                    && label_pos[*to] - pos[i] - 1 > 255
                {
                    long[i] = true;
                    changed = true;
                }
            }
            if changed {
                continue;
            }
            let mut out = Vec::with_capacity(pc);
            for (i, ins) in self.ins.iter().enumerate() {
                match *ins {
                    Ins::Label(_) => {}
                    Ins::Op(f) => out.push(f),
                    Ins::Goto(to) => {
                        out.push(SockFilter { code: JA, jt: 0, jf: 0, k: (label_pos[to] - pos[i] - 1) as u32 })
                    }
                    Ins::Jmp { op, k, when, to } if !long[i] => {
                        let off = (label_pos[to] - pos[i] - 1) as u8;
                        let (jt, jf) = if when { (off, 0) } else { (0, off) };
                        out.push(SockFilter { code: op, jt, jf, k });
                    }
                    Ins::Jmp { op, k, when, to } => {
                        // Condition met: fall into the JA; else skip it.
                        let (jt, jf) = if when { (0, 1) } else { (1, 0) };
                        out.push(SockFilter { code: op, jt, jf, k });
                        out.push(SockFilter { code: JA, jt: 0, jf: 0, k: (label_pos[to] - pos[i] - 2) as u32 });
                    }
                }
            }
            if out.len() > 4096 {
                return Err(Error::Seccomp(format!("the filter has {} instructions (max 4096)", out.len())));
            }
            return Ok(out);
        }
    }
}

/// Argument conditions (all must hold) and the return value when they do.
type Rule = (Vec<LinuxSeccompArg>, u32);

/// What a syscall number maps to.
#[derive(Debug, Clone, PartialEq)]
enum Leaf {
    Ret(u32),
    /// Rules with argument conditions, in order, then a fallback return.
    Rules(Vec<Rule>, u32),
}

/// Emits the checks of `arg`; jumps to `fail` when it does not hold.
/// `wide`: compare all 64 bits (x86-64, x32); else only the low 32 bits,
/// the whole argument on a 32-bit ABI (as libseccomp does on i386).
fn emit_arg(a: &mut Asm, arg: &LinuxSeccompArg, wide: bool, fail: usize) -> Result<(), Error> {
    if arg.index() > 5 {
        return Err(Error::Seccomp(format!("argument index {} out of range", arg.index())));
    }
    let lo_off = OFF_ARGS + 8 * arg.index() as u32;
    let hi_off = lo_off + 4;
    let v = arg.value();
    let (vhi, vlo) = ((v >> 32) as u32, v as u32);
    let ok = a.label();
    use LinuxSeccompOperator::*;
    match arg.op() {
        ScmpCmpEq => {
            if wide {
                a.op(LD_W_ABS, hi_off);
                a.jmp(JEQ_K, vhi, false, fail);
            }
            a.op(LD_W_ABS, lo_off);
            a.jmp(JEQ_K, vlo, false, fail);
        }
        ScmpCmpNe => {
            if wide {
                a.op(LD_W_ABS, hi_off);
                a.jmp(JEQ_K, vhi, false, ok);
            }
            a.op(LD_W_ABS, lo_off);
            a.jmp(JEQ_K, vlo, true, fail);
        }
        ScmpCmpGt | ScmpCmpGe => {
            if wide {
                a.op(LD_W_ABS, hi_off);
                a.jmp(JGT_K, vhi, true, ok);
                a.jmp(JEQ_K, vhi, false, fail);
            }
            a.op(LD_W_ABS, lo_off);
            a.jmp(if arg.op() == ScmpCmpGt { JGT_K } else { JGE_K }, vlo, false, fail);
        }
        ScmpCmpLt | ScmpCmpLe => {
            if wide {
                a.op(LD_W_ABS, hi_off);
                a.jmp(JGE_K, vhi, false, ok);
                a.jmp(JEQ_K, vhi, false, fail);
            }
            a.op(LD_W_ABS, lo_off);
            if arg.op() == ScmpCmpLt {
                a.jmp(JGE_K, vlo, true, fail);
            } else {
                a.jmp(JGT_K, vlo, true, fail);
            }
        }
        ScmpCmpMaskedEq => {
            let want = arg.value_two().unwrap_or(0);
            if wide {
                a.op(LD_W_ABS, hi_off);
                a.op(AND_K, vhi);
                a.jmp(JEQ_K, (want >> 32) as u32, false, fail);
            }
            a.op(LD_W_ABS, lo_off);
            a.op(AND_K, vlo);
            a.jmp(JEQ_K, want as u32, false, fail);
        }
    }
    a.place(ok);
    Ok(())
}

/// The system call ABIs a filter can cover: a native one per host
/// architecture, and the compat ABIs docker's `archMap` lists beside it
/// (SCMP_ARCH_X86_64 with SCMP_ARCH_X86 and SCMP_ARCH_X32; SCMP_ARCH_AARCH64
/// with SCMP_ARCH_ARM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Abi {
    /// Native 64-bit calls (AUDIT_ARCH_X86_64, number below 0x40000000).
    X86_64,
    /// x32 (AUDIT_ARCH_X86_64, number with `__X32_SYSCALL_BIT`).
    X32,
    /// 32-bit calls (`int $0x80`, 32-bit processes: AUDIT_ARCH_I386).
    I386,
    /// arm64 (AUDIT_ARCH_AARCH64).
    Aarch64,
    /// 32-bit arm EABI, native or a 32-bit process on arm64 (AUDIT_ARCH_ARM).
    Arm,
}

impl Abi {
    /// The native ABI of the machine rcon was built for; `None` for an
    /// architecture without a system call table here.
    fn native() -> Option<Abi> {
        match std::env::consts::ARCH {
            "x86_64" => Some(Abi::X86_64),
            "aarch64" => Some(Abi::Aarch64),
            "arm" => Some(Abi::Arm),
            _ => None,
        }
    }

    /// `seccomp_data.arch` for this ABI.
    fn audit_arch(self) -> u32 {
        match self {
            Abi::X86_64 | Abi::X32 => AUDIT_ARCH_X86_64,
            Abi::I386 => AUDIT_ARCH_I386,
            Abi::Aarch64 => AUDIT_ARCH_AARCH64,
            Abi::Arm => AUDIT_ARCH_ARM,
        }
    }

    /// The profile's name of this ABI (its `architectures` entries).
    fn arch(self) -> Arch {
        match self {
            Abi::X86_64 => Arch::ScmpArchX86_64,
            Abi::X32 => Arch::ScmpArchX32,
            Abi::I386 => Arch::ScmpArchX86,
            Abi::Aarch64 => Arch::ScmpArchAarch64,
            Abi::Arm => Arch::ScmpArchArm,
        }
    }

    /// The 32-bit compat ABI a native ABI's filter may also cover (on
    /// x86-64, x32 is handled apart: it shares the native `arch`).
    fn compat(self) -> Option<Abi> {
        match self {
            Abi::X86_64 => Some(Abi::I386),
            Abi::Aarch64 => Some(Abi::Arm),
            _ => None,
        }
    }

    /// Whether system call arguments are 64 bits wide (else their low 32
    /// bits are compared, as libseccomp does).
    fn wide(self) -> bool {
        matches!(self, Abi::X86_64 | Abi::X32 | Abi::Aarch64)
    }

    /// The number `seccomp_data.nr` carries for `name`, if this ABI has it.
    fn number(self, name: &str) -> Option<u32> {
        let find = |t: &[(&str, u32)]| t.iter().find(|(n, _)| *n == name).map(|&(_, nr)| nr);
        match self {
            Abi::X86_64 => find(x86_64::SYSCALLS),
            Abi::X32 => find(x86_sub::SYSCALLS_X32).map(|nr| nr | X32_SYSCALL_BIT),
            Abi::I386 => find(x86_sub::SYSCALLS_I386),
            Abi::Aarch64 => find(aarch64::SYSCALLS),
            Abi::Arm => find(arm::SYSCALLS),
        }
    }
}

/// Emits the decision for one ABI, the syscall number being in A: a binary
/// search over the number's ranges, each leaf returning an action or
/// running the argument checks of that syscall's rules in order.
fn emit_abi(a: &mut Asm, s: &LinuxSeccomp, abi: Abi, default: u32) -> Result<(), Error> {
    // Per syscall number: unconditional action (first wins) or conditional rules.
    let mut per_nr: BTreeMap<u32, (Option<u32>, Vec<Rule>)> = BTreeMap::new();
    for rule in s.syscalls().iter().flatten() {
        let ret = ret_value(rule.action(), rule.errno_ret())?;
        let args = rule.args().clone().unwrap_or_default();
        for name in rule.names() {
            let Some(nr) = abi.number(name) else { continue };
            let e = per_nr.entry(nr).or_default();
            if args.is_empty() {
                e.0.get_or_insert(ret);
            } else {
                e.1.push((args.clone(), ret));
            }
        }
    }
    // Intervals [start, next start) with their leaf; gaps are the default.
    let mut intervals: Vec<(u32, Leaf)> = Vec::new();
    let mut push = |start: u32, leaf: Leaf| {
        if intervals.last().is_some_and(|(s, _)| *s == start) {
            intervals.pop();
        }
        if intervals.last().is_none_or(|(_, l)| *l != leaf) {
            intervals.push((start, leaf));
        }
    };
    push(0, Leaf::Ret(default));
    for (&nr, (plain, conds)) in &per_nr {
        let leaf = match plain {
            Some(r) if conds.is_empty() || *r == RET_ALLOW => Leaf::Ret(*r),
            p => Leaf::Rules(conds.clone(), p.unwrap_or(default)),
        };
        push(nr, leaf);
        push(nr + 1, Leaf::Ret(default));
    }
    let leaf_labels: Vec<usize> = intervals.iter().map(|_| a.label()).collect();
    emit_tree(a, &intervals, &leaf_labels, 0, intervals.len());
    let wide = abi.wide();
    for (i, (_, leaf)) in intervals.iter().enumerate() {
        a.place(leaf_labels[i]);
        match leaf {
            Leaf::Ret(r) => a.op(RET_K, *r),
            Leaf::Rules(rules, fallback) => {
                for (args, ret) in rules {
                    let next = a.label();
                    for arg in args {
                        emit_arg(a, arg, wide, next)?;
                    }
                    a.op(RET_K, *ret);
                    a.place(next);
                }
                a.op(RET_K, *fallback);
            }
        }
    }
    Ok(())
}

/// Compiles the spec's filter to BPF for this machine's architecture
/// (x86-64, aarch64 or arm). Errors on other architectures (no system call
/// table: run such containers with `--security-opt seccomp=unconfined`),
/// and see [`compile_for`].
pub fn compile(s: &LinuxSeccomp) -> Result<Vec<SockFilter>, Error> {
    let native = Abi::native().ok_or_else(|| {
        Error::Seccomp(format!(
            "no system call table for {}: use --security-opt seccomp=unconfined",
            std::env::consts::ARCH
        ))
    })?;
    compile_for(s, native)
}

/// Compiles the spec's filter to BPF for the native ABI `native` always,
/// plus its compat ABI (i386 `SCMP_ARCH_X86` on x86-64, arm `SCMP_ARCH_ARM`
/// on aarch64) and x32 (`SCMP_ARCH_X32`) when `architectures` lists them
/// (docker's default profile does). Every rule applies to each of these
/// ABIs that has the syscall's name; names an ABI does not have are skipped
/// (as libseccomp does). Other architectures, and ABIs the filter does not
/// cover, get the default action. Errors: `SCMP_ACT_NOTIFY`, an argument
/// index above 5, a program over 4096 instructions.
fn compile_for(s: &LinuxSeccomp, native: Abi) -> Result<Vec<SockFilter>, Error> {
    let default = ret_value(s.default_action(), s.default_errno_ret())?;
    let arches = s.architectures().clone().unwrap_or_default();
    let x32 = native == Abi::X86_64 && arches.contains(&Arch::ScmpArchX32);
    let compat = native.compat().filter(|c| arches.contains(&c.arch()));
    let mut a = Asm { ins: Vec::new(), labels: 0 };
    let deny = a.label();
    let not_native = a.label();
    let x32_label = a.label();
    a.op(LD_W_ABS, OFF_ARCH);
    a.jmp(JEQ_K, native.audit_arch(), false, not_native);
    a.op(LD_W_ABS, OFF_NR);
    if native == Abi::X86_64 {
        a.jmp(JGE_K, X32_SYSCALL_BIT, true, if x32 { x32_label } else { deny });
    }
    emit_abi(&mut a, s, native, default)?;
    if x32 {
        a.place(x32_label);
        emit_abi(&mut a, s, Abi::X32, default)?;
    }
    a.place(not_native);
    if let Some(compat) = compat {
        a.jmp(JEQ_K, compat.audit_arch(), false, deny);
        a.op(LD_W_ABS, OFF_NR);
        emit_abi(&mut a, s, compat, default)?;
    }
    a.place(deny);
    a.op(RET_K, default);
    a.finish()
}

/// Binary search over `intervals[lo..hi]` on the syscall number (in A).
fn emit_tree(a: &mut Asm, intervals: &[(u32, Leaf)], labels: &[usize], lo: usize, hi: usize) {
    if hi - lo == 1 {
        a.ins.push(Ins::Goto(labels[lo]));
        return;
    }
    let mid = (lo + hi) / 2;
    let right = a.label();
    a.jmp(JGE_K, intervals[mid].0, true, right);
    emit_tree(a, intervals, labels, lo, mid);
    a.place(right);
    emit_tree(a, intervals, labels, mid, hi);
}

/// Bumped whenever the compiler's output for the same filter changes, so
/// programs cached by an older rcon are not reused (2: i386 and x32; 3:
/// aarch64 and arm, which version 2 compiled to "deny everything").
const CACHE_FORMAT: &[u8] = b"rcon-seccomp-bpf-v3\0";

/// The compiled filter for `s`, from `cache_dir` when it was compiled
/// before (file `seccomp-<sha256 of CACHE_FORMAT and the filter's JSON>.bpf`), else compiled
/// and stored there (best effort, atomically).
pub fn load(s: &LinuxSeccomp, cache_dir: Option<&Path>) -> Result<Vec<SockFilter>, Error> {
    let Some(dir) = cache_dir else { return compile(s) };
    use sha2::Digest;
    let json = serde_json::to_vec(s).map_err(|e| Error::Seccomp(e.to_string()))?;
    let mut h = sha2::Sha256::new();
    h.update(CACHE_FORMAT);
    h.update(&json);
    let key = hex::encode(h.finalize());
    let path = dir.join(format!("seccomp-{}.bpf", &key[..32]));
    if let Ok(data) = std::fs::read(&path)
        && data.len() % 8 == 0
        && !data.is_empty()
    {
        return Ok(data
            .chunks_exact(8)
            .map(|c| SockFilter {
                code: u16::from_ne_bytes([c[0], c[1]]),
                jt: c[2],
                jf: c[3],
                k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
            })
            .collect());
    }
    let prog = compile(s)?;
    let mut data = Vec::with_capacity(prog.len() * 8);
    for f in &prog {
        data.extend_from_slice(&f.code.to_ne_bytes());
        data.extend_from_slice(&[f.jt, f.jf]);
        data.extend_from_slice(&f.k.to_ne_bytes());
    }
    let _ = std::fs::create_dir_all(dir);
    // A cache: a failed write only costs a compile next time.
    let _ = crate::util::write_atomic(&path, &data, 0o666, false);
    Ok(prog)
}

/// Installs `prog` for the calling thread (`seccomp(SECCOMP_SET_MODE_FILTER)`).
/// Needs `no_new_privs` or `CAP_SYS_ADMIN`.
pub(crate) fn install(prog: &[SockFilter]) -> Result<(), nix::errno::Errno> {
    crate::sys::seccomp_set_mode_filter(prog)
}

/// Docker's profile format (moby `types.Seccomp`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    default_action: LinuxSeccompAction,
    #[serde(default)]
    default_errno_ret: Option<u32>,
    #[serde(default)]
    arch_map: Option<Vec<ArchMap>>,
    #[serde(default)]
    architectures: Option<Vec<Arch>>,
    #[serde(default)]
    syscalls: Vec<ProfileSyscall>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArchMap {
    architecture: Arch,
    #[serde(default)]
    sub_architectures: Option<Vec<Arch>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileSyscall {
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    name: Option<String>,
    action: LinuxSeccompAction,
    #[serde(default)]
    errno_ret: Option<u32>,
    #[serde(default)]
    args: Option<Vec<LinuxSeccompArg>>,
    #[serde(default)]
    includes: Filter,
    #[serde(default)]
    excludes: Filter,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Filter {
    #[serde(default)]
    arches: Vec<String>,
    #[serde(default)]
    caps: Vec<String>,
    #[serde(default)]
    min_kernel: Option<String>,
}

/// `"6.18"` → (6, 18).
fn kernel_version(s: &str) -> (u32, u32) {
    let mut it = s.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).map(|p| p.parse().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

/// The running kernel's (major, minor).
pub fn running_kernel() -> (u32, u32) {
    nix::sys::utsname::uname().map(|u| kernel_version(&u.release().to_string_lossy())).unwrap_or((0, 0))
}

/// Turns a docker seccomp profile (JSON) into the spec's `linux.seccomp`
/// as docker does (moby `profiles/seccomp`): keeps the rules whose
/// `includes` hold and whose `excludes` do not, for the capabilities `caps`
/// the container gets (names like `CAP_SYS_ADMIN`), the architecture `arch`
/// (Go's names: `amd64`, `arm64`) and the kernel version. Errors: JSON that
/// is not a docker profile.
pub fn from_docker_profile(
    json: &str,
    caps: &[String],
    arch: &str,
    kernel: (u32, u32),
) -> Result<LinuxSeccomp, String> {
    let p: Profile = serde_json::from_str(json).map_err(|e| format!("invalid seccomp profile: {e}"))?;
    let native = match arch {
        "amd64" => Arch::ScmpArchX86_64,
        "arm64" => Arch::ScmpArchAarch64,
        "arm" => Arch::ScmpArchArm,
        _ => Arch::ScmpArchNative,
    };
    let mut arches = Vec::new();
    for m in p.arch_map.iter().flatten().filter(|m| m.architecture == native) {
        arches.push(m.architecture);
        arches.extend(m.sub_architectures.iter().flatten().copied());
    }
    if arches.is_empty() {
        arches = p.architectures.clone().unwrap_or_default();
    }
    let has_cap = |c: &String| caps.iter().any(|x| x.eq_ignore_ascii_case(c));
    let kernel_at_least = |v: &Option<String>| v.as_ref().is_none_or(|v| kernel >= kernel_version(v));
    let mut syscalls = Vec::new();
    for s in p.syscalls {
        let inc = &s.includes;
        if !inc.arches.is_empty() && !inc.arches.iter().any(|a| a == arch) {
            continue;
        }
        if !inc.caps.iter().all(has_cap) || !kernel_at_least(&inc.min_kernel) {
            continue;
        }
        let exc = &s.excludes;
        if exc.arches.iter().any(|a| a == arch) || exc.caps.iter().any(has_cap) {
            continue;
        }
        if exc.min_kernel.is_some() && kernel_at_least(&exc.min_kernel) {
            continue;
        }
        let mut names = s.names;
        names.extend(s.name);
        let mut sc = LinuxSyscall::default();
        sc.set_names(names);
        sc.set_action(s.action);
        sc.set_errno_ret(s.errno_ret);
        sc.set_args(s.args);
        syscalls.push(sc);
    }
    let mut out = LinuxSeccomp::default();
    out.set_default_action(p.default_action);
    out.set_default_errno_ret(p.default_errno_ret);
    out.set_architectures(Some(arches));
    out.set_syscalls(Some(syscalls));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the BPF program on (nr, arch, args) as the kernel would.
    fn eval(prog: &[SockFilter], nr: u32, arch: u32, args: [u64; 6]) -> u32 {
        let mut data = [0u8; 64];
        data[0..4].copy_from_slice(&nr.to_ne_bytes());
        data[4..8].copy_from_slice(&arch.to_ne_bytes());
        for (i, a) in args.iter().enumerate() {
            data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_ne_bytes());
        }
        let (mut acc, mut pc) = (0u32, 0usize);
        loop {
            let f = prog[pc];
            pc += 1;
            match f.code {
                LD_W_ABS => acc = u32::from_ne_bytes(data[f.k as usize..f.k as usize + 4].try_into().unwrap()),
                AND_K => acc &= f.k,
                JA => pc += f.k as usize,
                RET_K => return f.k,
                JEQ_K | JGT_K | JGE_K => {
                    let c = match f.code {
                        JEQ_K => acc == f.k,
                        JGT_K => acc > f.k,
                        _ => acc >= f.k,
                    };
                    pc += if c { f.jt } else { f.jf } as usize;
                }
                c => panic!("unknown opcode {c:#x}"),
            }
        }
    }

    fn default_profile(caps: &[&str]) -> LinuxSeccomp {
        let caps: Vec<String> = caps.iter().map(|s| s.to_string()).collect();
        from_docker_profile(DOCKER_DEFAULT_PROFILE, &caps, "amd64", (6, 18)).unwrap()
    }

    const EPERM: u32 = RET_ERRNO | 1;
    const X64: u32 = AUDIT_ARCH_X86_64;

    #[test]
    fn docker_default_profile_compiles_and_decides_like_docker() {
        let prog = compile(&default_profile(&["CAP_CHOWN", "CAP_KILL"])).unwrap();
        assert!(prog.len() < 1000, "{} instructions", prog.len());
        let nr = |n| syscall_number(n).unwrap();
        for n in ["read", "write", "execve", "exit_group", "capset", "prctl", "setresuid", "mmap", "futex_waitv"] {
            assert_eq!(eval(&prog, nr(n), X64, [0; 6]), RET_ALLOW, "{n}");
        }
        for n in ["mount", "unshare", "bpf", "kexec_load", "reboot", "setns", "umount2", "pivot_root", "init_module"] {
            assert_eq!(eval(&prog, nr(n), X64, [0; 6]), EPERM, "{n}");
        }
        // clone: allowed without namespace flags; clone3: ENOSYS without CAP_SYS_ADMIN.
        assert_eq!(eval(&prog, nr("clone"), X64, [libc::SIGCHLD as u64, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, nr("clone"), X64, [libc::CLONE_NEWNS as u64, 0, 0, 0, 0, 0]), EPERM);
        assert_eq!(eval(&prog, nr("clone3"), X64, [0; 6]), RET_ERRNO | 38);
        // socket: everything but AF_VSOCK (40).
        assert_eq!(eval(&prog, nr("socket"), X64, [2, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, nr("socket"), X64, [40, 0, 0, 0, 0, 0]), EPERM);
        assert_eq!(eval(&prog, nr("socket"), X64, [41, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, nr("socket"), X64, [1 << 32 | 40, 0, 0, 0, 0, 0]), RET_ALLOW);
        // personality: only the listed values.
        assert_eq!(eval(&prog, nr("personality"), X64, [8, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, nr("personality"), X64, [0xffff_ffff, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, nr("personality"), X64, [1, 0, 0, 0, 0, 0]), EPERM);
        // Unknown numbers and other architectures: the default.
        assert_eq!(eval(&prog, 5000, X64, [0; 6]), EPERM);
        assert_eq!(eval(&prog, 1, 0xc000_00b7 /* AUDIT_ARCH_AARCH64 */, [0; 6]), EPERM);
        assert_eq!(eval(&prog, 0xffff_ffff, X64, [0; 6]), EPERM);
    }

    const I386: u32 = AUDIT_ARCH_I386;

    #[test]
    fn i386_and_x32_follow_the_same_rules() {
        let prog = compile(&default_profile(&["CAP_CHOWN", "CAP_KILL"])).unwrap();
        assert!(prog.len() < 4096, "{} instructions", prog.len());
        let x32 = |n| X32_SYSCALL_BIT | n;
        // i386: getpid 20, read 3, socketcall 102, modify_ldt 123, mmap2 192,
        // exit_group 252 allowed; kexec_load 283, mount 21, unshare 310 not.
        for nr in [20, 3, 102, 123, 192, 252, 11] {
            assert_eq!(eval(&prog, nr, I386, [0; 6]), RET_ALLOW, "i386 {nr}");
        }
        for nr in [283, 21, 310, 5000] {
            assert_eq!(eval(&prog, nr, I386, [0; 6]), EPERM, "i386 {nr}");
        }
        // x32: read 0, getpid 39, the x32-only rt_sigaction 512 and execve 520
        // allowed; kexec_load 528 and mount 165 not.
        for nr in [0, 39, 512, 520] {
            assert_eq!(eval(&prog, x32(nr), X64, [0; 6]), RET_ALLOW, "x32 {nr}");
        }
        for nr in [528, 165, 5000] {
            assert_eq!(eval(&prog, x32(nr), X64, [0; 6]), EPERM, "x32 {nr}");
        }
        // x86-64 unchanged: 39 is getpid, 283 timerfd_create, 528 nothing.
        assert_eq!(eval(&prog, 39, X64, [0; 6]), RET_ALLOW);
        assert_eq!(eval(&prog, 283, X64, [0; 6]), RET_ALLOW);
        assert_eq!(eval(&prog, 528, X64, [0; 6]), EPERM);
        // Argument conditions: i386 clone is 120 and personality 136, compared
        // on 32 bits; x32 clone is 56.
        assert_eq!(eval(&prog, 120, I386, [libc::SIGCHLD as u64, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, 120, I386, [libc::CLONE_NEWNS as u64, 0, 0, 0, 0, 0]), EPERM);
        assert_eq!(eval(&prog, x32(56), X64, [libc::CLONE_NEWUSER as u64, 0, 0, 0, 0, 0]), EPERM);
        assert_eq!(eval(&prog, x32(56), X64, [libc::SIGCHLD as u64, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, 136, I386, [0xffff_ffff, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, 136, I386, [8, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, 136, I386, [1, 0, 0, 0, 0, 0]), EPERM);
        // i386 socket (359): AF_VSOCK refused.
        assert_eq!(eval(&prog, 359, I386, [2, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, 359, I386, [40, 0, 0, 0, 0, 0]), EPERM);
        // With CAP_SYS_ADMIN, the namespace calls open on every ABI.
        let admin = compile(&default_profile(&["CAP_SYS_ADMIN"])).unwrap();
        assert_eq!(eval(&admin, 21, I386, [0; 6]), RET_ALLOW);
        assert_eq!(eval(&admin, 310, I386, [0; 6]), RET_ALLOW);
        assert_eq!(eval(&admin, x32(165), X64, [0; 6]), RET_ALLOW);
    }

    const AARCH64: u32 = AUDIT_ARCH_AARCH64;
    const ARM: u32 = AUDIT_ARCH_ARM;

    #[test]
    fn aarch64_and_its_arm_compat_abi_decide_like_docker() {
        let caps: Vec<String> = ["CAP_CHOWN", "CAP_KILL"].iter().map(|s| s.to_string()).collect();
        let s = from_docker_profile(DOCKER_DEFAULT_PROFILE, &caps, "arm64", (6, 18)).unwrap();
        let prog = compile_for(&s, Abi::Aarch64).unwrap();
        assert!(prog.len() < 4096, "{} instructions", prog.len());
        let nr = |n| Abi::Aarch64.number(n).unwrap();
        for n in ["read", "write", "execve", "exit_group", "openat", "newfstatat", "mmap", "rt_sigreturn", "clone3"] {
            let want = if n == "clone3" { RET_ERRNO | 38 } else { RET_ALLOW };
            assert_eq!(eval(&prog, nr(n), AARCH64, [0; 6]), want, "{n}");
        }
        assert_eq!((nr("read"), nr("openat"), nr("mount")), (63, 56, 40), "the generic table's numbers");
        for n in ["mount", "unshare", "bpf", "kexec_load", "reboot", "setns", "umount2", "pivot_root"] {
            assert_eq!(eval(&prog, nr(n), AARCH64, [0; 6]), EPERM, "{n}");
        }
        assert_eq!(eval(&prog, nr("clone"), AARCH64, [libc::SIGCHLD as u64, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, nr("clone"), AARCH64, [libc::CLONE_NEWNS as u64, 0, 0, 0, 0, 0]), EPERM);
        assert_eq!(eval(&prog, nr("socket"), AARCH64, [40, 0, 0, 0, 0, 0]), EPERM);
        assert_eq!(eval(&prog, nr("socket"), AARCH64, [1 << 32 | 40, 0, 0, 0, 0, 0]), RET_ALLOW, "64-bit");
        // x86-64 numbers mean nothing here; unknown numbers get the default.
        assert_eq!(eval(&prog, 39, X64, [0; 6]), EPERM);
        assert_eq!(eval(&prog, 5000, AARCH64, [0; 6]), EPERM);
        // 32-bit arm processes (SCMP_ARCH_ARM in the archMap): getpid 20,
        // read 3, the ARM-private cacheflush and set_tls allowed; mount 21,
        // unshare 337 not; arguments compared on 32 bits.
        let arm = |n| Abi::Arm.number(n).unwrap();
        assert_eq!((arm("getpid"), arm("cacheflush"), arm("set_tls")), (20, 0x0f_0002, 0x0f_0005));
        for n in ["getpid", "read", "execve", "cacheflush", "set_tls", "breakpoint", "arm_fadvise64_64", "mmap2"] {
            assert_eq!(eval(&prog, arm(n), ARM, [0; 6]), RET_ALLOW, "arm {n}");
        }
        for n in ["mount", "unshare", "kexec_load"] {
            assert_eq!(eval(&prog, arm(n), ARM, [0; 6]), EPERM, "arm {n}");
        }
        assert_eq!(eval(&prog, arm("clone"), ARM, [libc::CLONE_NEWNS as u64, 0, 0, 0, 0, 0]), EPERM);
        assert_eq!(eval(&prog, arm("socket"), ARM, [1 << 32 | 40, 0, 0, 0, 0, 0]), EPERM, "32-bit");
        // Without SCMP_ARCH_ARM listed, 32-bit processes get the default.
        let mut only = s.clone();
        only.set_architectures(Some(vec![Arch::ScmpArchAarch64]));
        let prog = compile_for(&only, Abi::Aarch64).unwrap();
        assert_eq!(eval(&prog, 20, ARM, [0; 6]), EPERM);
        assert_eq!(eval(&prog, nr("getpid"), AARCH64, [0; 6]), RET_ALLOW);
    }

    #[test]
    fn arm_hosts_use_the_arm_table() {
        let s = from_docker_profile(DOCKER_DEFAULT_PROFILE, &[], "arm", (6, 18)).unwrap();
        let prog = compile_for(&s, Abi::Arm).unwrap();
        let arm = |n| Abi::Arm.number(n).unwrap();
        for n in ["getpid", "read", "cacheflush", "set_tls", "clock_gettime64"] {
            assert_eq!(eval(&prog, arm(n), ARM, [0; 6]), RET_ALLOW, "{n}");
        }
        assert_eq!(eval(&prog, arm("mount"), ARM, [0; 6]), EPERM);
        assert_eq!(eval(&prog, arm("getpid"), AARCH64, [0; 6]), EPERM, "another architecture");
    }

    #[test]
    fn sub_architectures_only_when_listed() {
        let mut s = default_profile(&[]);
        s.set_architectures(Some(vec![Arch::ScmpArchX86_64]));
        let prog = compile(&s).unwrap();
        assert_eq!(eval(&prog, 39, X64, [0; 6]), RET_ALLOW);
        assert_eq!(eval(&prog, 20, I386, [0; 6]), EPERM);
        assert_eq!(eval(&prog, X32_SYSCALL_BIT, X64, [0; 6]), EPERM);
        s.set_architectures(Some(vec![Arch::ScmpArchX86_64, Arch::ScmpArchX86]));
        let prog = compile(&s).unwrap();
        assert_eq!(eval(&prog, 20, I386, [0; 6]), RET_ALLOW);
        assert_eq!(eval(&prog, X32_SYSCALL_BIT, X64, [0; 6]), EPERM);
    }

    #[test]
    fn i386_compares_32_bits() {
        let arg = oci_spec::runtime::LinuxSeccompArgBuilder::default()
            .index(0usize)
            .value(1u64 << 32 | 5)
            .op(LinuxSeccompOperator::ScmpCmpEq)
            .build()
            .unwrap();
        let mut sc = LinuxSyscall::default();
        sc.set_names(vec!["getpid".into()]);
        sc.set_action(LinuxSeccompAction::ScmpActAllow);
        sc.set_args(Some(vec![arg]));
        let mut s = LinuxSeccomp::default();
        s.set_default_action(LinuxSeccompAction::ScmpActErrno);
        s.set_architectures(Some(vec![Arch::ScmpArchX86_64, Arch::ScmpArchX86]));
        s.set_syscalls(Some(vec![sc]));
        let prog = compile(&s).unwrap();
        assert_eq!(eval(&prog, 20, I386, [5, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, 20, I386, [6, 0, 0, 0, 0, 0]), EPERM);
        assert_eq!(eval(&prog, 39, X64, [5, 0, 0, 0, 0, 0]), EPERM);
        assert_eq!(eval(&prog, 39, X64, [1 << 32 | 5, 0, 0, 0, 0, 0]), RET_ALLOW);
    }

    #[test]
    fn capabilities_open_syscalls() {
        let prog = compile(&default_profile(&["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"])).unwrap();
        let nr = |n| syscall_number(n).unwrap();
        for n in ["mount", "unshare", "setns", "ptrace", "clone3", "bpf"] {
            assert_eq!(eval(&prog, nr(n), X64, [0; 6]), RET_ALLOW, "{n}");
        }
        assert_eq!(eval(&prog, nr("clone"), X64, [libc::CLONE_NEWNS as u64, 0, 0, 0, 0, 0]), RET_ALLOW);
    }

    #[test]
    fn comparisons_are_64_bit() {
        use LinuxSeccompOperator::*;
        for (op, v, cases) in [
            (
                ScmpCmpLt,
                1u64 << 32 | 5,
                vec![(4u64, true), (1 << 32 | 4, true), (1 << 32 | 5, false), (2 << 32, false)],
            ),
            (ScmpCmpLe, 5, vec![(5, true), (6, false), (1 << 32, false), (0, true)]),
            (ScmpCmpGt, 5, vec![(5, false), (6, true), (1 << 32, true)]),
            (ScmpCmpGe, 1 << 32, vec![(5, false), (1 << 32, true), (3 << 32, true)]),
            (ScmpCmpNe, 7, vec![(7, false), (1 << 32 | 7, true), (8, true)]),
            (ScmpCmpEq, 1 << 40, vec![(1 << 40, true), (0, false)]),
        ] {
            let arg =
                oci_spec::runtime::LinuxSeccompArgBuilder::default().index(2usize).value(v).op(op).build().unwrap();
            let mut sc = LinuxSyscall::default();
            sc.set_names(vec!["getpid".into()]);
            sc.set_action(LinuxSeccompAction::ScmpActAllow);
            sc.set_args(Some(vec![arg]));
            let mut s = LinuxSeccomp::default();
            s.set_default_action(LinuxSeccompAction::ScmpActErrno);
            s.set_syscalls(Some(vec![sc]));
            let prog = compile(&s).unwrap();
            for (x, allowed) in cases {
                let r = eval(&prog, 39, X64, [0, 0, x, 0, 0, 0]);
                assert_eq!(r == RET_ALLOW, allowed, "{op:?} {v:#x} vs {x:#x}");
            }
        }
    }

    #[test]
    fn long_jumps_are_laid_out() {
        // Many conditional rules on one syscall push targets beyond 255.
        let mut rules = Vec::new();
        for i in 0..200u64 {
            let arg = oci_spec::runtime::LinuxSeccompArgBuilder::default().index(0usize).value(i * 3).build().unwrap();
            let mut sc = LinuxSyscall::default();
            sc.set_names(vec!["ioctl".into(), "read".into()]);
            sc.set_action(LinuxSeccompAction::ScmpActAllow);
            sc.set_args(Some(vec![arg]));
            rules.push(sc);
        }
        let mut s = LinuxSeccomp::default();
        s.set_default_action(LinuxSeccompAction::ScmpActKillProcess);
        s.set_syscalls(Some(rules));
        let prog = compile(&s).unwrap();
        assert_eq!(eval(&prog, 16, X64, [597, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, 16, X64, [598, 0, 0, 0, 0, 0]), RET_KILL_PROCESS);
        assert_eq!(eval(&prog, 0, X64, [3, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(eval(&prog, 1, X64, [3, 0, 0, 0, 0, 0]), RET_KILL_PROCESS);
    }

    #[test]
    fn cache_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = default_profile(&[]);
        let a = load(&s, Some(dir.path())).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let b = load(&s, Some(dir.path())).unwrap();
        assert_eq!(a, b);
    }
}
