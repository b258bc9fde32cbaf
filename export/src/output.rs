//! Where an export goes: a file that is never one of the inputs, never a ttlog log, and
//! appears whole or not at all.
//!
//! An export is written to a hidden file beside its destination and renamed over it only
//! when it is complete ([`OutputFile::commit`]), so a failed or interrupted conversion
//! leaves an earlier export of the same name as it was, and no half-written file. Naming an
//! input as the output (`convert run.bin -o run.bin`), or any file that holds a ttlog log,
//! is refused before anything is written: converting must never destroy the data it reads.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use ttlog_format::MAGIC;

/// Why an output path was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum OutputError {
    /// The output is one of the inputs (the same file, by whatever path).
    IsAnInput(PathBuf),
    /// The output exists and holds a ttlog log, which the export would replace.
    HoldsALog(PathBuf),
    /// Creating the file beside the destination, or the final rename, failed.
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::IsAnInput(p) => write!(
                f,
                "{}: is one of the inputs: give another output path (nothing was written)",
                p.display()
            ),
            OutputError::HoldsALog(p) => write!(
                f,
                "{}: holds a ttlog log, which the export would replace: give another output \
                 path (nothing was written)",
                p.display()
            ),
            OutputError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for OutputError {}

impl OutputError {
    /// Whether the path itself was refused (a usage error), rather than failing to write.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, OutputError::Io(..))
    }
}

/// An export being written; dropped without [`commit`](Self::commit), it leaves nothing.
#[derive(Debug)]
pub struct OutputFile {
    dest: PathBuf,
    /// The hidden file beside `dest`; `None` when writing straight to a device or pipe.
    tmp: Option<PathBuf>,
    committed: bool,
}

/// Whether `a` and `b` are the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Whether `path` is a regular file that starts as a ttlog log does (a device or a pipe
/// is never read: that could block, or take data meant for another reader).
fn holds_log(path: &Path) -> bool {
    use std::io::Read;
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = [0u8; 8];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == MAGIC
}

/// Checks that `dest` may receive an export of `inputs` ([`OutputError::IsAnInput`],
/// [`OutputError::HoldsALog`] otherwise), without creating anything.
pub fn check_output(dest: &Path, inputs: &[PathBuf]) -> Result<(), OutputError> {
    if inputs.iter().any(|i| same_file(i, dest)) {
        return Err(OutputError::IsAnInput(dest.to_path_buf()));
    }
    if holds_log(dest) {
        return Err(OutputError::HoldsALog(dest.to_path_buf()));
    }
    Ok(())
}

impl OutputFile {
    /// Checks `dest` ([`check_output`]) and creates the hidden file the export is written
    /// to; returns it with the file to write.
    ///
    /// A destination that exists and is not a regular file (`/dev/stdout`, a named pipe) is
    /// written straight to; a symbolic link is followed, so the file it names is replaced.
    /// An existing file in a directory where no file may be created is written in place.
    pub fn create(dest: &Path, inputs: &[PathBuf]) -> Result<(OutputFile, File), OutputError> {
        check_output(dest, inputs)?;
        if std::fs::metadata(dest).is_ok_and(|m| !m.is_file()) {
            return OutputFile::in_place(dest, false);
        }
        let resolved;
        let dest = if dest.is_symlink() {
            resolved = dest.canonicalize().unwrap_or_else(|_| dest.to_path_buf());
            resolved.as_path()
        } else {
            dest
        };
        let name = dest
            .file_name()
            .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
        let tmp = dest.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let file = match File::options().write(true).create_new(true).open(&tmp) {
            Ok(file) => file,
            // A directory where only the destination itself may be written (a file made
            // writable in a read-only directory): written in place, as the user asked.
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && dest.is_file() => {
                return OutputFile::in_place(dest, true);
            }
            Err(e) => return Err(OutputError::Io(dest.to_path_buf(), e)),
        };
        Ok((
            OutputFile {
                dest: dest.to_path_buf(),
                tmp: Some(tmp),
                committed: false,
            },
            file,
        ))
    }

    /// Writes straight to `dest` (truncating it when `truncate`): nothing to rename.
    fn in_place(dest: &Path, truncate: bool) -> Result<(OutputFile, File), OutputError> {
        let file = File::options()
            .write(true)
            .truncate(truncate)
            .open(dest)
            .map_err(|e| OutputError::Io(dest.to_path_buf(), e))?;
        let out = OutputFile {
            dest: dest.to_path_buf(),
            tmp: None,
            committed: false,
        };
        Ok((out, file))
    }

    /// The destination.
    pub fn path(&self) -> &Path {
        &self.dest
    }

    /// Puts the finished export at its destination (replacing an earlier export there).
    /// Call it after the file was flushed and closed.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let Some(tmp) = &self.tmp else {
            self.committed = true;
            return Ok(());
        };
        // Checked again: the destination may have become a log while the export ran.
        if holds_log(&self.dest) {
            return Err(OutputError::HoldsALog(self.dest.clone()));
        }
        std::fs::rename(tmp, &self.dest).map_err(|e| OutputError::Io(self.dest.clone(), e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let (false, Some(tmp)) = (self.committed, &self.tmp) {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_inputs_and_logs_and_appears_whole() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("run.bin");
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(b"rest of a log");
        std::fs::write(&log, &bytes).unwrap();
        let inputs = vec![log.clone()];
        // The input by another path, and a log that is not an input: refused, kept.
        let other_path = dir.path().join(".").join("run.bin");
        let e = OutputFile::create(&other_path, &inputs).unwrap_err();
        assert!(matches!(e, OutputError::IsAnInput(_)) && e.is_refusal());
        let e = OutputFile::create(&log, &[]).unwrap_err();
        assert!(matches!(e, OutputError::HoldsALog(_)));
        assert_eq!(std::fs::read(&log).unwrap(), bytes);
        // An earlier export is replaced only on commit; a dropped one leaves nothing.
        let out = dir.path().join("run.json");
        std::fs::write(&out, "old").unwrap();
        {
            let (pending, file) = OutputFile::create(&out, &inputs).unwrap();
            std::io::Write::write_all(&mut &file, b"half").unwrap();
            drop(pending);
        }
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
        let (pending, file) = OutputFile::create(&out, &inputs).unwrap();
        std::io::Write::write_all(&mut &file, b"new").unwrap();
        drop(file);
        pending.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no partial file left");
        // A link is followed: the file it names gets the export, the link stays.
        #[cfg(unix)]
        {
            let link = dir.path().join("latest.json");
            std::os::unix::fs::symlink(&out, &link).unwrap();
            let (pending, file) = OutputFile::create(&link, &inputs).unwrap();
            std::io::Write::write_all(&mut &file, b"newer").unwrap();
            pending.commit().unwrap();
            assert!(link.is_symlink());
            assert_eq!(std::fs::read_to_string(&out).unwrap(), "newer");
            // A device is written straight to, never replaced.
            let (pending, file) = OutputFile::create(Path::new("/dev/null"), &inputs).unwrap();
            std::io::Write::write_all(&mut &file, b"gone").unwrap();
            pending.commit().unwrap();
            assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
        }
    }
}
