//! `rcon kube play` and `rcon kube generate` with real images, pods,
//! volumes and published ports: the issue's acceptance cases.
//!
//! - The Flask + Redis application as one Pod plus a Service, modelled
//!   with busybox (see `pod.rs`: a counter over TCP on localhost:6379 and a
//!   CGI page that asks it): the counter increments through the Service's
//!   host port, `--replace` and `--down` (YAML read from stdin) work.
//! - A two-replica Deployment with a ConfigMap mounted as a file and used
//!   as env, a Secret, a PVC that keeps its data across `--down`/play, an
//!   initContainer that writes the page the main container serves, and an
//!   httpGet liveness probe.
//! - `kube generate` output of a container with ports, env, volumes and
//!   limits validates against the Kubernetes schemas (PyPI
//!   `kubernetes-validate --strict`, in a test venv) and plays back.
//!
//! Needs root, nftables, a registry (harness), python3-venv and PyPI for
//! the validation. Ports are reached on 127.0.0.1 only.

use crate::common::{ImageBuilder, Rcon, Registry, TarEntry, code, eventually, free_port, stderr, stdout, venv};
use crate::pod::{app_image, http_get};
use std::io::Write;
use std::process::Stdio;

fn app_yaml(image: &str, port: u16) -> String {
    format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: counter
  labels: {{app: counter}}
spec:
  priorityClassName: high
  containers:
    - name: redis
      image: {image}
      command: [nc, -ll, -p, "6379", -e, /incr.sh]
    - name: web
      image: {image}
      command: [httpd, -f, -p, "80", -h, /www]
      ports: [{{containerPort: 80, name: http}}]
---
apiVersion: v1
kind: Service
metadata: {{name: counter}}
spec:
  selector: {{app: counter}}
  ports: [{{port: {port}, targetPort: http}}]
"#
    )
}

/// The memory limit in the container's runtime spec (bytes).
fn memory_limit(rcon: &Rcon, name: &str) -> u64 {
    let id = rcon.ok(&["inspect", "--format", "{{.Id}}", name]).trim().to_string();
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(rcon.root.join("containers").join(id).join("config.json")).unwrap())
            .unwrap();
    record["spec"]["linux"]["resources"]["memory"]["limit"].as_u64().unwrap_or(0)
}

