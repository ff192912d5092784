//! OCI image model on top of oci-spec: manifests, indexes, configs,
//! platform choice, layer unpack.
//!
//! STUB: to be implemented (helper A).
