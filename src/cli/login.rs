//! `rcon login [-u USER] [-p PASSWORD | --password-stdin] REGISTRY` and
//! `rcon logout [-a] REGISTRY`: credentials in the auth file (see
//! `registry::credentials`). Secrets are never printed.

use super::Context;
use crate::reference::Reference;
use crate::registry::RegistryError;
use crate::registry::client::{Access, Client, ClientOptions};
use crate::registry::credentials::{self, Credentials};
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// Flags of `rcon login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// User name
    #[arg(short, long)]
    pub username: Option<String>,
    /// Password (prefer --password-stdin: command lines are visible to other users)
    #[arg(short, long)]
    pub password: Option<String>,
    /// Read the password from standard input
    #[arg(long)]
    pub password_stdin: bool,
    /// Auth file to write (default: $XDG_RUNTIME_DIR/containers/auth.json; also REGISTRY_AUTH_FILE)
    #[arg(long, value_name = "FILE")]
    pub authfile: Option<PathBuf>,
    /// Require HTTPS and verify certificates
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub tls_verify: bool,
    /// Print the user name stored for the registry and exit
    #[arg(long)]
    pub get_login: bool,
    /// Registry (default: docker.io)
    pub registry: Option<String>,
}

/// Flags of `rcon logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Remove the credentials of every registry
    #[arg(short, long)]
    pub all: bool,
    /// Auth file (default: $XDG_RUNTIME_DIR/containers/auth.json; also REGISTRY_AUTH_FILE)
    #[arg(long, value_name = "FILE")]
    pub authfile: Option<PathBuf>,
    /// Registry (default: docker.io)
    pub registry: Option<String>,
}

/// `docker.io` for Docker Hub's names, the key as given otherwise
/// (`registry[/namespace/repository]`, scheme dropped).
fn registry_key(r: Option<&str>) -> String {
    let r = r.unwrap_or(crate::reference::DOCKER_HUB);
    let r = r.strip_prefix("https://").or_else(|| r.strip_prefix("http://")).unwrap_or(r).trim_end_matches('/');
    match r {
        "index.docker.io" | "registry-1.docker.io" | "index.docker.io/v1" => crate::reference::DOCKER_HUB.into(),
        other => other.to_string(),
    }
}

fn prompt(label: &str) -> anyhow::Result<String> {
    eprint!("{label}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// Reads a password from the terminal without echo.
fn prompt_password() -> anyhow::Result<String> {
    use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin)?;
    let mut quiet = saved.clone();
    quiet.local_flags.remove(LocalFlags::ECHO);
    tcsetattr(&stdin, SetArg::TCSANOW, &quiet)?;
    let r = prompt("Password: ");
    let _ = tcsetattr(&stdin, SetArg::TCSANOW, &saved);
    eprintln!();
    r
}

/// Checks the credentials against the registry and stores them.
pub fn login(_ctx: &Context, a: LoginArgs) -> anyhow::Result<i32> {
    let key = registry_key(a.registry.as_deref());
    let path = credentials::auth_file(a.authfile.as_deref());
    let registry = key.split('/').next().unwrap_or(&key).to_string();
    if a.get_login {
        match credentials::lookup(&registry, key.split_once('/').map_or("", |x| x.1), a.authfile.as_deref())? {
            Some(c) if !c.username.is_empty() => {
                println!("{}", c.username);
                return Ok(0);
            }
            _ => anyhow::bail!("not logged into {key}"),
        }
    }
    let interactive = std::io::stdin().is_terminal();
    let username = match a.username {
        Some(u) => u,
        None if interactive && !a.password_stdin => prompt("Username: ")?,
        None => anyhow::bail!("a user name is required: use -u/--username"),
    };
    if username.is_empty() {
        anyhow::bail!("the user name is empty");
    }
    let password = if a.password_stdin {
        if a.password.is_some() {
            anyhow::bail!("--password and --password-stdin are mutually exclusive");
        }
        let mut s = String::new();
        std::io::stdin().lock().read_line(&mut s)?;
        s.trim_end_matches(['\n', '\r']).to_string()
    } else if let Some(p) = a.password {
        p
    } else if interactive {
        prompt_password()?
    } else {
        anyhow::bail!("a password is required: use --password-stdin");
    };
    let mut creds = Credentials { username, password, identity_token: None };
    // Any repository name works for the ping; scopes are not needed to log in.
    let probe = Reference::parse(&format!("{registry}/rcon-login-check"))
        .map_err(|e| anyhow::anyhow!("invalid registry `{key}`: {e}"))?;
    let tls_verify =
        crate::registry::config::tls_verify_for(a.tls_verify, crate::registry::config::is_insecure(&probe)?);
    let opts = ClientOptions { tls_verify, credentials: Some(creds.clone()), ..ClientOptions::default() };
    {
        let login_err = |e: RegistryError| match e {
            RegistryError::Unauthorized { registry, detail, .. } => anyhow::anyhow!(
                "unauthorized: login to registry {registry} failed: the user name or password is incorrect ({detail})"
            ),
            other => other.into(),
        };
        let client = Client::connect(&probe, Access::Pull, &opts).map_err(login_err)?;
        client.check_login().map_err(login_err)?;
        if let Some(rt) = client.refresh_token() {
            creds.identity_token = Some(rt);
        }
    }
    credentials::store(&path, &key, &creds)?;
    println!("Login Succeeded");
    Ok(0)
}

/// Removes stored credentials.
pub fn logout(_ctx: &Context, a: LogoutArgs) -> anyhow::Result<i32> {
    let path = credentials::auth_file(a.authfile.as_deref());
    if a.all {
        credentials::remove_all(&path)?;
        println!("Removed login credentials for all registries");
        return Ok(0);
    }
    let key = registry_key(a.registry.as_deref());
    // docker 20.10 says so whether or not there was a login, and exits 0
    // (cleanup scripts log out unconditionally).
    credentials::remove(&path, &key)?;
    println!("Removing login credentials for {key}");
    Ok(0)
}