/// `rcon kube play ARGS… -` with `yaml` on stdin.
fn play_stdin(rcon: &Rcon, args: &[&str], yaml: &str) -> std::process::Output {
    let mut all = vec!["kube", "play"];
    all.extend_from_slice(args);
    all.push("-");
    let mut child =
        rcon.command(&all).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(yaml.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn kube_play_pod_with_service_replace_and_down() {
    let _serial = crate::network::serial();
    let reg = Registry::start();
    let image = app_image(&reg);
    let rcon = Rcon::new();
    let port = free_port();
    let file = rcon.dir().join("app.yaml");
    std::fs::write(&file, app_yaml(&image, port)).unwrap();
    let file = file.to_str().unwrap();

    let out = rcon.cmd(&["kube", "play", file]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).starts_with("Pod:\n"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("Pod counter: spec.priorityClassName: not supported"),
        "unsupported fields are reported by path: {}",
        stderr(&out)
    );
    eventually("the Service's port answers", || http_get(port, "/index.html").is_some());
    assert_eq!(http_get(port, "/cgi-bin/hit").unwrap().trim(), "Hello from counter! I have been seen 1 times.");
    assert_eq!(http_get(port, "/cgi-bin/hit").unwrap().trim(), "Hello from counter! I have been seen 2 times.");
    let ps = rcon.ok(&["ps", "--pod"]);
    assert!(ps.contains("counter-web") && ps.contains("counter-redis"), "{ps}");

    // Playing again needs --replace.
    let out = rcon.cmd(&["kube", "play", file]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    rcon.ok(&["kube", "play", "--replace", file]);
    eventually("the port answers after --replace", || http_get(port, "/index.html").is_some());
    assert_eq!(http_get(port, "/cgi-bin/hit").unwrap().trim(), "Hello from counter! I have been seen 1 times.");

    let out = play_stdin(&rcon, &["--down"], &app_yaml(&image, port));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("Pods removed:"), "{}", stdout(&out));
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "", "every container is gone");
    assert_eq!(rcon.ok(&["pod", "ls", "-q"]).trim(), "", "the pod is gone");
    assert!(http_get(port, "/index.html").is_none(), "the Service's port is released");
    assert!(!rcon.root.join("kube").join("counter").exists());

    // --start=false only creates; `pod start` runs it.
    rcon.ok(&["kube", "play", "--start=false", file]);
    let ls = rcon.ok(&["pod", "ls"]);
    assert!(ls.lines().any(|l| l.contains("counter") && l.contains("Created")), "{ls}");
    rcon.ok(&["pod", "start", "counter"]);
    eventually("the port answers after pod start", || http_get(port, "/index.html").is_some());
    assert_eq!(http_get(port, "/cgi-bin/hit").unwrap().trim(), "Hello from counter! I have been seen 1 times.");

    // The round trip: generate of the pod, down, play of the generated YAML.
    let generated = rcon.ok(&["kube", "generate", "counter"]);
    assert!(generated.contains("name: redis") && generated.contains("name: web"), "{generated}");
    rcon.ok(&["kube", "play", "--down", file]);
    let out = play_stdin(&rcon, &[], &generated);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    eventually("the generated pod's port answers", || http_get(port, "/index.html").is_some());
    assert_eq!(http_get(port, "/cgi-bin/hit").unwrap().trim(), "Hello from counter! I have been seen 1 times.");
    assert_eq!(http_get(port, "/cgi-bin/hit").unwrap().trim(), "Hello from counter! I have been seen 2 times.");
    play_stdin(&rcon, &["--down"], &generated);
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
}

fn deployment_yaml(image: &str, port: u16) -> String {
    format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata: {{name: site}}
data:
  greeting: hello
  site.conf: "title=rcon"
---
apiVersion: v1
kind: Secret
metadata: {{name: creds}}
type: Opaque
data: {{password: czNjcjN0}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: visits}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 10Mi}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: site, labels: {{app: site}}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: site}}}}
  template:
    metadata: {{labels: {{app: site}}}}
    spec:
      volumes:
        - {{name: www, emptyDir: {{}}}}
        - {{name: conf, configMap: {{name: site}}}}
        - {{name: data, persistentVolumeClaim: {{claimName: visits}}}}
      initContainers:
        - name: render
          image: {image}
          command: [sh, -c, 'echo "$GREETING $(cat /conf/site.conf) $PASSWORD from $POD" > /www/index.html']
          env:
            - {{name: GREETING, valueFrom: {{configMapKeyRef: {{name: site, key: greeting}}}}}}
            - {{name: PASSWORD, valueFrom: {{secretKeyRef: {{name: creds, key: password}}}}}}
            - {{name: POD, valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}}}
          volumeMounts:
            - {{name: www, mountPath: /www}}
            - {{name: conf, mountPath: /conf, readOnly: true}}
      containers:
        - name: web
          image: {image}
          command: [sh, -c, 'echo $POD >> /data/visits; exec httpd -f -p 8080 -h /www']
          env:
            - {{name: POD, valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}}}
          ports: [{{name: http, containerPort: 8080}}]
          resources: {{limits: {{memory: 64Mi}}}}
          livenessProbe:
            httpGet: {{path: /index.html, port: http}}
            periodSeconds: 1
          volumeMounts:
            - {{name: www, mountPath: /www}}
            - {{name: data, mountPath: /data}}
---
apiVersion: v1
kind: Service
metadata: {{name: site}}
spec:
  selector: {{app: site}}
  ports: [{{port: {port}, targetPort: http}}]
"#
    )
}

