//! rcon: a daemonless, single-binary container engine with a
//! docker-compatible command line.
//!
//! The library holds all behaviour; `src/main.rs` only calls [`cli::main`].
//! Data flows one way for `rcon run`: flags → [`container::RunOptions`] →
//! store (image config and layers) → overlay rootfs → OCI runtime spec →
//! [`runtime::spawn`] → exit status → store. See `docs/ARCHITECTURE.md`
//! (layers, data flow, store, process model, hazards).

// Unsafe code lives in `sys` (raw system calls behind safe functions); see
// docs/ARCHITECTURE.md, "Unsafe code and system calls".
#![deny(unsafe_code)]

pub mod api;
pub mod build;
pub mod cli;
pub mod compose;
pub mod container;
pub mod digest;
pub mod filters;
pub mod format;
pub mod image;
pub mod kube;
pub mod network;
pub mod pod;
pub mod reference;
pub mod registry;
pub mod runtime;
pub mod store;
#[allow(unsafe_code)]
pub mod sys;
pub mod system;
pub mod units;
pub mod util;
pub mod volume;
