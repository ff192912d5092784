//! A minimal nftables netlink client (`NETLINK_NETFILTER`, the nf_tables
//! subsystem) for the one thing rcon does per container: add and delete
//! elements of its maps, without running the `nft` tool (a process and a
//! ruleset parse: about 9 ms a call).
//!
//! Every change goes out as one batch in one `sendmsg(2)`, as nftables'
//! own tools do (linux/netfilter/nfnetlink.h): `NFNL_MSG_BATCH_BEGIN`, one
//! `NFT_MSG_NEWSETELEM` or `NFT_MSG_DELSETELEM` per element
//! (linux/netfilter/nf_tables.h: `NFTA_SET_ELEM_LIST_TABLE`, `_SET`,
//! `_ELEMENTS` → `NFTA_LIST_ELEM` → `NFTA_SET_ELEM_KEY` / `_DATA` →
//! `NFTA_DATA_VALUE`), `NFNL_MSG_BATCH_END`. The kernel applies the batch
//! atomically (all or nothing) while handling the `sendmsg`, so every
//! answer (an ACK or an error per element message) is queued when it
//! returns.
//!
//! Keys and data are raw bytes in the kernel's register layout: the caller
//! (see `nft.rs`) encodes them.

use super::netlink::Msg;
use nix::errno::Errno;
use std::os::fd::{AsRawFd, OwnedFd};

const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
const NFNL_MSG_BATCH_END: u16 = 0x11;
const NFT_MSG_NEWSETELEM: u16 = 12;
const NFT_MSG_DELSETELEM: u16 = 14;
const NLMSG_ERROR: u16 = 2;
const NLM_F_ACK: u16 = 4;
const NLM_F_CREATE: u16 = 0x400;

const NFTA_SET_ELEM_LIST_TABLE: u16 = 1;
const NFTA_SET_ELEM_LIST_SET: u16 = 2;
const NFTA_SET_ELEM_LIST_ELEMENTS: u16 = 3;
const NFTA_LIST_ELEM: u16 = 1;
const NFTA_SET_ELEM_KEY: u16 = 1;
const NFTA_SET_ELEM_DATA: u16 = 2;
const NFTA_DATA_VALUE: u16 = 1;

/// `NFPROTO_IPV4`: the family of an `ip` table.
pub const FAMILY_IP: u8 = 2;

/// One element of a set or map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetElem {
    /// Name of the set or map, e.g. `tcp_any`.
    pub set: String,
    /// The key, as the kernel stores it (`NFTA_DATA_VALUE` bytes).
    pub key: Vec<u8>,
    /// The mapped value of a map element (ignored by deletes).
    pub data: Option<Vec<u8>>,
}

/// Why a batch failed: the kernel's errno and, when the error answers one
/// element message, that element's index in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchError {
    /// Index of the failing element, `None` for a socket or batch error.
    pub index: Option<usize>,
    /// The errno (`ENOENT`: no such table/set/element; `EEXIST`: the key
    /// maps to other data).
    pub errno: Errno,
}

/// `struct nfgenmsg` (4 bytes): family, version 0, resource id (big endian).
fn nfgenmsg(family: u8, res_id: u16) -> [u8; 4] {
    let r = res_id.to_be_bytes();
    [family, 0, r[0], r[1]]
}

/// An nfnetlink socket in rcon's "host" namespace (rootless: the user's
/// rootless network namespace, see [`super::rootless_netns`]).
fn socket() -> Result<OwnedFd, Errno> {
    let proto = nix::sys::socket::SockProtocol::NetlinkNetFilter;
    if crate::runtime::rootless::is_rootless() {
        return super::rootless_netns::netlink_socket(proto);
    }
    crate::sys::netlink_socket(proto)
}

/// Closes a socket that changed the ruleset without waiting for the
/// kernel: the last close of an nfnetlink socket flushes nf_tables'
/// pending destroy work, which after a deleted element waits for an RCU
/// grace period (10-15 ms measured on a 2-core host); see
/// [`crate::sys::close_elsewhere`].
fn close_elsewhere(fd: OwnedFd) {
    crate::sys::close_elsewhere(fd)
}

