//! Engine-wide views and housekeeping: `info` and `version` (docker's
//! `types.Info` and `types.Version` shapes, as JSON for templates and as
//! docker's text layout), `system df` and `system prune`.
//!
//! Sits beside `container` and `build` in the layering: it reads the store,
//! containers, images, networks and volumes, and is read only by the CLI.

pub mod df;
pub mod images;
pub mod info;
pub mod prune;
