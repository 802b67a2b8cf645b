//! A progress bar on stderr for long batches (`triage`): drawn only when stderr is a terminal,
//! so pipes, files and CI logs get nothing.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Batches smaller than this finish before a bar would help.
const MIN_ITEMS: usize = 200;

pub fn for_batch(items: usize, what: &'static str) -> ProgressBar {
    if items < MIN_ITEMS || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(items as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {pos}/{len} {msg} [{bar:30}] {elapsed}, {eta} left")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what);
    bar
}