#[test]
fn kube_play_deployment_with_configmap_secret_pvc_init_and_probe() {
    let _serial = crate::network::serial();
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().push(&reg, "bb:1");
    let rcon = Rcon::new();
    let port = free_port();
    let file = rcon.dir().join("site.yaml");
    std::fs::write(&file, deployment_yaml(&image, port)).unwrap();
    let file = file.to_str().unwrap();

    let out = rcon.cmd(&["kube", "play", file]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: Service site: spec.selector matches 2 pods (site-pod-0, site-pod-1); its ports are published on site-pod-0 only"),
        "the Service's one pod is named: {}",
        stderr(&out)
    );
    let out = stdout(&out);
    assert_eq!(out.matches("Pod:").count(), 2, "one pod per replica: {out}");
    assert!(out.contains("Volume:\nvisits"), "{out}");
    eventually("the Service's port answers", || http_get(port, "/index.html").is_some());
    assert_eq!(http_get(port, "/index.html").unwrap().trim(), "hello title=rcon s3cr3t from site-pod-0");
    let other = rcon.ok(&["exec", "site-pod-1-web", "wget", "-q", "-O-", "http://localhost:8080/index.html"]);
    assert_eq!(other.trim(), "hello title=rcon s3cr3t from site-pod-1");
    eventually("the liveness probe reports healthy", || {
        rcon.ok(&["inspect", "--format", "{{.State.Health.Status}}", "site-pod-0-web"]).trim() == "healthy"
    });
    assert_eq!(memory_limit(&rcon, "site-pod-1-web"), 64 << 20);
    let visits = || rcon.ok(&["exec", "site-pod-0-web", "cat", "/data/visits"]);
    eventually("both replicas wrote to the claim", || visits().lines().count() == 2);

    rcon.ok(&["kube", "play", "--down", file]);
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
    assert_eq!(rcon.ok(&["pod", "ls", "-q"]).trim(), "");
    let vols = rcon.ok(&["volume", "ls", "-q"]);
    assert_eq!(vols.trim(), "visits", "the claim's volume stays, the emptyDir volumes go: {vols}");

    // The claim's data is there when the Deployment is played again.
    rcon.ok(&["kube", "play", file]);
    eventually("four visits recorded in the claim", || visits().lines().count() == 4);
    let mut lines: Vec<String> = visits().lines().map(String::from).collect();
    lines.sort();
    assert_eq!(lines, ["site-pod-0", "site-pod-0", "site-pod-1", "site-pod-1"]);
    rcon.ok(&["kube", "play", "--down", file]);
    rcon.ok(&["volume", "rm", "visits"]);
    assert_eq!(rcon.ok(&["volume", "ls", "-q"]).trim(), "");
}

#[test]
fn kube_generate_validates_against_the_kubernetes_schema_and_plays_back() {
    let _serial = crate::network::serial();
    let validate = venv(&["kubernetes-validate"]).join("bin").join("kubernetes-validate");
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new()
        .busybox_layer()
        .layer(&[TarEntry::dir("www/"), TarEntry::file("www/index.html", "generated\n")])
        .push(&reg, "gen:1");
    let rcon = Rcon::new();
    let port = free_port();
    rcon.ok(&["volume", "create", "gdata"]);
    let publish = format!("127.0.0.1:{port}:80");
    rcon.ok(&[
        "run",
        "-d",
        "--name",
        "gweb",
        "-p",
        &publish,
        "-e",
        "GREETING=hi there",
        "-v",
        "gdata:/data",
        "-m",
        "64m",
        "--cpus",
        "0.5",
        "--health-cmd",
        "wget -q -O /dev/null http://localhost/",
        &image,
        "httpd",
        "-f",
        "-p",
        "80",
        "-h",
        "/www",
    ]);
    let pod_yaml = rcon.dir().join("pod.yaml");
    let deploy_yaml = rcon.dir().join("deploy.yaml");
    rcon.ok(&["kube", "generate", "-f", pod_yaml.to_str().unwrap(), "gweb"]);
    rcon.ok(&["kube", "generate", "--service", "--type", "deployment", "-f", deploy_yaml.to_str().unwrap(), "gweb"]);
    let text = std::fs::read_to_string(&pod_yaml).unwrap();
    for want in [
        "kind: Pod",
        "image: ",
        "GREETING",
        "hostPort: ",
        "claimName: gdata",
        "memory: '67108864'",
        "cpu: 500m",
        "livenessProbe",
    ] {
        assert!(text.contains(want), "{want} missing from:\n{text}");
    }
    for f in [&pod_yaml, &deploy_yaml] {
        let out = std::process::Command::new(&validate).arg("--strict").arg(f).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && text.contains("passed") && !text.contains("ERROR"), "{}: {text}", f.display());
    }
    let deploy = std::fs::read_to_string(&deploy_yaml).unwrap();
    assert!(deploy.contains("kind: Deployment") && deploy.contains("kind: Service"), "{deploy}");

    // Played back, the same container runs: its page on the same port, its env, its volume and limit.
    rcon.ok(&["rm", "-f", "gweb"]);
    rcon.ok(&["kube", "play", pod_yaml.to_str().unwrap()]);
    eventually("the port answers", || http_get(port, "/index.html").is_some());
    assert_eq!(http_get(port, "/index.html").unwrap(), "generated\n");
    let env = rcon.ok(&["exec", "gweb-pod-gweb", "env"]);
    assert!(env.contains("GREETING=hi there"), "{env}");
    assert_eq!(memory_limit(&rcon, "gweb-pod-gweb"), 64 << 20);
    rcon.ok(&["kube", "play", "--down", pod_yaml.to_str().unwrap()]);
    rcon.ok(&["kube", "play", deploy_yaml.to_str().unwrap()]);
    eventually("the Service's port answers", || http_get(port, "/index.html").is_some());
    rcon.ok(&["kube", "play", "--down", deploy_yaml.to_str().unwrap()]);
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
    assert!(http_get(port, "/index.html").is_none());
}

