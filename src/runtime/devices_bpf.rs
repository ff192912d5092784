//! Device access control on cgroup v2 (runtime-spec config-linux.md
//! "Allowed Device list", `linux.resources.devices`): cgroup v2 has no
//! `devices.allow`/`devices.deny` files; the kernel instead asks a
//! `BPF_PROG_TYPE_CGROUP_DEVICE` program attached to the cgroup whether a
//! `mknod(2)` or an `open(2)` of a device node is allowed. This module
//! turns the spec's rules into such a program (raw eBPF instructions, no
//! compiler, no libbpf) and loads and attaches it with the `bpf(2)`
//! system call. It knows nothing about containers beyond the rules and a
//! cgroup directory.
//!
//! # Semantics
//!
//! As runc's and crun's v2 filters: the rules are read in order, the last
//! matching rule wins, and a rule of type `a` with wildcard major and minor
//! (`a *:* rwm`) drops the rules before it and sets what happens to
//! devices no later rule matches. Without such a rule, unmatched devices
//! are denied (docker's list starts with `deny a *:* rwm`). An empty list
//! attaches nothing (like v1, where no write leaves the parent's rules).
//!
//! Each requested access (`m`, `r`, `w`) is decided on its own and all must
//! be allowed, so `allow c 1:3 r` plus `allow c 1:3 w` lets `open(O_RDWR)`
//! through, as v1's merged exceptions do. Rules of type `p` (FIFOs) never
//! match: the kernel does not ask about FIFOs.
//!
//! # The program
//!
//! The context is `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
//! u32 minor; }` (linux/bpf.h), with the device type (block 1, char 2) in
//! the low 16 bits of `access_type` and the access (mknod 1, read 2,
//! write 4) in the high 16. Returning 1 allows, 0 denies. The program
//! loads type, access, major, minor into r2..r5, then has one block per
//! access bit: skipped when the bit is not requested, else the rules that
//! mention the bit, last first, each a chain of "not equal: next rule"
//! tests ending in "allowed: next block" or "return 0"; then the default.
//! After the three blocks it returns 1. Instructions are 8 bytes
//! (`struct bpf_insn`); no rule makes unreachable code (the verifier
//! rejects it): unconditional rules only ever come first, as the default.

use super::Error;
use oci_spec::runtime::{LinuxDeviceCgroup, LinuxDeviceType};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

/// `BPF_DEVCG_DEV_BLOCK` (linux/bpf.h).
pub const DEV_BLOCK: u32 = 1;
/// `BPF_DEVCG_DEV_CHAR`.
pub const DEV_CHAR: u32 = 2;
/// `BPF_DEVCG_ACC_MKNOD`.
pub const ACC_MKNOD: u32 = 1;
/// `BPF_DEVCG_ACC_READ`.
pub const ACC_READ: u32 = 2;
/// `BPF_DEVCG_ACC_WRITE`.
pub const ACC_WRITE: u32 = 4;

/// One eBPF instruction (`struct bpf_insn`).
pub use crate::sys::BpfInsn as Insn;

// The few opcodes the generator emits (linux/bpf_common.h, linux/bpf.h).
/// `r_dst = *(u32 *)(r_src + off)`: `BPF_LDX | BPF_MEM | BPF_W`.
const LDX_W: u8 = 0x61;
/// `w_dst &= imm`: `BPF_ALU | BPF_AND | BPF_K` (32-bit, zero-extends).
const AND32_K: u8 = 0x54;
/// `w_dst >>= imm`: `BPF_ALU | BPF_RSH | BPF_K`.
const RSH32_K: u8 = 0x74;
/// `r_dst = imm`: `BPF_ALU64 | BPF_MOV | BPF_K`.
const MOV64_K: u8 = 0xb7;
/// `goto +off`: `BPF_JMP | BPF_JA`.
const JA: u8 = 0x05;
/// `if r_dst != imm goto +off`: `BPF_JMP | BPF_JNE | BPF_K`.
const JNE_K: u8 = 0x55;
/// `if r_dst & imm goto +off`: `BPF_JMP | BPF_JSET | BPF_K`.
const JSET_K: u8 = 0x45;
/// `return r0`: `BPF_JMP | BPF_EXIT`.
const EXIT: u8 = 0x95;

