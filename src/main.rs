//! The `rcon` executable: everything happens in the library. Five entry
//! points: the command line, a detached container's monitor (which
//! `rcon run -d` and `rcon start` execute, so that it loads nothing else),
//! the API service's helper (`rcon system service` executes it), the
//! rootless port forwarder (`network::forward`), and the keeper of a
//! rootless spare network namespace (`network::pasta`).

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    rcon::runtime::exe::name_process(args.first());
    // Rootless: join the user's namespace first, while single-threaded.
    if let Err(e) = rcon::runtime::rootless::enter() {
        eprintln!("rcon: {e}");
        std::process::exit(125);
    }
    if args.get(1).is_some_and(|a| a == rcon::container::monitor::ENTRY) {
        std::process::exit(rcon::container::monitor::main(&args[2..]));
    }
    if args.get(1).is_some_and(|a| a == rcon::network::forward::ENTRY) {
        std::process::exit(rcon::network::forward::main(&args[2..]));
    }
    if args.get(1).is_some_and(|a| a == rcon::network::pasta::SPARE_ENTRY) {
        std::process::exit(rcon::network::pasta::spare_main(&args[2..]));
    }
    if args.get(1).is_some_and(|a| a == rcon::api::worker::ENTRY) {
        std::process::exit(rcon::api::worker::main(&args[2..]));
    }
    std::process::exit(rcon::cli::main(args));
}
