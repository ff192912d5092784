//! The legacy (v1) image entries `docker save` still writes beside
//! `manifest.json`: one directory per layer, named by the layer's v1 ID, with
//! `VERSION` (`1.0`), `json` (the v1 image JSON) and `layer.tar`; and the
//! `repositories` file that maps each tag to its top v1 ID. Old tools read
//! these instead of `manifest.json`.
//!
//! The v1 IDs are docker's (moby `image/v1/imagev1.go` `CreateID` and
//! `image/tarexport/save.go` `saveImage`, docker 20.10): for layer `i`, the
//! sha256 of the v1 image JSON (the image config's own fields for the top
//! layer, an empty one dated 1970-01-01 for the others, which get `os`
//! only after their ID is computed) re-encoded as a map
//! with sorted keys, plus `layer_id` (the chain ID up to `i`) and `parent`
//! (the previous v1 ID). Go's `encoding/json` output is reproduced: struct
//! field order, `omitempty`, `<`, `>` and `&` escaped, times in RFC 3339
//! with trimmed nanoseconds.

use crate::digest::Digest;
use serde_json::{Map, Value};

/// One layer's legacy entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyLayer {
    /// The v1 ID (64 hex digits): the directory name.
    pub id: String,
    /// The content of `<id>/json`.
    pub json: String,
}

/// Go's `json.Marshal` of a string (HTML characters escaped).
fn go_string(s: &str) -> String {
    Value::String(s.to_string()).to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// Go's encoding of a `[]string` / `strslice.StrSlice` (`null` when absent).
fn go_strings(v: Option<&Value>) -> String {
    match v.and_then(Value::as_array) {
        Some(a) => {
            format!("[{}]", a.iter().map(|s| go_string(s.as_str().unwrap_or_default())).collect::<Vec<_>>().join(","))
        }
        None => "null".to_string(),
    }
}

/// Go's encoding of a `map[string]struct{}` (`null` when absent), keys sorted.
fn go_set(v: Option<&Value>) -> String {
    match v.and_then(Value::as_object) {
        Some(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            format!("{{{}}}", keys.iter().map(|k| format!("{}:{{}}", go_string(k))).collect::<Vec<_>>().join(","))
        }
        None => "null".to_string(),
    }
}

/// Go's encoding of a `map[string]string` (`null` when absent), keys sorted.
fn go_string_map(v: Option<&Value>) -> String {
    match v.and_then(Value::as_object) {
        Some(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let entries: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", go_string(k), go_string(m[k.as_str()].as_str().unwrap_or_default())))
                .collect();
            format!("{{{}}}", entries.join(","))
        }
        None => "null".to_string(),
    }
}

fn get_str<'a>(o: Option<&'a Map<String, Value>>, k: &str) -> &'a str {
    o.and_then(|o| o.get(k)).and_then(Value::as_str).unwrap_or_default()
}

fn get_bool(o: Option<&Map<String, Value>>, k: &str) -> bool {
    o.and_then(|o| o.get(k)).and_then(Value::as_bool).unwrap_or_default()
}

