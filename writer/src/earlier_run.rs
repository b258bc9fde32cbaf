//! The configured path holds the newest run. When it (or a rotated series at it) still holds
//! an earlier run's data, those files are moved aside, all under one name that carries the
//! earlier run's start time, before the new run writes; nothing is deleted or overwritten.
//! A live process holds a lock on the file it writes, and a locked file is never moved: a
//! second concurrent run takes the next free numbered name instead.
//!
//! `logs/trial.bin` of a run started 2026-12-06 21:17:45 UTC becomes
//! `logs/trial.20261206T211745Z.bin`; its companions (`trial.log`, `trial.log.1`,
//! `trial.csv`) and a series (`trial.000001.bin`, …) take the same stamp after the stem
//! (`trial.20261206T211745Z.log.1`, `trial.20261206T211745Z.000001.bin`). Such names are
//! never part of the new run's series, so its retention never counts or deletes them.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use ttlog_format::Header;

/// How many stems (`trial`, `trial-2`, …) are tried before giving up.
const MAX_STEMS: u32 = 10_000;

/// The files a run was given: the stem its files are named from, and what was done to make
/// room for them.
#[derive(Debug, Default)]
pub struct Claim {
    /// The stem the new run writes under: the one configured, or `STEM-2`, … when a live
    /// process still writes the configured one.
    pub stem: PathBuf,
    /// Files of an earlier run moved aside, `(from, to)`.
    pub moved: Vec<(PathBuf, PathBuf)>,
    /// Empty leftovers removed (a file that holds no data is not kept).
    pub removed: Vec<PathBuf>,
    /// Stems passed over because a live process writes them.
    pub live: Vec<PathBuf>,
}

impl Claim {
    /// The line telling the user where an earlier run went, or which name a concurrent run
    /// took; `None` when nothing was in the way.
    pub fn message(&self, configured: &Path) -> Option<String> {
        let mut parts = Vec::new();
        if let Some((from, to)) = self.moved.first() {
            let more = self.moved.len() - 1;
            parts.push(format!(
                "{} held an earlier run; moved it to {}{}",
                from.display(),
                to.display(),
                if more > 0 {
                    format!(" (and {more} more file(s) of that run beside it)")
                } else {
                    String::new()
                }
            ));
        }
        if !self.live.is_empty() {
            parts.push(format!(
                "{} is being written by a live process; this run writes {}",
                configured.display(),
                self.stem.display()
            ));
        }
        (!parts.is_empty()).then(|| format!("ttlog: {}", parts.join("; ")))
    }
}

/// Makes room for a new run whose files are `stem` + each of `exts` (`".bin"`, `".log"`,
/// …; `""` for a path with no extension), with their rotated forms (`stem.000001.bin`,
/// `stem.log.1`). Returns the stem to write under. An earlier run's files at the first stem
/// no live process holds are moved aside together (see the module docs); empty ones are
/// removed.
pub fn claim(stem: &Path, exts: &[&str]) -> io::Result<Claim> {
    let mut claim = Claim::default();
    for n in 1..=MAX_STEMS {
        let candidate = if n == 1 {
            stem.to_path_buf()
        } else {
            numbered(stem, n)
        };
        let files = run_files(&candidate, exts);
        if files.iter().any(|f| is_live(f)) {
            claim.live.push(candidate);
            continue;
        }
        move_aside(&candidate, &files, &mut claim)?;
        claim.stem = candidate;
        return Ok(claim);
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "{} and {MAX_STEMS} numbered names beside it are held by live processes",
            stem.display()
        ),
    ))
}

/// Locks `file` for the run writing it. `Ok(false)` when another open file (another
/// process, or another logger of this one) holds the lock.
pub(crate) fn lock(file: &File) -> io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => Ok(true),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// True when a live writer holds `path`'s lock (SPEC.md 3, "The writer's lock").
pub fn is_live(path: &Path) -> bool {
    ttlog_format::lock::is_being_written(path)
}

/// `logs/trial` → `logs/trial-2`.
pub(crate) fn numbered(stem: &Path, n: u32) -> PathBuf {
    let mut name = stem.file_name().unwrap_or_default().to_os_string();
    name.push(format!("-{n}"));
    stem.with_file_name(name)
}

/// The files of the run named `stem`: `stem{ext}`, `stem{ext}.N` (backups, as Python's
/// `RotatingFileHandler` names them) and `stem.NNNNNN{ext}` (a series), sorted.
fn run_files(stem: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let dir = match stem.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(stem_name) = stem.file_name().and_then(|s| s.to_str()) else {
        return Vec::new();
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(stem_name)) else {
                return false;
            };
            exts.iter().any(|ext| {
                rest == *ext
                    || rest
                        .strip_prefix(ext)
                        .and_then(|r| r.strip_prefix('.'))
                        .is_some_and(digits)
                    || rest
                        .strip_prefix('.')
                        .and_then(|r| r.strip_suffix(ext))
                        .is_some_and(|d| d.len() == 6 && digits(d))
            })
        })
        .map(|entry| entry.path())
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found
}

