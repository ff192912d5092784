//! `--format` templates render as docker's (Go `text/template` over docker's
//! typed structs): a table of template → output pairs over an inspect-like
//! document. The expected outputs are what docker 20.10 prints for the same
//! template on a container with the same values (`benches/compat.sh` checks
//! the everyday ones against a real dockerd).

use rcon::format::template::Format;
use serde_json::{Value, json};

fn doc() -> Value {
    json!({
        "Id": "abc",
        "Config": {
            "Env": ["PATH=/bin", "A=b"],
            "Entrypoint": null,
            "Cmd": ["sh", "-c", "true"],
            "User": "",
            "Labels": {"b": "2", "a": "1"},
            "ExposedPorts": {"80/tcp": {}},
            "Healthcheck": null,
        },
        "State": {"Running": true, "Pid": 42, "ExitCode": 0, "Health": null, "Status": "running"},
        "HostConfig": {"Binds": null, "Memory": 0, "NanoCpus": 1500000000},
        "Mounts": [
            {"Type": "volume", "Name": "data", "Source": "/v/data", "Destination": "/data", "RW": true},
            {"Type": "bind", "Name": "", "Source": "/etc", "Destination": "/host", "RW": false},
        ],
        "NetworkSettings": {"Ports": {"80/tcp": null, "81/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}},
        "Ratio": 0.5,
        "Big": 1e21,
    })
}

/// (template, output) as docker prints them for [`doc`].
const CASES: &[(&str, &str)] = &[
    ("{{.Id}}", "abc"),
    ("{{.Config.Env}}", "[PATH=/bin A=b]"),
    ("{{.Config.Cmd}}", "[sh -c true]"),
    ("{{.Config.Entrypoint}}", "[]"),
    ("{{json .Config.Entrypoint}}", "null"),
    ("{{.Config.User}}", ""),
    ("{{json .Config.User}}", "\"\""),
    ("{{.Config.Labels}}", "map[a:1 b:2]"),
    ("{{json .Config.Labels}}", "{\"a\":\"1\",\"b\":\"2\"}"),
    ("{{.Config.ExposedPorts}}", "map[80/tcp:{}]"),
    ("{{.Config.Healthcheck}}", "<nil>"),
    ("{{.State.Health}}", "<nil>"),
    ("{{.HostConfig.Binds}}", "[]"),
    ("{{.HostConfig.Memory}}", "0"),
    ("{{.HostConfig.NanoCpus}}", "1500000000"),
    ("{{.Ratio}}", "0.5"),
    ("{{.Big}}", "1e+21"),
    ("{{.NetworkSettings.Ports}}", "map[80/tcp:[] 81/tcp:[{0.0.0.0 8080}]]"),
    ("{{index .Config.Labels \"a\"}}", "1"),
    ("{{index .Config.Labels \"missing\"}}", ""),
    ("{{.Config.Labels.a}}", "1"),
    ("{{index .Config.Env 1}}", "A=b"),
    ("{{len .Config.Env}}", "2"),
    ("{{len .Config.Labels}}", "2"),
    ("{{len .Config.Entrypoint}}", "0"),
    ("{{join .Config.Env \",\"}}", "PATH=/bin,A=b"),
    ("{{json .Config.Env}}", "[\"PATH=/bin\",\"A=b\"]"),
    ("{{range .Config.Env}}{{.}};{{end}}", "PATH=/bin;A=b;"),
    ("{{range $i, $e := .Config.Env}}{{$i}}={{$e}} {{end}}", "0=PATH=/bin 1=A=b "),
    ("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}}", "a=1,b=2,"),
    ("{{range .Config.Entrypoint}}x{{else}}none{{end}}", "none"),
    ("{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}", "data:/data :/host "),
    ("{{range .Mounts}}{{if eq .Type \"bind\"}}{{.Source}}{{end}}{{end}}", "/etc"),
    ("{{range .Config.Env}}{{if eq . \"A=b\"}}{{break}}{{end}}{{.}}{{end}}", "PATH=/bin"),
    ("{{(index .Mounts 0).Name}}", "data"),
    ("{{with .State}}{{.Pid}}{{end}}", "42"),
    ("{{with .State.Health}}{{.Status}}{{else}}no health{{end}}", "no health"),
    ("{{if .State.Running}}up{{else}}down{{end}}", "up"),
    ("{{if not .State.Running}}down{{else if .State.Pid}}pid{{end}}", "pid"),
    ("{{if and .State.Running (eq .State.ExitCode 0)}}ok{{end}}", "ok"),
    ("{{or .Config.User \"root\"}}", "root"),
    ("{{eq .State.Status \"exited\" \"running\"}}", "true"),
    ("{{ne .State.Pid 42}}", "false"),
    ("{{lt .State.Pid 100}}", "true"),
    ("{{$x := .State.Pid}}{{$x}}", "42"),
    ("{{$x := 1}}{{$x = 2}}{{$x}}", "2"),
    ("{{upper .State.Status}}", "RUNNING"),
    ("{{lower \"ABC\"}}", "abc"),
    ("{{title \"hello world-wide\"}}", "Hello World-Wide"),
    ("{{split \"a:b:c\" \":\"}}", "[a b c]"),
    ("{{index (split \"a:b:c\" \":\") 1}}", "b"),
    ("{{println .Id .State.Pid}}", "abc 42\n"),
    ("{{print \"a\" 1 2 \"b\"}}", "a1 2b"),
    ("{{printf \"%s-%d\" .Id .State.Pid}}", "abc-42"),
    ("{{printf \"%5s|%-5s|%03d\" \"ab\" \"cd\" 7}}", "   ab|cd   |007"),
    ("{{printf \"%v %q\" .Config.Env .Id}}", "[PATH=/bin A=b] \"abc\""),
    ("{{printf \"%.2f\" .Ratio}}", "0.50"),
    ("{{.Id | printf \"%s!\"}}", "abc!"),
    ("{{.Id | upper | printf \"<%s>\"}}", "<ABC>"),
    ("{{pad .Id 1 2}}", " abc  "),
    ("{{truncate \"abcdef\" 3}}", "abc"),
    ("{{slice .Id 1 2}}", "b"),
    (
        "{{json .Mounts}}",
        "[{\"Destination\":\"/data\",\"Name\":\"data\",\"RW\":true,\"Source\":\"/v/data\",\"Type\":\"volume\"},{\"Destination\":\"/host\",\"Name\":\"\",\"RW\":false,\"Source\":\"/etc\",\"Type\":\"bind\"}]",
    ),
    ("{{json \"a<b&c\"}}", "\"a<b&c\""),
    ("a {{- \" b \" -}} c", "a b c"),
    ("a  {{- /* note */ -}}  c", "ac"),
    ("{{/* comment */}}x", "x"),
    ("{{`raw\\n`}}", "raw\\n"),
    ("{{\"tab\\tx\"}}", "tab\tx"),
    ("{{.State.Pid}}\\t{{.Id}}", "42\\tabc"),
];

#[test]
fn templates_render_as_docker() {
    let doc = doc();
    let mut failures = Vec::new();
    for (template, want) in CASES {
        let got = Format::parse_inspect(template).and_then(|f| f.render_inspect(std::slice::from_ref(&doc)));
        match got {
            Ok(out) if out == format!("{want}\n") => {}
            other => failures.push(format!("{template:?}: want {want:?}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} templates differ:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

#[test]
fn template_errors_are_gos() {
    let doc = doc();
    let err = |t: &str| match Format::parse(t) {
        Err(e) => e.to_string(),
        Ok(f) => f.render(std::slice::from_ref(&doc), &[]).err().map(|e| e.to_string()).unwrap_or_default(),
    };
    assert_eq!(err("{{nope .Id}}"), "template: :1: function \"nope\" not defined");
    assert!(err("{{.Id").contains("unclosed action"), "{}", err("{{.Id"));
    assert!(err("{{if .Id}}x").contains("unexpected EOF"));
    assert!(err("{{end}}").contains("unexpected {{end}}"));
    // Outside inspect (ps, images, …) a missing field is an error, as docker's.
    assert!(err("{{.Nope}}").contains("can't evaluate field Nope"), "{}", err("{{.Nope}}"));
    // In inspect a missing key is an error in the raw JSON too (docker 20.10).
    let inspect_err = Format::parse_inspect("{{.Nope}}").unwrap().render_inspect(std::slice::from_ref(&doc));
    assert_eq!(
        inspect_err.unwrap_err().to_string(),
        "template parsing error: template: :1:2: executing \"\" at <.Nope>: map has no entry for key \"Nope\""
    );
    // Go's position of a field node (docker 20.10's `inspect -f
    // "{{.State.Health}} {{.NoSuch}}"` fails at `:1:8:`): line, then byte
    // column of the field, of the second field for a chain.
    let inspect = |t: &str| Format::parse_inspect(t).unwrap().render_inspect_each(&[(doc.clone(), doc.clone())]);
    let (out, errors) = inspect("{{.Nope.Deeper}}");
    assert_eq!(out, "\n", "nothing rendered: docker's lone newline");
    assert_eq!(
        errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["template parsing error: template: :1:7: executing \"\" at <.Nope.Deeper>: map has no entry for key \"Nope\""]
    );
    let (_, errors) = inspect("x\n {{.Nope}}");
    assert!(errors[0].to_string().starts_with("template parsing error: template: :2:3: executing"), "{}", errors[0]);
    assert!(err("{{len 3}}").contains("len of type int"));
    assert!(err("{{join .Id \",\"}}").contains("expected []string"));
}

#[test]
fn table_and_json_forms() {
    let items = [json!({"ID": "abc", "Names": "web"}), json!({"ID": "defghi", "Names": "db"})];
    let headers = [("ID", "CONTAINER ID"), ("Names", "NAMES")];
    let render = |f: &str| Format::parse(f).unwrap().render(&items, &headers).unwrap();
    assert_eq!(render("table {{.ID}}\\t{{.Names}}"), "CONTAINER ID   NAMES\nabc            web\ndefghi         db\n");
    assert_eq!(render("{{.ID}}"), "abc\ndefghi\n");
    assert_eq!(render(" {{.ID}}\\t{{.Names}} "), "abc\tweb\ndefghi\tdb\n");
    assert_eq!(render("json"), format!("{}\n{}\n", items[0], items[1]));
    assert_eq!(render("{{json .}}"), format!("{}\n{}\n", items[0], items[1]));
    // docker's `Label KEY` method of ps rows (Labels as `k=v,k2=v2`).
    let rows = [json!({"Labels": "app=web,tier=front"})];
    let f = Format::parse("{{.Label \"tier\"}}|{{.Label \"none\"}}").unwrap();
    assert_eq!(f.render(&rows, &[]).unwrap(), "front|\n");
}
