//! `rcon build`: the Dockerfile builder.
//!
//! - [`parser`]: Dockerfile text → instruction nodes, exactly as BuildKit
//!   parses (directives, continuations, exec/shell form, flags, heredocs).
//! - [`shell`]: BuildKit's word expansion (`$v`, `${v:-w}`, `${v#p}`, …).
//! - [`instructions`]: each node checked into a typed instruction; stages.
//! - [`commit`]: `rcon commit`, a container's changes as a new image.
//! - [`config_change`]: the one place an instruction changes an image config
//!   (builder, `import --change`, `commit --change`).
//! - [`run_mount`]: `RUN --mount` (bind, cache, tmpfs, secret, ssh).
//! - [`dockerignore`]: `.dockerignore` with docker's matching semantics.

pub mod commit;
pub mod config_change;
pub mod dockerignore;
pub mod executor;
pub mod fs;
pub mod instructions;
pub mod parser;
pub mod run_mount;
pub mod shell;