/// Go's encoding of docker's `container.Config` (api/types/container,
/// docker 20.10) from its JSON: every field in struct order, the
/// `omitempty` ones only when set.
fn go_container_config(c: Option<&Map<String, Value>>) -> String {
    let mut f: Vec<String> = Vec::new();
    let field = |f: &mut Vec<String>, k: &str, v: String| f.push(format!("\"{k}\":{v}"));
    let get = |k: &str| c.and_then(|o| o.get(k)).filter(|v| !v.is_null());
    for k in ["Hostname", "Domainname", "User"] {
        field(&mut f, k, go_string(get_str(c, k)));
    }
    for k in ["AttachStdin", "AttachStdout", "AttachStderr"] {
        field(&mut f, k, get_bool(c, k).to_string());
    }
    if get("ExposedPorts").and_then(Value::as_object).is_some_and(|m| !m.is_empty()) {
        field(&mut f, "ExposedPorts", go_set(get("ExposedPorts")));
    }
    for k in ["Tty", "OpenStdin", "StdinOnce"] {
        field(&mut f, k, get_bool(c, k).to_string());
    }
    field(&mut f, "Env", go_strings(get("Env")));
    field(&mut f, "Cmd", go_strings(get("Cmd")));
    if let Some(h) = get("Healthcheck").and_then(Value::as_object) {
        // HealthConfig: Test, Interval, Timeout, StartPeriod, Retries, all omitempty.
        let mut hf = Vec::new();
        if h.get("Test").and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
            hf.push(format!("\"Test\":{}", go_strings(h.get("Test"))));
        }
        for k in ["Interval", "Timeout", "StartPeriod", "Retries"] {
            if let Some(n) = h.get(k).and_then(Value::as_i64).filter(|n| *n != 0) {
                hf.push(format!("\"{k}\":{n}"));
            }
        }
        field(&mut f, "Healthcheck", format!("{{{}}}", hf.join(",")));
    }
    if get_bool(c, "ArgsEscaped") {
        field(&mut f, "ArgsEscaped", "true".into());
    }
    field(&mut f, "Image", go_string(get_str(c, "Image")));
    field(&mut f, "Volumes", go_set(get("Volumes")));
    field(&mut f, "WorkingDir", go_string(get_str(c, "WorkingDir")));
    field(&mut f, "Entrypoint", go_strings(get("Entrypoint")));
    if get_bool(c, "NetworkDisabled") {
        field(&mut f, "NetworkDisabled", "true".into());
    }
    if !get_str(c, "MacAddress").is_empty() {
        field(&mut f, "MacAddress", go_string(get_str(c, "MacAddress")));
    }
    field(&mut f, "OnBuild", go_strings(get("OnBuild")));
    field(&mut f, "Labels", go_string_map(get("Labels")));
    if !get_str(c, "StopSignal").is_empty() {
        field(&mut f, "StopSignal", go_string(get_str(c, "StopSignal")));
    }
    if let Some(n) = get("StopTimeout").and_then(Value::as_i64) {
        field(&mut f, "StopTimeout", n.to_string());
    }
    if get("Shell").and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
        field(&mut f, "Shell", go_strings(get("Shell")));
    }
    format!("{{{}}}", f.join(","))
}

/// Go's `time.Time` JSON (RFC 3339, fraction with trailing zeros trimmed,
/// `Z` for a zero offset) of an RFC 3339 text; Go's zero time when absent.
fn go_time(s: Option<&str>) -> String {
    let Some(t) = s.and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()) else {
        return go_string("0001-01-01T00:00:00Z");
    };
    let mut text = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.timestamp_subsec_nanos();
    if nanos != 0 {
        text.push_str(format!(".{nanos:09}").trim_end_matches('0'));
    }
    if t.offset().local_minus_utc() == 0 {
        text.push('Z');
    } else {
        text.push_str(&t.format("%:z").to_string());
    }
    go_string(&text)
}

