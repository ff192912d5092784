//! Engine-wide views and housekeeping: `info` and `version` (docker's
//! `types.Info` and `types.Version` shapes, as JSON for templates and as
//! docker's text layout), `system df` and `system prune`.
//!
//! Sits beside `container` and `build` in the layering: it reads the store,
//! containers, images, networks and volumes, and is read only by the CLI.

/// Errors of `system`: docker's words where docker's daemon has some; a
/// lower layer's error is wrapped with its own message and kept as the
/// `source`, so the front ends still find it by type in the chain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A `--filter` value that cannot be used (`until=` not a time,
    /// `dangling=` not a boolean); the message names the value.
    #[error("{0}")]
    BadFilter(String),
    /// `tag` to a reference with a digest.
    #[error("refusing to create a tag with a digest reference: `{0}`")]
    TagWithDigest(String),
    /// `rmi` by ID of an image with several tags, without `--force`
    /// (docker's daemon's words; the short ID).
    #[error("conflict: unable to delete {0} (must be forced) - image is referenced in multiple repositories")]
    ReferencedInMultipleRepositories(String),
    /// `uname(2)` failed.
    #[error("cannot read the kernel's name and release (uname)")]
    Uname(#[source] nix::errno::Errno),
    /// Writing a `save` archive failed.
    #[error("cannot write the image archive")]
    WriteArchive(#[source] std::io::Error),
    /// The store failed (among others: no such image, image in use).
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    /// A reference cannot be parsed.
    #[error("{0}")]
    Reference(#[from] crate::reference::ReferenceError),
    /// An image archive cannot be read or written.
    #[error("{0}")]
    Archive(#[from] crate::image::archive::ArchiveError),
    /// Networks cannot be listed.
    #[error("{0}")]
    Network(#[from] crate::network::Error),
    /// Volumes cannot be listed.
    #[error("{0}")]
    Volume(#[from] crate::volume::VolumeError),
}

/// `system`'s results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub mod df;
pub mod images;
pub mod info;
pub mod prune;
