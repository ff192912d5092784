//! Kubernetes YAML: `rcon kube play` (Pods, Deployments, Services,
//! ConfigMaps, Secrets, PersistentVolumeClaims run as rcon pods, containers
//! and volumes) and `rcon kube generate` (YAML from containers and pods).
//! Calls the engine (`pod`, `container`, `volume`) as a user's sequence
//! of commands would; never the CLI.