/// The fields of docker's `image.V1Image` in struct order, as `(key, Go
/// JSON)` pairs, `omitempty` ones left out when empty. `image` is the image
/// config (`None`: the empty entry of a lower layer, dated 1970-01-01, with
/// only `os`).
fn v1_fields(image: Option<&Map<String, Value>>, os: &str, id: &str, parent: &str) -> Vec<(&'static str, String)> {
    let mut f = Vec::new();
    if !id.is_empty() {
        f.push(("id", go_string(id)));
    }
    if !parent.is_empty() {
        f.push(("parent", go_string(parent)));
    }
    let Some(img) = image else {
        f.push(("created", go_string("1970-01-01T00:00:00Z")));
        f.push(("container_config", go_container_config(None)));
        if !os.is_empty() {
            f.push(("os", go_string(os)));
        }
        return f;
    };
    let s = |k: &str| img.get(k).and_then(Value::as_str).unwrap_or_default();
    if !s("comment").is_empty() {
        f.push(("comment", go_string(s("comment"))));
    }
    f.push(("created", go_time(img.get("created").and_then(Value::as_str))));
    if !s("container").is_empty() {
        f.push(("container", go_string(s("container"))));
    }
    f.push(("container_config", go_container_config(img.get("container_config").and_then(Value::as_object))));
    if !s("docker_version").is_empty() {
        f.push(("docker_version", go_string(s("docker_version"))));
    }
    if !s("author").is_empty() {
        f.push(("author", go_string(s("author"))));
    }
    if let Some(c) = img.get("config").and_then(Value::as_object) {
        f.push(("config", go_container_config(Some(c))));
    }
    for k in ["architecture", "variant", "os"] {
        if !s(k).is_empty() {
            f.push((k, go_string(s(k))));
        }
    }
    if let Some(n) = img.get("Size").and_then(Value::as_i64).filter(|n| *n != 0) {
        f.push(("Size", n.to_string()));
    }
    f
}

fn object(fields: &[(&str, String)]) -> String {
    format!("{{{}}}", fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(","))
}

