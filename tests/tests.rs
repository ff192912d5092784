//! The one integration-test binary: every test module is declared here so
//! cargo links a single executable. Tests use real parts (a `docker-registry`
//! on loopback, images pushed with `skopeo`, kernel namespaces) and need root.

mod api;
mod build;
mod claims;
mod cli;
mod common;
mod compose;
mod containers;
mod crash;
mod format;
mod generated;
mod images;
mod kube;
mod layers;
mod leftovers;
mod lifecycle;
mod network;
mod oci;
mod parity;
mod pod;
mod pull;
mod registries;
mod rootless;
mod runtime;
mod security;
mod store;
mod volumes;
