//! Output formatting: docker-style tables, human durations and sizes.