fn liveness_yaml(image: &str) -> String {
    let pod = |name: &str, policy: &str| {
        format!(
            r#"apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  restartPolicy: {policy}
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: {image}
      command: [sh, -c, "touch /tmp/alive; exec sleep 1000"]
      livenessProbe:
        exec: {{command: [test, -e, /tmp/alive]}}
        periodSeconds: 1
        failureThreshold: 1
"#
        )
    };
    format!("{}---\n{}", pod("always", "Always"), pod("never", "Never"))
}

/// A liveness probe that starts failing (the file it tests is removed):
/// the kubelet kills the container and its pod's restartPolicy decides:
/// `Always` runs it again (RestartCount grows, the probe passes again),
/// `Never` leaves it exited.
#[test]
fn kube_play_liveness_probe_failure_restarts_per_restart_policy() {
    let _serial = crate::network::serial();
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().push(&reg, "bb:1");
    let rcon = Rcon::new();
    let file = rcon.dir().join("live.yaml");
    std::fs::write(&file, liveness_yaml(&image)).unwrap();
    let file = file.to_str().unwrap();
    rcon.ok(&["kube", "play", file]);
    let inspect = |name: &str, f: &str| rcon.ok(&["inspect", "--format", f, name]).trim().to_string();
    for c in ["always-app", "never-app"] {
        eventually("the liveness probe passes", || inspect(c, "{{.State.Health.Status}}") == "healthy");
        assert_eq!(inspect(c, "{{.Config.HealthcheckOnFailureAction}}"), "kill");
        rcon.ok(&["exec", c, "rm", "/tmp/alive"]);
    }
    eventually("Always: restarted", || inspect("always-app", "{{.RestartCount}}") != "0");
    eventually("Always: alive again", || inspect("always-app", "{{.State.Health.Status}}") == "healthy");
    assert_eq!(rcon.ok(&["wait", "never-app"]).trim(), "137", "Never: killed, not restarted");
    assert_eq!(inspect("never-app", "{{.RestartCount}}"), "0");
    rcon.ok(&["kube", "play", "--down", file]);
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
}

/// `kube play --build` (podman's rule): the image `app` of the YAML is
/// built from the directory `app/` beside it (a Dockerfile over busybox).
/// Without the flag it is built only when missing; `--build` rebuilds it;
/// `--build=false` never builds (the missing image is then pulled, and
/// fails).
#[test]
fn kube_play_build_makes_images_from_directories_beside_the_yaml() {
    let _serial = crate::network::serial();
    let reg = Registry::start();
    let (base, _) = ImageBuilder::new().busybox_layer().push(&reg, "bb:1");
    let rcon = Rcon::new();
    let dir = rcon.dir().join("project");
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::write(dir.join("app/Dockerfile"), format!("FROM {base}\nCOPY greeting /greeting\n")).unwrap();
    std::fs::write(dir.join("app/greeting"), "built\n").unwrap();
    let yaml = r#"apiVersion: v1
kind: Pod
metadata: {name: built}
spec:
  restartPolicy: Never
  containers:
    - {name: app, image: localhost/app:1, command: [cat, /greeting]}
"#;
    let file = dir.join("pod.yaml");
    std::fs::write(&file, yaml).unwrap();
    let file = file.to_str().unwrap();
    let logs = || {
        rcon.ok(&["wait", "built-app"]);
        rcon.ok(&["logs", "built-app"])
    };

    // Missing: built, from the Dockerfile beside the YAML.
    let out = rcon.cmd(&["kube", "play", file]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(logs(), "built\n");
    assert!(rcon.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]).contains("localhost/app:1"));
    rcon.ok(&["kube", "play", "--down", file]);

    // Present: not rebuilt without --build; rebuilt with it.
    std::fs::write(dir.join("app/greeting"), "rebuilt\n").unwrap();
    rcon.ok(&["kube", "play", file]);
    assert_eq!(logs(), "built\n", "a present image is not rebuilt without --build");
    rcon.ok(&["kube", "play", "--down", file]);
    rcon.ok(&["kube", "play", "--build", file]);
    assert_eq!(logs(), "rebuilt\n");
    rcon.ok(&["kube", "play", "--down", file]);

    // --build=false: a missing image is not built.
    rcon.ok(&["rmi", "localhost/app:1"]);
    let out = rcon.cmd(&["kube", "play", "--build=false", file]);
    assert_ne!(code(&out), 0, "the image is neither built nor pullable");
    assert_eq!(rcon.ok(&["images", "-q", "localhost/app:1"]).trim(), "");
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
    assert_eq!(rcon.ok(&["pod", "ls", "-q"]).trim(), "", "a failed play leaves no pod");
}

