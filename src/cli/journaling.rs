//! The session journal of `sockscope run` and `sockscope shell`: the same crash journal as
//! the app's ([`Journal`], in [`Journal::data_dir`]), attached to the runner's log, so that a
//! run or a shell killed with `-9` can be recovered with `sockscope recover`.

use crate::log::journal::Journal;
use crate::script::Runner;

use super::err_line;

/// Attaches a new journal in the data folder to the runner's log, unless `enabled` is false.
/// A journal that cannot be made is said on standard error; the session goes on without it.
pub(crate) fn attach(runner: &Runner, enabled: bool) {
    if !enabled {
        return;
    }
    match Journal::create() {
        Ok(j) => {
            runner.with_session(|s| s.log.attach_journal(j));
        }
        Err(e) => err_line(&format!("sockscope: the session is not journaled: {e}")),
    }
}

/// Ends the journal of `log`: deleted as at a clean exit, or, with `keep`, written out and
/// left for `sockscope recover` (said on standard error).
pub(crate) fn end(log: &mut crate::log::SessionLog, keep: bool) {
    let Some(j) = log.take_journal() else {
        return;
    };
    if keep {
        let path = j.path().to_path_buf();
        drop(j);
        err_line(&format!(
            "sockscope: the session journal is kept: sockscope recover --save FILE {}",
            path.display()
        ));
    } else if let Err(e) = j.finish() {
        err_line(&format!("sockscope: {e}"));
    }
}