// Registers: r1 the context; r2 type, r3 access, r4 major, r5 minor.
const R_TYPE: u8 = 2;
const R_ACCESS: u8 = 3;
const R_MAJOR: u8 = 4;
const R_MINOR: u8 = 5;

fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
    Insn { code, regs: dst | (src << 4), off, imm }
}

/// A rule reduced to what the program tests: `None` is a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    allow: bool,
    typ: Option<u32>,
    major: Option<u32>,
    minor: Option<u32>,
    access: u32,
}

impl Rule {
    fn matches_everything(&self) -> bool {
        self.typ.is_none() && self.major.is_none() && self.minor.is_none()
    }
}

/// Reads one spec rule; `None` for rules that can never match (FIFOs).
fn rule(r: &LinuxDeviceCgroup) -> Result<Option<Rule>, Error> {
    let typ = match r.typ() {
        None | Some(LinuxDeviceType::A) => None,
        Some(LinuxDeviceType::B) => Some(DEV_BLOCK),
        Some(LinuxDeviceType::C) | Some(LinuxDeviceType::U) => Some(DEV_CHAR),
        Some(LinuxDeviceType::P) => return Ok(None),
    };
    let num = |what: &str, v: Option<i64>| -> Result<Option<u32>, Error> {
        match v {
            None => Ok(None),
            Some(v) if v < 0 => Ok(None),
            // Compared to sign-extended 32-bit immediates; real device
            // numbers have 12 (major) and 20 (minor) bits.
            Some(v) if v <= i32::MAX as i64 => Ok(Some(v as u32)),
            Some(v) => Err(Error::Spec(format!("invalid device cgroup rule: {what} number {v} is out of range"))),
        }
    };
    let access_str = r.access().clone().unwrap_or_else(|| "rwm".into());
    let mut access = 0;
    for c in access_str.chars() {
        access |= match c {
            'm' => ACC_MKNOD,
            'r' => ACC_READ,
            'w' => ACC_WRITE,
            _ => {
                return Err(Error::Spec(format!(
                    "invalid device cgroup rule: access {access_str:?} (use a combination of r, w and m)"
                )));
            }
        };
    }
    Ok(Some(Rule { allow: r.allow(), typ, major: num("major", r.major())?, minor: num("minor", r.minor())?, access }))
}

/// Generates the program for `rules` (see the module docs for the
/// semantics and layout). Errors name the invalid rule part (an access
/// letter other than r, w, m; a major or minor beyond 2^31-1).
pub fn program(rules: &[LinuxDeviceCgroup]) -> Result<Vec<Insn>, Error> {
    let mut parsed = Vec::new();
    for r in rules {
        if let Some(r) = rule(r)? {
            parsed.push(r);
        }
    }
    let mut p = vec![
        insn(LDX_W, R_TYPE, 1, 0, 0),
        insn(AND32_K, R_TYPE, 0, 0, 0xffff),
        insn(LDX_W, R_ACCESS, 1, 0, 0),
        insn(RSH32_K, R_ACCESS, 0, 0, 16),
        insn(LDX_W, R_MAJOR, 1, 4, 0),
        insn(LDX_W, R_MINOR, 1, 8, 0),
    ];
    for bit in [ACC_MKNOD, ACC_READ, ACC_WRITE] {
        // The rules deciding this bit: an all-matching rule resets.
        let mut default_allow = false;
        let mut live: Vec<Rule> = Vec::new();
        for r in parsed.iter().filter(|r| r.access & bit != 0) {
            if r.matches_everything() {
                live.clear();
                default_allow = r.allow;
            } else {
                live.push(*r);
            }
        }
        // Jumps to the next block, patched at its start.
        let mut to_next_block: Vec<usize> = Vec::new();
        p.push(insn(JSET_K, R_ACCESS, 0, 1, bit as i32));
        to_next_block.push(p.len());
        p.push(insn(JA, 0, 0, 0, 0));
        for r in live.iter().rev() {
            let mut to_next_rule = Vec::new();
            for (reg, v) in [(R_TYPE, r.typ), (R_MAJOR, r.major), (R_MINOR, r.minor)] {
                if let Some(v) = v {
                    to_next_rule.push(p.len());
                    p.push(insn(JNE_K, reg, 0, 0, v as i32));
                }
            }
            if r.allow {
                to_next_block.push(p.len());
                p.push(insn(JA, 0, 0, 0, 0));
            } else {
                p.push(insn(MOV64_K, 0, 0, 0, 0));
                p.push(insn(EXIT, 0, 0, 0, 0));
            }
            let here = p.len();
            for j in to_next_rule {
                p[j].off = (here - j - 1) as i16;
            }
        }
        if !default_allow {
            p.push(insn(MOV64_K, 0, 0, 0, 0));
            p.push(insn(EXIT, 0, 0, 0, 0));
        }
        let here = p.len();
        for j in to_next_block {
            p[j].off = (here - j - 1) as i16;
        }
    }
    p.push(insn(MOV64_K, 0, 0, 0, 1));
    p.push(insn(EXIT, 0, 0, 0, 0));
    if p.len() > i16::MAX as usize {
        return Err(Error::Spec(format!("too many device cgroup rules ({}) for one eBPF program", rules.len())));
    }
    Ok(p)
}