/// `kube generate PROJECT` of a compose project (podman: `kube generate`
/// of the project's pod): one Pod with a container per service, each with
/// its own ports, and hostAliases for the service names. It validates
/// against the Kubernetes schemas, and `kube play` of it runs the same
/// services: the port answers and one service reaches the other by name.
#[test]
fn kube_generate_of_a_compose_project_validates_and_plays_back() {
    let _serial = crate::network::serial();
    let validate = venv(&["kubernetes-validate"]).join("bin").join("kubernetes-validate");
    let reg = Registry::start();
    let (image, _) = ImageBuilder::new().busybox_layer().push(&reg, "bb:1");
    let rcon = Rcon::new();
    let port = free_port();
    let dir = rcon.dir().join("shop");
    std::fs::create_dir_all(&dir).unwrap();
    let compose_file = format!(
        r#"services:
  web:
    image: {image}
    command: [sh, -c, "mkdir -p /www && echo shop > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports: ["127.0.0.1:{port}:80"]
    environment: {{GREETING: hi}}
  client:
    image: {image}
    command: [sleep, "1000"]
"#
    );
    std::fs::write(dir.join("compose.yaml"), compose_file).unwrap();
    let compose = |args: &[&str]| {
        let mut all = vec!["compose"];
        all.extend_from_slice(args);
        let out = rcon.command(&all).current_dir(&dir).output().unwrap();
        assert_eq!(code(&out), 0, "compose {args:?}: {}", stderr(&out));
    };
    compose(&["up", "-d"]);
    eventually("the service's port answers", || http_get(port, "/index.html").is_some());
    let yaml = dir.join("shop.yaml");
    rcon.ok(&["kube", "generate", "-f", yaml.to_str().unwrap(), "shop"]);
    let text = std::fs::read_to_string(&yaml).unwrap();
    for want in ["kind: Pod", "name: shop", "name: web", "name: client", "hostAliases", "- client", "GREETING"] {
        assert!(text.contains(want), "{want} missing from:\n{text}");
    }
    let out = std::process::Command::new(&validate).arg("--strict").arg(&yaml).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && report.contains("passed") && !report.contains("ERROR"), "{report}");
    let out = rcon.cmd(&["kube", "generate", "nosuch"]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("no pod, container or compose project named nosuch"), "{}", stderr(&out));

    compose(&["down", "-t", "0"]);
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
    rcon.ok(&["kube", "play", yaml.to_str().unwrap()]);
    eventually("the played pod's port answers", || http_get(port, "/index.html").is_some());
    assert_eq!(http_get(port, "/index.html").unwrap(), "shop\n");
    let out = rcon.cmd(&["exec", "shop-client", "wget", "-q", "-O-", "http://web/index.html"]);
    let hosts = rcon.ok(&["exec", "shop-client", "cat", "/etc/hosts"]);
    assert_eq!(stdout(&out), "shop\n", "client reaches web by its service name: {}\n{hosts}", stderr(&out));
    rcon.ok(&["kube", "play", "--down", yaml.to_str().unwrap()]);
    assert_eq!(rcon.ok(&["ps", "-aq"]).trim(), "");
}
