//! `rcon exec [-d] [-i] [-t] [-e] [-u] [-w] CONTAINER COMMAND [ARG…]`.

use super::Context;
use clap::Args;

/// Flags of `rcon exec`. Parsing stops at CONTAINER's command.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Detached mode: run the command in the background
    #[arg(short, long)]
    pub detach: bool,
    /// Keep STDIN open
    #[arg(short, long)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY
    #[arg(short, long)]
    pub tty: bool,
    /// Set environment variables (KEY=VALUE, or KEY to take it from rcon's environment)
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Username or UID, optionally with a group: USER[:GROUP]
    #[arg(short = 'u', long, value_name = "USER[:GROUP]")]
    pub user: Option<String>,
    /// Working directory inside the container
    #[arg(short = 'w', long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// CONTAINER, then the command and its arguments
    #[arg(value_name = "CONTAINER COMMAND [ARG...]", required = true, num_args = 2.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Runs a command in a running container; exits with its code. A command
/// that cannot be found or invoked is exit 126 with docker's words, on
/// stdout as docker's (its daemon reports every failed exec start as 126,
/// not run's 127).
pub fn run(ctx: &Context, a: ExecArgs) -> anyhow::Result<i32> {
    let store = ctx.store()?;
    let mut args = a.args.into_iter();
    let container = args.next().expect("clap requires CONTAINER");
    let opts = crate::container::exec::ExecOptions {
        container,
        command: args.collect(),
        env: a.env,
        user: a.user,
        workdir: a.workdir,
        detach: a.detach,
        interactive: a.interactive,
        tty: a.tty,
    };
    match crate::container::exec::exec(&store, &opts).map_err(anyhow::Error::from) {
        Err(e) => match e.chain().find_map(|c| c.downcast_ref::<crate::runtime::Error>()) {
            Some(r) if matches!(r.exit_code(), 126 | 127) => {
                // docker's CLI prints this one on stdout, ending in CRLF.
                print!("OCI runtime exec failed: exec failed: unable to start container process: {r}: unknown\r\n");
                Ok(126)
            }
            _ => Err(e),
        },
        ok => ok,
    }
}
