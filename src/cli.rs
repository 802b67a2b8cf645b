//! Command line: argument definitions (clap derive) and dispatch.
//!
//! Exit codes: 0 nothing found, 1 findings reported, 2 cvdoctor failed or bad usage.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnose::{self, Input};
use crate::render::{self, Format};
use crate::rules::{RuleSet, load_rules};

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  python detect.py 2>&1 | cvdoctor explain
  cvdoctor explain build.log
  cvdoctor explain <(docker logs my-detector 2>&1)
  cvdoctor explain \"(-217:Gpu API call) invalid device function in function 'make_policy'\"
  cvdoctor --format markdown explain traceback.txt > issue.md
  cvdoctor --format json explain - < log.txt | jq '.findings[0].fix'";

const CHECK_EXAMPLES: &str = "\
Examples:
  cvdoctor check                                   this machine, the active Python
  cvdoctor check --python ~/.virtualenvs/cv/bin/python --build-dir ~/opencv/build
  cvdoctor --format json check > facts.json        for support, fleets and scripts
  cvdoctor check --root /mnt/image                 a container image or mounted disk";

const REPORT_EXAMPLES: &str = "\
Examples:
  cvdoctor report -o cvdoctor-report.md            attach this file to your ticket
  cvdoctor report --python ~/.virtualenvs/cv/bin/python --build-dir ~/opencv/build > report.md
  cvdoctor report --no-redact -o full.md           keep names, hosts and paths (your own use)

Redacted by default: the home folder becomes ~, user and host names, GPU UUIDs, serial
numbers, IP and MAC addresses and token-like strings become placeholders (<user-1>, <ip-1>...).";

const TRIAGE_EXAMPLES: &str = "\
Examples:
  cvdoctor triage tickets/                         every file in tickets/, then a summary
  cvdoctor --format jsonl triage tickets/ > triaged.jsonl   one line per report
  cvdoctor --format json triage node-*.json | jq '.summary'";

const INSPECT_EXAMPLES: &str = "\
Examples:
  cvdoctor inspect /usr/local/lib/libopencv_dnn.so --gpu 9.0
  cvdoctor inspect --gpu \"Tesla V100\" --gpu sm_86 -r /usr/local/lib
  cvdoctor inspect --cuobjdump elf libcublasLt.so.13     # same lines as cuobjdump --list-elf
  cvdoctor --format json inspect libfoo.so | jq '.binaries[0].cubins'";

const ROOT_EXAMPLES: &str = "\
Examples:
  cvdoctor check                      this machine's OpenCV + CUDA setup, with fixes
  cvdoctor report -o report.md        a redacted bundle of that, to attach to a ticket
  cvdoctor explain build.log          diagnose a pasted error, log or traceback
  cvdoctor inspect --gpu 9.0 lib.so   the CUDA code in a library, and whether a GPU can run it
  cvdoctor triage tickets/            many users' reports at once, with a summary
  cvdoctor rules                      list every rule
  cvdoctor rules CVD101               the long explanation of one rule

Exit status: 0 nothing found, 1 findings reported, 2 cvdoctor failed or bad usage.
Colour: --color, or NO_COLOR=1 in the environment.";