/// The legacy entries of an image, bottom layer first: its config (the
/// JSON of the config blob) and its layers' diff IDs. Errors: a config that
/// is not a JSON object.
pub fn legacy_layers(config: &[u8], diff_ids: &[Digest]) -> Result<Vec<LegacyLayer>, String> {
    let value: Value = serde_json::from_slice(config).map_err(|e| format!("image config: {e}"))?;
    let img = value.as_object().ok_or("image config is not a JSON object")?;
    let os = img.get("os").and_then(Value::as_str).unwrap_or_default();
    let chain_ids = Digest::chain_ids(diff_ids);
    let mut out: Vec<LegacyLayer> = Vec::new();
    let mut parent: Option<Digest> = None;
    for (i, chain_id) in chain_ids.iter().enumerate() {
        let image = (i + 1 == chain_ids.len()).then_some(img);
        // CreateID: the entry without id and parent (and, for a lower
        // layer, without the os docker sets only after), as a map (keys
        // sorted), plus layer_id and parent (digests with their algorithm).
        let mut fields = v1_fields(image, "", "", "");
        fields.push(("layer_id", go_string(&chain_id.to_string())));
        if let Some(p) = &parent {
            fields.push(("parent", go_string(&p.to_string())));
        }
        fields.sort_by(|a, b| a.0.cmp(b.0));
        let v1_id = Digest::of(object(&fields).as_bytes());
        let parent_hex = parent.as_ref().map(|p| p.hex().to_string()).unwrap_or_default();
        let json = object(&v1_fields(image, os, v1_id.hex(), &parent_hex));
        out.push(LegacyLayer { id: v1_id.hex().to_string(), json });
        parent = Some(v1_id);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(hex: &str) -> Digest {
        format!("sha256:{hex}").parse().unwrap()
    }

    /// `docker save` of the busybox test image (docker 20.10.24): its
    /// config blob, and the `<v1 id>/json` docker wrote.
    #[test]
    fn one_layer_as_docker_20_10() {
        let config = r#"{"created":"2023-11-14T22:13:20Z","architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:25c62e31625757f6636335ed6f327fd2f999a15dae8540526cc754a7b48f8185"]},"history":[{"created":"2023-11-14T22:13:20Z","created_by":"rcon benches/lib.sh"}]}"#;
        let layers =
            legacy_layers(config.as_bytes(), &[d("25c62e31625757f6636335ed6f327fd2f999a15dae8540526cc754a7b48f8185")])
                .unwrap();
        assert_eq!(layers.len(), 1);
        assert_eq!(layers[0].id, "7d25a5002c1dcd7b6587994c55e2db10c60db0524ec33e3d7a2c715af7474a70");
        assert_eq!(
            layers[0].json,
            r#"{"id":"7d25a5002c1dcd7b6587994c55e2db10c60db0524ec33e3d7a2c715af7474a70","created":"2023-11-14T22:13:20Z","container_config":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"config":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"architecture":"amd64","os":"linux"}"#
        );
    }

    /// A three-layer BuildKit image with labels (one with `<`), ports,
    /// volumes, a healthcheck, a stop signal and a nanosecond time: the v1
    /// IDs and `json` files of docker 20.10.24's `save`.
    #[test]
    fn three_layers_as_docker_20_10() {
        let config = r#"{"architecture":"amd64","config":{"User":"app","ExposedPorts":{"53/udp":{},"80/tcp":{}},"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Entrypoint":["sh","-c"],"Volumes":{"/data":{}},"WorkingDir":"/w","Labels":{"a":"1","b":"x\u003cy"},"StopSignal":"SIGINT","Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":5000000000,"Retries":2},"OnBuild":null},"created":"2026-12-06T06:22:02.217123674Z","history":[],"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
        let diff_ids = [
            d("25c62e31625757f6636335ed6f327fd2f999a15dae8540526cc754a7b48f8185"),
            d("5b6605cfefa6702ce657e5b10b99268f7c805527426d506427947f4691d79d8b"),
            d("9eb61fabe14693445aca9c1e7eeac53fc37b8a016c3741ee6ba0a43907e331d9"),
        ];
        let layers = legacy_layers(config.as_bytes(), &diff_ids).unwrap();
        let ids: Vec<&str> = layers.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "3aef5532b584e9f1db0cc8e82d20886a664b69a5538dc904d7af60bf07e376d2",
                "d97df5f4be4390c97d7176954d009cfa410e8b593a7254981dee6c0c3a7f98e9",
                "7c48fc467584c85be68b3fbdec98069967decc5cdb7120e71229a070fdc9a021",
            ]
        );
        let empty = r#""container_config":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null}"#;
        assert_eq!(
            layers[0].json,
            format!(
                r#"{{"id":"3aef5532b584e9f1db0cc8e82d20886a664b69a5538dc904d7af60bf07e376d2","created":"1970-01-01T00:00:00Z",{empty},"os":"linux"}}"#
            )
        );
        assert_eq!(
            layers[1].json,
            format!(
                r#"{{"id":"d97df5f4be4390c97d7176954d009cfa410e8b593a7254981dee6c0c3a7f98e9","parent":"3aef5532b584e9f1db0cc8e82d20886a664b69a5538dc904d7af60bf07e376d2","created":"1970-01-01T00:00:00Z",{empty},"os":"linux"}}"#
            )
        );
        assert_eq!(
            layers[2].json,
            format!(
                r#"{{"id":"7c48fc467584c85be68b3fbdec98069967decc5cdb7120e71229a070fdc9a021","parent":"d97df5f4be4390c97d7176954d009cfa410e8b593a7254981dee6c0c3a7f98e9","created":"2026-12-06T06:22:02.217123674Z",{empty},"config":{{"Hostname":"","Domainname":"","User":"app","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"ExposedPorts":{{"53/udp":{{}},"80/tcp":{{}}}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":null,"Healthcheck":{{"Test":["CMD-SHELL","true"],"Interval":5000000000,"Retries":2}},"Image":"","Volumes":{{"/data":{{}}}},"WorkingDir":"/w","Entrypoint":["sh","-c"],"OnBuild":null,"Labels":{{"a":"1","b":"x\u003cy"}},"StopSignal":"SIGINT"}},"architecture":"amd64","os":"linux"}}"#
            )
        );
    }

    #[test]
    fn go_times() {
        assert_eq!(go_time(Some("2026-12-06T06:22:02.217000000Z")), "\"2026-12-06T06:22:02.217Z\"");
        assert_eq!(go_time(Some("2026-12-06T06:22:02+02:00")), "\"2026-12-06T06:22:02+02:00\"");
        assert_eq!(go_time(None), "\"0001-01-01T00:00:00Z\"");
    }
}
