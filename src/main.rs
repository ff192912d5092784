//! The `rcon` executable: everything happens in the library.

fn main() {
    std::process::exit(rcon::cli::main(std::env::args_os()));
}