#[derive(Debug, Parser)]
#[command(name = "cvdoctor", version, about = "Diagnoses OpenCV builds with NVIDIA CUDA and cuDNN, and explains their errors", after_help = ROOT_EXAMPLES)]
pub struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to colour the output; `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Also print the facts read from the input.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Add or override rules with the *.toml files in DIR (same id replaces a built-in rule).
    #[arg(long, global = true, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CuobjdumpList {
    Elf,
    Ptx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain a pasted error, traceback or build log: what went wrong and the exact fix.
    ///
    /// Reads standard input when given no INPUT or `-`. An INPUT that names a file (or a
    /// pipe, such as `<(journalctl -b)`) is read as a file; anything else is taken as the text
    /// itself, unless it looks like a mistyped file name.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain {
        /// Files, `-` for standard input, or the error text itself.
        #[arg(value_name = "INPUT")]
        inputs: Vec<OsString>,
    },
    /// Diagnose this machine: driver, GPUs, CUDA toolkits, cuDNN, the Python and cv2 it
    /// imports, the OpenCV libraries behind it, and the build directory.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Write a bundle to attach to a support ticket: `check`'s summary and findings as
    /// Markdown plus the same data as JSON, with personal and machine identifiers redacted.
    #[command(after_help = REPORT_EXAMPLES)]
    Report {
        #[command(flatten)]
        check: CheckArgs,
        /// Write the bundle to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Keep user and host names, home paths, GPU UUIDs, serials, addresses and tokens.
        #[arg(long)]
        no_redact: bool,
    },
    /// List the CUDA code inside libraries (SASS and PTX per module) and judge whether a GPU
    /// can run it. Reads only headers at their offsets; never loads or runs the file.
    #[command(after_help = INSPECT_EXAMPLES)]
    Inspect {
        /// ELF files (shared libraries, objects, executables), raw fatbins, or directories.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// A GPU to judge the code for: `9.0`, `sm_86` or a name (`"Tesla V100"`); repeatable.
        #[arg(long = "gpu", value_name = "GPU")]
        gpus: Vec<String>,
        /// Walk directories recursively (symlinked directories are not followed).
        #[arg(short = 'r', long)]
        recursive: bool,
        /// Print exactly what `cuobjdump --list-elf` (elf) or `--list-ptx` (ptx) prints.
        #[arg(long, value_enum, value_name = "LIST")]
        cuobjdump: Option<CuobjdumpList>,
        /// The driver's CUDA version (`13.0`), to check that PTX can be JIT-compiled.
        #[arg(long, value_name = "VERSION")]
        driver_cuda: Option<String>,
        /// Resolve needed libraries inside this filesystem (a mounted image or container root)
        /// instead of this machine's; LD_LIBRARY_PATH is then ignored.
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Diagnose many user reports at once: `cvdoctor report` bundles, `check --format json`
    /// outputs or pasted text (one report per file; directories are walked), then a summary.
    /// Check outputs of a fleet are also grouped by node. A progress bar shows on stderr for
    /// large batches when stderr is a terminal.
    #[command(after_help = TRIAGE_EXAMPLES)]
    Triage {
        /// Report files or directories of them; `-` reads one report from stdin.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// List the rules, or print one rule's long explanation (by id or name).
    Rules {
        /// A rule id (`CVD101`) or name (`invalid-device-function`).
        rule: Option<String>,
    },
}

/// What `check` (and `report`) look at.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The Python to check (default: the active virtualenv's, else python3 on PATH).
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// The OpenCV build directory (default: ./build, ., ~/opencv/build when they hold a CMakeCache.txt).
    #[arg(long, value_name = "DIR")]
    build_dir: Option<PathBuf>,
    /// Check a mounted image or container filesystem instead of this machine (device probes are skipped).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Judge OpenCV's CUDA code for this GPU (`8.6`, `sm_86`, `"RTX 3080"`) instead of the
    /// machine's; repeatable. Useful with --root.
    #[arg(long = "gpu", value_name = "GPU")]
    gpus: Vec<String>,
    /// Also import cv2 in that Python and run a small network (convolution + ReLU, built in
    /// memory) with DNN_BACKEND_CUDA; OpenCV's warnings and errors are explained.
    #[arg(long)]
    live: bool,
    /// Seconds the --live run may take before it is killed.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60.0,
        requires = "live"
    )]
    live_timeout: f64,
}

impl CheckArgs {
    fn options(&self) -> Result<crate::check::CheckOptions> {
        let gpus = self
            .gpus
            .iter()
            .map(|g| crate::binary::gpu_spec::parse(g))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!(e))?;
        Ok(crate::check::CheckOptions {
            root: self.root.clone(),
            python: self.python.clone(),
            build_dir: self.build_dir.clone(),
            gpus,
            live: self
                .live
                .then(|| std::time::Duration::from_secs_f64(self.live_timeout.clamp(0.1, 3600.0))),
        })
    }
}

/// What `main` turns into an exit code.
pub enum Outcome {
    Clean,
    Findings,
}

pub fn run(cli: Cli) -> Result<Outcome> {
    configure_color(cli.color);
    // Loading compiles every pattern (~25 ms): done only by the commands that need rules.
    let load =
        || load_rules(cli.rules.as_deref()).map_err(|e| anyhow::anyhow!("invalid rule: {e}"));
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let outcome = match &cli.command {
        Command::Explain { inputs } => {
            explain(&load()?, inputs, cli.format, cli.verbose, &mut out)?
        }
        Command::Check(args) => {
            let opts = args.options()?;
            let report = crate::check::check(&load()?, &opts);
            match cli.format {
                Format::Human => render::check::human(&mut out, &report, cli.verbose)?,
                Format::Json | Format::Jsonl => render::check::json(&mut out, &report)?,
                Format::Markdown => render::check::markdown(&mut out, &report)?,
            }
            if report.findings.is_empty() {
                Outcome::Clean
            } else {
                Outcome::Findings
            }
        }
        Command::Report {
            check,
            output,
            no_redact,
        } => {
            let report = crate::check::check(&load()?, &check.options()?);
            let mut redactor = (!no_redact).then(|| {
                crate::report::redact::Redactor::new(
                    crate::report::redact::Identity::of_this_machine(),
                )
            });
            let bundle = crate::report::bundle(&report, redactor.as_mut())?;
            match output {
                Some(path) => {
                    std::fs::write(path, &bundle)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!(
                        "cvdoctor: wrote {} ({} findings{}); attach it to your ticket",
                        path.display(),
                        report.findings.len(),
                        if *no_redact {
                            ", not redacted"
                        } else {
                            ", redacted"
                        }
                    );
                }
                None => out.write_all(bundle.as_bytes())?,
            }
            if report.findings.is_empty() {
                Outcome::Clean
            } else {
                Outcome::Findings
            }
        }
        Command::Triage { paths } => {
            let rules = load()?;
            let (files, mut unreadable) = crate::triage::collect(paths);
            let jsonl = cli.format == Format::Jsonl;
            // Workers send each report's line here; this thread owns stdout (held by `out`).
            let (lines, received) = std::sync::mpsc::channel::<String>();
            let progress = render::progress::for_batch(files.len() + unreadable.len(), "reports");
            let mut reports = std::thread::scope(|scope| -> Result<_> {
                let worker = scope.spawn(|| {
                    let send = |r: &crate::triage::TriagedReport| {
                        progress.inc(1);
                        if jsonl && let Ok(line) = serde_json::to_string(r) {
                            let _ = lines.send(line);
                        }
                    };
                    unreadable.iter().for_each(send);
                    let keep_json = cli.format == Format::Json;
                    let reports = crate::triage::triage_all(&rules, &files, keep_json, &send);
                    drop(lines);
                    reports
                });
                for line in received {
                    writeln!(out, "{line}")?;
                    out.flush()?;
                }
                worker
                    .join()
                    .map_err(|_| anyhow::anyhow!("a triage worker panicked"))
            })?;
            progress.finish_and_clear();
            reports.append(&mut unreadable);
            let summary = crate::triage::summarize(&reports);
            match cli.format {
                Format::Jsonl => {}
                Format::Json => render::triage::json(&mut out, &reports, &summary)?,
                Format::Human | Format::Markdown => render::triage::human(
                    &mut out,
                    &reports,
                    &summary,
                    cli.format == Format::Markdown,
                )?,
            }
            if summary.reports > 0 && summary.unreadable == summary.reports {
                out.flush()?;
                anyhow::bail!(
                    "none of the {} reports could be read (each one's reason is listed above): check the paths and their permissions",
                    summary.reports
                );
            }
            if summary.with_findings == 0 {
                Outcome::Clean
            } else {
                Outcome::Findings
            }
        }
        Command::Rules { rule } => {
            list_or_show_rules(&load()?, rule.as_deref(), cli.format, &mut out)?;
            Outcome::Clean
        }
        Command::Inspect {
            paths,
            gpus,
            recursive,
            cuobjdump,
            driver_cuda,
            root,
        } => {
            let mut gpus = gpus
                .iter()
                .map(|g| crate::binary::gpu_spec::parse(g))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!(e))?;
            // No --gpu: judge for this machine's GPUs, and use its driver's CUDA version.
            let mut machine_driver = None;
            if gpus.is_empty() && cuobjdump.is_none() {
                match crate::probe::nvml::probe() {
                    Ok(driver) => {
                        gpus = driver
                            .gpus
                            .iter()
                            .map(|g| crate::binary::gpu_spec::GpuSpec {
                                cc: g.compute_capability,
                                name: Some(g.name.clone()),
                            })
                            .collect();
                        machine_driver = Some(driver.cuda_version.clone());
                    }
                    Err(why) => {
                        if cli.verbose {
                            eprintln!("cvdoctor: no GPU of this machine to judge for ({why})");
                        }
                    }
                }
            }
            let no_gpu = gpus.is_empty();
            let driver = match driver_cuda.as_ref().or(machine_driver.as_ref()) {
                Some(v) => Some(
                    crate::version::Version::parse(v)
                        .with_context(|| format!("--driver-cuda {v} is not a version"))?,
                ),
                None => None,
            };
            let mut inspection =
                crate::inspect::inspect(paths, *recursive, &gpus, driver.as_ref(), root.as_deref());
            if crate::inspect::has_failing_verdicts(&inspection) {
                crate::inspect::add_findings(&load()?, &mut inspection);
            }
            for skipped in &inspection.skipped {
                eprintln!("cvdoctor: skipped {skipped}");
            }
            match cuobjdump {
                Some(list) => render::inspect::cuobjdump(&mut out, &inspection, *list)?,
                None => match cli.format {
                    Format::Human => {
                        render::inspect::human(&mut out, &inspection, no_gpu, cli.verbose)?
                    }
                    Format::Json | Format::Jsonl => render::inspect::json(&mut out, &inspection)?,
                    Format::Markdown => render::inspect::markdown(&mut out, &inspection)?,
                },
            }
            if inspection.binaries.is_empty() && !inspection.skipped.is_empty() {
                bail!("nothing could be inspected");
            }
            if inspection.findings.is_empty() {
                Outcome::Clean
            } else {
                Outcome::Findings
            }
        }
    };
    out.flush()?;
    Ok(outcome)
}

fn configure_color(choice: ColorChoice) {
    let enabled = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    };
    colored::control::set_override(enabled);
}

fn explain(
    rules: &RuleSet,
    args: &[OsString],
    format: Format,
    verbose: bool,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let inputs = explain_inputs(args)?;
    let started = std::time::Instant::now();
    let diagnosis = diagnose::diagnose(rules, inputs)?;
    if verbose {
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "cvdoctor: read {} bytes, {} lines in {:.3} s ({:.0} MB/s)",
            diagnosis.bytes,
            diagnosis.lines,
            seconds,
            diagnosis.bytes as f64 / 1e6 / seconds.max(1e-9)
        );
    }
    match format {
        Format::Human => render::human::render(out, &diagnosis, verbose)?,
        Format::Json | Format::Jsonl => render::json::render(out, &diagnosis)?,
        Format::Markdown => render::markdown::render(out, &diagnosis)?,
    }
    Ok(if diagnosis.findings.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// Files, stdin and literal text, in the order given.
/// Arguments are `OsString`s: a file name need not be UTF-8.
fn explain_inputs(args: &[OsString]) -> Result<Vec<Input<'static>>> {
    if args.is_empty() || (args.len() == 1 && args[0] == "-") {
        if io::stdin().is_terminal() {
            eprintln!(
                "cvdoctor: paste the error or log, then press Ctrl-D (Ctrl-Z, Enter on Windows)"
            );
        }
        return Ok(vec![stdin_input()]);
    }
    let mut inputs = Vec::new();
    let mut text_words: Vec<String> = Vec::new();
    for os_arg in args {
        let path = Path::new(os_arg);
        let arg = path.display().to_string();
        if os_arg == "-" {
            inputs.push(stdin_input());
        } else if let Ok(metadata) = path.metadata() {
            if metadata.is_dir() {
                bail!(
                    "{arg} is a directory; give a file, `-` for standard input, or the error text"
                );
            }
            // Not only regular files: `<(journalctl ...)`, `/dev/stdin` and named pipes are
            // streams the shell hands over as paths.
            let file = std::fs::File::open(path).with_context(|| format!("cannot read {arg}"))?;
            inputs.push(Input {
                name: arg,
                reader: Box::new(file),
            });
        } else {
            text_words.push(arg);
        }
    }
    // Words that all look like paths, or a path-like word beside real files, are a mistyped
    // file name rather than error text to explain.
    let path_like: Vec<&String> = text_words
        .iter()
        .filter(|word| looks_like_a_path(word))
        .collect();
    let all_words_are_paths = path_like.len() == text_words.len();
    if let Some(missing) = path_like
        .first()
        .filter(|_| all_words_are_paths || !inputs.is_empty())
    {
        // Quoted for a POSIX shell, so the suggested command works whatever the word holds.
        let quoted = missing.replace('\'', r"'\''");
        bail!(
            "no such file: {missing} (check the path; to explain it as text instead, pipe it: echo '{quoted}' | cvdoctor explain)"
        );
    }
    if !text_words.is_empty() {
        let text = text_words.join(" ");
        inputs.push(Input {
            name: "argument".into(),
            reader: Box::new(io::Cursor::new(text.into_bytes())),
        });
    }
    Ok(inputs)
}

fn stdin_input() -> Input<'static> {
    let reader: Box<dyn Read> = Box::new(crate::stdin::reader());
    Input {
        name: "stdin".into(),
        reader,
    }
}

/// A single word with a slash or a file extension is probably a mistyped path.
fn looks_like_a_path(arg: &str) -> bool {
    !arg.contains(char::is_whitespace)
        && (arg.contains('/')
            || arg
                .rsplit_once('.')
                .is_some_and(|(_, ext)| matches!(ext, "log" | "txt" | "out" | "md")))
}

fn list_or_show_rules(
    rules: &RuleSet,
    which: Option<&str>,
    format: Format,
    out: &mut dyn Write,
) -> Result<()> {
    match which {
        None => crate::render::rules::list(out, rules, format)?,
        Some(id) => match rules.find(id) {
            Some(rule) => crate::render::rules::show(out, rule, format)?,
            None => bail!("{id} is not a rule id or name; `cvdoctor rules` lists them"),
        },
    }
    Ok(())
}