/// `BPF_PROG_TYPE_CGROUP_DEVICE`.
const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
/// `BPF_CGROUP_DEVICE` (`enum bpf_attach_type`).
const BPF_CGROUP_DEVICE: u32 = 6;
/// `BPF_F_ALLOW_MULTI`: programs of parent cgroups keep running too.
const BPF_F_ALLOW_MULTI: u32 = 2;

/// Loads `prog` into the kernel as a `BPF_PROG_TYPE_CGROUP_DEVICE`
/// program; returns its fd. On failure, loads again with the verifier's
/// log and puts the log in the error (which names `what`, e.g. the cgroup).
pub fn load(prog: &[Insn], what: &str) -> Result<OwnedFd, Error> {
    let license = c"Apache-2.0";
    let mut name = [0u8; 16];
    name[..12].copy_from_slice(b"rcon_devices");
    let load = |log| crate::sys::bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, prog, license, name, log);
    let err = match load(None) {
        Ok(fd) => return Ok(fd),
        Err(e) => e,
    };
    // Again, with the verifier's log (only now: it costs time).
    let mut log = vec![0u8; 64 * 1024];
    let err = match load(Some(&mut log)) {
        Ok(fd) => return Ok(fd),
        Err(nix::errno::Errno::ENOSPC) => err,
        Err(e) => e,
    };
    let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
    let text = String::from_utf8_lossy(&log[..end]);
    let text = text.trim();
    let log = if text.is_empty() {
        String::new()
    } else {
        let tail = text.lines().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join(" | ");
        format!(" (verifier log: {tail})")
    };
    Err(Error::sys(format!("load the device cgroup eBPF program for {what}{log}"), err))
}

