//! The main log of a snapshot, found by session. A snapshot records the path its main log
//! had; when a later run on that path moved the log aside (its name then carries the run's
//! start time, `trial.20261206T211745Z.bin`), the log is the file beside it whose header has
//! the snapshot's session.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use ciborium::Value as C;
use ttlog_format::Header;

/// The header of the ttlog file at `path`, read from its first MiB.
fn header_of(path: &Path) -> Option<Header> {
    let mut head = Vec::new();
    File::open(path)
        .ok()?
        .take(1 << 20)
        .read_to_end(&mut head)
        .ok()?;
    Header::decode(&head).ok().map(|(h, _)| h)
}

/// Where the main log of the run with `session`, recorded at `recorded`, is now: `recorded`
/// itself when it holds that session, else the file beside it named from the same stem
/// (moved aside, or a file of its series) that does; `None` when none does.
pub fn find_main_log(session: &str, recorded: &Path) -> Option<PathBuf> {
    if header_of(recorded).is_some_and(|h| h.session == session) {
        return Some(recorded.to_path_buf());
    }
    let dir = match recorded.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let stem = recorded.file_stem()?.to_str()?;
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix(stem))
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('-'))
                && p.extension() == recorded.extension()
        })
        .collect();
    candidates.sort();
    candidates
        .into_iter()
        .find(|p| header_of(p).is_some_and(|h| h.session == session))
}

/// The snapshot record of `header` (SPEC.md 4), with `main_log` naming where the main log
/// is now (found by session; see [`find_main_log`]) and `main_log_recorded` the path it
/// had, when the two differ. `None` when the header is not a snapshot's.
pub fn snapshot_record(header: &Header) -> Option<C> {
    let C::Map(entries) = header.extra("snapshot")? else {
        return None;
    };
    let mut entries = entries.clone();
    let at = entries
        .iter()
        .position(|(k, _)| k.as_text() == Some("main_log"));
    if let Some(at) = at {
        if let C::Text(recorded) = &entries[at].1 {
            let recorded = recorded.clone();
            if let Some(found) = find_main_log(&header.session, Path::new(&recorded)) {
                let found = found.display().to_string();
                if found != recorded {
                    entries[at].1 = C::Text(found);
                    entries.push((C::Text("main_log_recorded".into()), C::Text(recorded)));
                }
            }
        }
    }
    Some(C::Map(entries))
}