fn move_aside(stem: &Path, files: &[PathBuf], claim: &mut Claim) -> io::Result<()> {
    let (empty, full): (Vec<&PathBuf>, Vec<&PathBuf>) = files
        .iter()
        .partition(|f| fs::metadata(f).is_ok_and(|m| m.len() == 0));
    for f in empty {
        if fs::remove_file(f).is_ok() {
            claim.removed.push(f.clone());
        }
    }
    if full.is_empty() {
        return Ok(());
    }
    let stamp = run_stamp(&full);
    let stem_name = stem.file_name().unwrap_or_default().to_string_lossy();
    // One stamp for every file of the run; a second earlier run of the same second gets
    // `-2` after its stamp.
    let mut tag = stamp.clone();
    for n in 2.. {
        let clash = full.iter().any(|f| aside(f, &stem_name, &tag).exists());
        if !clash {
            break;
        }
        tag = format!("{stamp}-{n}");
    }
    for f in full {
        let to = aside(f, &stem_name, &tag);
        move_without_replacing(f, &to)?;
        claim.moved.push((f.clone(), to));
    }
    Ok(())
}

/// Renames `from` to `to` unless `to` exists (a rename would replace it): a hard link that
/// fails on an existing name, then the old name removed; where links are not supported, a
/// rename after a last look.
fn move_without_replacing(from: &Path, to: &Path) -> io::Result<()> {
    match fs::hard_link(from, to) {
        Ok(()) => fs::remove_file(from),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if to.exists() => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists", to.display()),
        )),
        Err(_) => fs::rename(from, to),
    }
}

/// `trial.log.1` with stem `trial` and tag `T` → `trial.T.log.1`.
fn aside(file: &Path, stem_name: &str, tag: &str) -> PathBuf {
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let rest = name.strip_prefix(stem_name).unwrap_or("");
    file.with_file_name(format!("{stem_name}.{tag}{rest}"))
}

/// When the earlier run started: the `created` time in the header of its first ttlog file,
/// else the oldest modification time of its files. `20261206T211745Z` (UTC).
fn run_stamp(files: &[&PathBuf]) -> String {
    let from_header = files.iter().find_map(|f| {
        let mut head = Vec::new();
        File::open(f)
            .ok()?
            .take(1 << 20)
            .read_to_end(&mut head)
            .ok()?;
        Header::decode(&head).ok()?.0.created_ns
    });
    let ns = from_header.unwrap_or_else(|| {
        files
            .iter()
            .filter_map(|f| fs::metadata(f).ok()?.modified().ok())
            .filter_map(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_nanos().min(u128::from(u64::MAX)) as u64)
            .min()
            .unwrap_or(0)
    });
    let mut text = String::new();
    ttlog_format::time::format_rfc3339(ns, &mut text);
    // 2026-12-06T21:17:45.123456789Z → 20261206T211745Z
    let digits: String = text[..19]
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    format!("{digits}Z")
}

/// Opens `path` for a new run: created, or an empty leftover reused; locked either way.
/// `Ok(None)` when another process got there first.
pub(crate) fn open_new(path: &Path) -> io::Result<Option<File>> {
    let file = match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let file = OpenOptions::new().write(true).open(path)?;
            if !lock(&file)? || file.metadata()?.len() != 0 {
                return Ok(None);
            }
            return Ok(Some(file));
        }
        Err(e) => return Err(e),
    };
    Ok(lock(&file)?.then_some(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_and_its_companions_move_aside_together() {
        let dir = tempfile::tempdir().unwrap();
        let stem = dir.path().join("trial");
        for name in [
            "trial.bin",
            "trial.log",
            "trial.log.1",
            "trial.csv",
            "trial-2.bin",
            "trial.000001.bin",
        ] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        fs::write(dir.path().join("trial.txt"), b"x").unwrap();
        fs::write(dir.path().join("trial.log.2"), b"").unwrap();
        let claim = claim(&stem, &[".bin", ".log", ".csv"]).unwrap();
        assert_eq!(claim.stem, stem);
        assert_eq!(claim.moved.len(), 5);
        assert_eq!(claim.removed, [dir.path().join("trial.log.2")]);
        let tag = {
            let to = claim.moved[0]
                .1
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            to.split('.').nth(1).unwrap().to_string()
        };
        assert_eq!(tag.len(), "20261206T211745Z".len());
        for name in ["bin", "log", "log.1", "csv", "000001.bin"] {
            assert!(
                dir.path().join(format!("trial.{tag}.{name}")).exists(),
                "{name}"
            );
        }
        for kept in ["trial-2.bin", "trial.txt"] {
            assert!(dir.path().join(kept).exists());
        }
        // A second earlier run of the same second gets its own name.
        fs::write(dir.path().join("trial.bin"), b"y").unwrap();
        let again = super::claim(&stem, &[".bin"]).unwrap();
        let to = &again.moved[0].1;
        assert!(to.to_string_lossy().ends_with("Z-2.bin"), "{to:?}");
    }

    #[test]
    fn a_live_run_is_never_moved() {
        let dir = tempfile::tempdir().unwrap();
        let stem = dir.path().join("trial");
        let path = dir.path().join("trial.bin");
        let live = open_new(&path).unwrap().unwrap();
        fs::write(&path, b"data").unwrap();
        let claim = claim(&stem, &[".bin"]).unwrap();
        assert_eq!(claim.stem, dir.path().join("trial-2"));
        assert!(claim.moved.is_empty());
        assert_eq!(fs::read(&path).unwrap(), b"data");
        assert!(claim.message(&path).unwrap().contains("live process"));
        drop(live);
        let after = super::claim(&stem, &[".bin"]).unwrap();
        assert_eq!(after.stem, stem);
        assert_eq!(after.moved.len(), 1);
    }
}