/// Generates the program for `rules`, loads it, and attaches it
/// (`BPF_CGROUP_DEVICE`, `BPF_F_ALLOW_MULTI`) to the cgroup v2 directory
/// `dir`, where it stays until the cgroup is removed. Nothing is attached
/// for an empty list. Errors name `dir`: invalid rules, `EPERM` without
/// `CAP_SYS_ADMIN`/`CAP_BPF`, a kernel without cgroup device programs.
pub fn attach(dir: &Path, rules: &[LinuxDeviceCgroup]) -> Result<(), Error> {
    if rules.is_empty() {
        return Ok(());
    }
    let what = format!("cgroup {}", dir.display());
    let prog = program(rules).map_err(|e| Error::Spec(format!("{what}: {e}")))?;
    let fd = load(&prog, &what)?;
    let cg = std::fs::File::open(dir).map_err(|e| Error::Cgroup {
        op: "open".into(),
        path: dir.to_path_buf(),
        source: e,
    })?;
    crate::sys::bpf_prog_attach(cg.as_fd(), fd.as_fd(), BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI)
        .map_err(|e| Error::sys(format!("attach the device cgroup eBPF program to {what}"), e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::LinuxDeviceCgroupBuilder;

    /// Runs `prog` on a context, interpreting exactly the opcodes the
    /// generator emits; panics on anything else, on running off the end,
    /// and on backward jumps.
    fn run(prog: &[Insn], typ: u32, access: u32, major: u32, minor: u32) -> u64 {
        let ctx = [typ | (access << 16), major, minor];
        let mut r = [0u64; 11];
        let mut pc = 0usize;
        loop {
            let i = prog[pc];
            let (dst, src) = ((i.regs & 0xf) as usize, (i.regs >> 4) as usize);
            pc += 1;
            let jump = |pc: usize| {
                assert!(i.off >= 0, "backward jump");
                pc + i.off as usize
            };
            match i.code {
                LDX_W => {
                    assert_eq!(src, 1);
                    r[dst] = ctx[i.off as usize / 4] as u64;
                }
                AND32_K => r[dst] = (r[dst] as u32 & i.imm as u32) as u64,
                RSH32_K => r[dst] = (r[dst] as u32 >> i.imm) as u64,
                MOV64_K => r[dst] = i.imm as i64 as u64,
                JA => pc = jump(pc),
                JNE_K if r[dst] != i.imm as i64 as u64 => pc = jump(pc),
                JSET_K if r[dst] & i.imm as i64 as u64 != 0 => pc = jump(pc),
                JNE_K | JSET_K => {}
                EXIT => return r[0],
                c => panic!("unexpected opcode {c:#x}"),
            }
        }
    }

    fn r(
        allow: bool,
        t: Option<LinuxDeviceType>,
        major: Option<i64>,
        minor: Option<i64>,
        acc: &str,
    ) -> LinuxDeviceCgroup {
        let mut b = LinuxDeviceCgroupBuilder::default().allow(allow).access(acc);
        if let Some(t) = t {
            b = b.typ(t);
        }
        if let Some(m) = major {
            b = b.major(m);
        }
        if let Some(m) = minor {
            b = b.minor(m);
        }
        b.build().unwrap()
    }

    /// docker's default list (as `container::spec` builds it).
    pub(crate) fn docker_default() -> Vec<LinuxDeviceCgroup> {
        use LinuxDeviceType::{B, C};
        let mut v = vec![
            r(false, None, None, None, "rwm"),
            r(true, Some(C), None, None, "m"),
            r(true, Some(B), None, None, "m"),
        ];
        for (ma, mi) in [(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2), (10, 200)] {
            v.push(r(true, Some(C), Some(ma), Some(mi), "rwm"));
        }
        v.push(r(true, Some(C), Some(136), None, "rwm"));
        v
    }

    const RW: u32 = ACC_READ | ACC_WRITE;

    #[test]
    fn docker_defaults() {
        let p = program(&docker_default()).unwrap();
        let ok = |t, a, ma, mi| run(&p, t, a, ma, mi);
        assert_eq!(ok(DEV_CHAR, RW, 1, 3), 1, "/dev/null");
        assert_eq!(ok(DEV_CHAR, ACC_MKNOD, 1, 3), 1);
        assert_eq!(ok(DEV_CHAR, RW, 136, 7), 1, "pts");
        assert_eq!(ok(DEV_CHAR, ACC_READ, 10, 200), 1, "tun");
        assert_eq!(ok(DEV_CHAR, ACC_READ, 1, 1), 0, "/dev/mem");
        assert_eq!(ok(DEV_CHAR, ACC_MKNOD, 1, 1), 1, "mknod of any char device");
        assert_eq!(ok(DEV_BLOCK, ACC_MKNOD, 8, 0), 1, "mknod of any block device");
        assert_eq!(ok(DEV_BLOCK, ACC_READ, 8, 0), 0, "sda");
        assert_eq!(ok(DEV_BLOCK, ACC_WRITE, 1, 3), 0, "block 1:3 is not /dev/null");
        assert_eq!(ok(DEV_BLOCK, RW | ACC_MKNOD, 8, 0), 0);
    }

    #[test]
    fn last_match_wins_per_access_and_resets() {
        use LinuxDeviceType::{A, B, C};
        // Allow all, then deny block 8:* writes.
        let p = program(&[r(true, Some(A), None, None, "rwm"), r(false, Some(B), Some(8), None, "w")]).unwrap();
        assert_eq!(run(&p, DEV_BLOCK, ACC_READ, 8, 1), 1);
        assert_eq!(run(&p, DEV_BLOCK, ACC_WRITE, 8, 1), 0);
        assert_eq!(run(&p, DEV_BLOCK, RW, 8, 1), 0);
        assert_eq!(run(&p, DEV_BLOCK, RW, 9, 1), 1);
        assert_eq!(run(&p, DEV_CHAR, RW, 8, 1), 1);
        // Split access merges; a later deny overrides an earlier allow.
        let p = program(&[
            r(false, None, None, None, "rwm"),
            r(true, Some(C), Some(1), Some(3), "r"),
            r(true, Some(C), Some(1), Some(3), "w"),
            r(true, Some(C), Some(1), None, "rw"),
            r(false, Some(C), Some(1), Some(5), "w"),
        ])
        .unwrap();
        assert_eq!(run(&p, DEV_CHAR, RW, 1, 3), 1);
        assert_eq!(run(&p, DEV_CHAR, ACC_MKNOD, 1, 3), 0);
        assert_eq!(run(&p, DEV_CHAR, ACC_READ, 1, 5), 1);
        assert_eq!(run(&p, DEV_CHAR, RW, 1, 5), 0);
        // A later wildcard rule drops the earlier ones.
        let p = program(&[r(true, Some(C), Some(1), Some(3), "rwm"), r(false, Some(A), None, None, "rwm")]).unwrap();
        assert_eq!(run(&p, DEV_CHAR, ACC_READ, 1, 3), 0);
        // --privileged.
        let p = program(&[r(true, None, None, None, "rwm")]).unwrap();
        assert_eq!(run(&p, DEV_BLOCK, RW | ACC_MKNOD, 8, 0), 1);
        // Only allow rules: everything else is denied; FIFO rules are ignored.
        let p =
            program(&[r(true, Some(C), Some(1), Some(3), "rw"), r(true, Some(LinuxDeviceType::P), None, None, "rwm")])
                .unwrap();
        assert_eq!(run(&p, DEV_CHAR, ACC_READ, 1, 3), 1);
        assert_eq!(run(&p, DEV_CHAR, ACC_READ, 1, 5), 0);
        // No access requested (never asked by the kernel): allowed.
        assert_eq!(run(&p, DEV_CHAR, 0, 1, 5), 1);
    }

    #[test]
    fn layout_of_a_small_program() {
        let p = program(&[r(false, None, None, None, "rwm"), r(true, Some(LinuxDeviceType::C), Some(1), Some(3), "r")])
            .unwrap();
        let codes: Vec<u8> = p.iter().map(|i| i.code).collect();
        #[rustfmt::skip]
        assert_eq!(codes, [
            LDX_W, AND32_K, LDX_W, RSH32_K, LDX_W, LDX_W,
            JSET_K, JA, MOV64_K, EXIT,                         // m: deny
            JSET_K, JA, JNE_K, JNE_K, JNE_K, JA, MOV64_K, EXIT, // r: c 1:3 or deny
            JSET_K, JA, MOV64_K, EXIT,                         // w: deny
            MOV64_K, EXIT,
        ]);
        assert_eq!(p[7].off, 2, "not m: skip the m block");
        assert_eq!(p[12].off, 3, "not char: to the default");
        assert_eq!(p[15].off, 2, "c 1:3: to the w block");
        assert_eq!(p[12].imm, DEV_CHAR as i32);
    }

    #[test]
    fn invalid_rules_are_errors() {
        let e = program(&[r(true, None, None, None, "rx")]).unwrap_err();
        assert!(e.to_string().contains("\"rx\""), "{e}");
        let e = program(&[r(true, None, Some(1 << 40), None, "r")]).unwrap_err();
        assert!(e.to_string().contains("major number"), "{e}");
    }

    /// The kernel's verifier accepts the generated programs (needs root,
    /// as all of rcon's tests).
    #[test]
    fn kernel_verifier_accepts_programs() {
        for rules in [docker_default(), vec![r(true, None, None, None, "rwm")], vec![r(false, None, None, None, "rwm")]]
        {
            let p = program(&rules).unwrap();
            load(&p, "test").unwrap();
        }
        // A broken program reports the verifier's log.
        let e = load(&[insn(EXIT, 0, 0, 0, 0)], "cgroup /x").unwrap_err().to_string();
        assert!(e.contains("cgroup /x") && e.contains("verifier log") && e.contains("R0"), "{e}");
    }
}
