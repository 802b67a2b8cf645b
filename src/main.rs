//! Entry point: parse arguments, run, map the outcome to an exit code.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;
use cvdoctor::cli::{self, Cli, Outcome};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli::run(cli) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            // A closed pipe (`cvdoctor ... | head`) is the reader's choice, not a failure.
            // See: https://github.com/BurntSushi/ripgrep/blob/master/crates/core/main.rs
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("cvdoctor: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