/// The batch bytes adding (`delete == false`) or deleting `elems` in table
/// `table` of `family`; sequence numbers `seq0` (begin) to
/// `seq0 + elems.len() + 1` (end).
pub fn batch(family: u8, table: &str, elems: &[SetElem], delete: bool, seq0: u32) -> Vec<u8> {
    let mut out =
        Msg::new(NFNL_MSG_BATCH_BEGIN, 0, &nfgenmsg(libc::AF_UNSPEC as u8, NFNL_SUBSYS_NFTABLES)).finish(seq0);
    let (typ, flags) =
        if delete { (NFT_MSG_DELSETELEM, NLM_F_ACK) } else { (NFT_MSG_NEWSETELEM, NLM_F_ACK | NLM_F_CREATE) };
    for (i, e) in elems.iter().enumerate() {
        let mut m = Msg::new((NFNL_SUBSYS_NFTABLES << 8) | typ, flags, &nfgenmsg(family, 0));
        m.str(NFTA_SET_ELEM_LIST_TABLE, table).str(NFTA_SET_ELEM_LIST_SET, &e.set);
        m.begin(NFTA_SET_ELEM_LIST_ELEMENTS).begin(NFTA_LIST_ELEM);
        m.begin(NFTA_SET_ELEM_KEY).attr(NFTA_DATA_VALUE, &e.key).end();
        if let Some(data) = e.data.as_ref().filter(|_| !delete) {
            m.begin(NFTA_SET_ELEM_DATA).attr(NFTA_DATA_VALUE, data).end();
        }
        m.end().end();
        out.extend_from_slice(&m.finish(seq0 + 1 + i as u32));
    }
    out.extend_from_slice(
        &Msg::new(NFNL_MSG_BATCH_END, 0, &nfgenmsg(libc::AF_UNSPEC as u8, NFNL_SUBSYS_NFTABLES))
            .finish(seq0 + 1 + elems.len() as u32),
    );
    out
}

/// Adds (`delete == false`, like `nft add element`: an identical element
/// already present is no error) or deletes `elems` in table `table` of
/// `family`, in one atomic batch. Errors: the first errno the kernel
/// reported, with the element it belongs to.
pub fn set_elements(family: u8, table: &str, elems: &[SetElem], delete: bool) -> Result<(), BatchError> {
    if elems.is_empty() {
        return Ok(());
    }
    let fail = |errno| BatchError { index: None, errno };
    let fd = socket().map_err(fail)?;
    let seq0 = 1;
    let data = batch(family, table, elems, delete, seq0);
    let n = nix::sys::socket::send(fd.as_raw_fd(), &data, nix::sys::socket::MsgFlags::empty()).map_err(fail)?;
    if n != data.len() {
        return Err(fail(Errno::EMSGSIZE));
    }
    // One answer per element message (each asked for an ACK); a malformed
    // batch may instead get a single error for its begin message.
    let mut answered = 0;
    let mut first: Option<BatchError> = None;
    let mut buf = vec![0u8; 16384];
    while answered < elems.len() && first.is_none() {
        let n = loop {
            match nix::sys::socket::recv(fd.as_raw_fd(), &mut buf, nix::sys::socket::MsgFlags::MSG_DONTWAIT) {
                Err(Errno::EINTR) => continue,
                // The kernel answers while handling the send: nothing more
                // is coming.
                Err(Errno::EAGAIN) => return Err(fail(Errno::ENOMSG)),
                r => break r.map_err(fail)?,
            }
        };
        let mut off = 0;
        while off + 16 <= n {
            let len = u32::from_ne_bytes(buf[off..off + 4].try_into().unwrap()) as usize;
            let typ = u16::from_ne_bytes(buf[off + 4..off + 6].try_into().unwrap());
            let seq = u32::from_ne_bytes(buf[off + 8..off + 12].try_into().unwrap());
            if len < 16 || off + len > n {
                break;
            }
            let payload = &buf[off + 16..off + len];
            off += (len + 3) & !3;
            if typ != NLMSG_ERROR || payload.len() < 4 {
                continue;
            }
            let code = i32::from_ne_bytes(payload[0..4].try_into().unwrap());
            let index = seq.checked_sub(seq0 + 1).map(|i| i as usize).filter(|i| *i < elems.len());
            if index.is_some() {
                answered += 1;
            }
            if code != 0 && first.is_none() {
                first = Some(BatchError { index, errno: Errno::from_raw(-code) });
            }
        }
    }
    if delete {
        close_elsewhere(fd);
    }
    first.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_layout() {
        let e = SetElem {
            set: "tcp_any".into(),
            key: 9000u16.to_be_bytes().to_vec(),
            data: Some(vec![10, 99, 0, 2, 0, 80, 0, 0]),
        };
        let b = batch(FAMILY_IP, "rcon", &[e], false, 7);
        // begin: 16-byte header + nfgenmsg(AF_UNSPEC, 0, res_id 10 big endian)
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()), 20);
        assert_eq!(u16::from_ne_bytes(b[4..6].try_into().unwrap()), NFNL_MSG_BATCH_BEGIN);
        assert_eq!(&b[16..20], &[0, 0, 0, 10]);
        // the element message
        let m = &b[20..];
        let len = u32::from_ne_bytes(m[0..4].try_into().unwrap()) as usize;
        assert_eq!(u16::from_ne_bytes(m[4..6].try_into().unwrap()), (10 << 8) | 12);
        assert_eq!(u32::from_ne_bytes(m[8..12].try_into().unwrap()), 8);
        assert_eq!(&m[16..20], &[2, 0, 0, 0]);
        // end
        let end = &m[len..];
        assert_eq!(end.len(), 20);
        assert_eq!(u16::from_ne_bytes(end[4..6].try_into().unwrap()), NFNL_MSG_BATCH_END);
        assert_eq!(u32::from_ne_bytes(end[8..12].try_into().unwrap()), 9);
    }
}
