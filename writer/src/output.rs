//! The files the writer thread writes: header, blocks, trailer, rotation and retention.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ttlog_format::record::tag;
use ttlog_format::{BlockBuilder, BlockKind, ClockSync, EndMarker, Frame, Header};

use crate::clock::{wall_now_ns, Anchor};
use crate::earlier_run;
use crate::{Error, Fsync};

/// When to start a new file, and how many to keep.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Rotation {
    pub max_bytes: Option<u64>,
    pub max_age: Option<Duration>,
    pub max_files: Option<usize>,
}

impl Rotation {
    fn enabled(&self) -> bool {
        self.max_bytes.is_some() || self.max_age.is_some()
    }
}

/// Totals for the trailer of the file being written.
#[derive(Default)]
struct FileTotals {
    events: u64,
    dropped: u64,
    blocks: u64,
    min_ts: Option<u64>,
    max_ts: u64,
    block_offsets: Vec<u64>,
}

pub(crate) struct Output {
    base: PathBuf,
    rotation: Rotation,
    header: Header,
    file: Option<File>,
    path: PathBuf,
    seq: u64,
    /// Bytes of the current file; the offset of the next block.
    offset: u64,
    opened_at: Instant,
    totals: FileTotals,
    trailer: BlockBuilder,
    scratch: Vec<u8>,
    files_opened: u64,
    fsync: Fsync,
    synced_at: Instant,
    overwrite: bool,
    /// The file closed by a rotation, kept open (and so locked) until the next file of the
    /// series is, so that no moment of the run leaves its series unlocked.
    held: Option<File>,
}

/// How many times a new file's name is looked for before giving up.
const MAX_NAME_TRIES: u32 = 10_000;

impl Output {
    /// Opens the first file. Errors here are returned to `init`: a logger that cannot create
    /// its file at all should say so at once.
    pub(crate) fn open(
        base: &Path,
        header: Header,
        rotation: Rotation,
        fsync: Fsync,
        overwrite: bool,
    ) -> Result<Output, Error> {
        if let Some(dir) = base.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut base = base.to_path_buf();
        if rotation.enabled() && !overwrite {
            // A new run starts a new series; an earlier run's series is moved aside whole, so
            // this run's retention never counts or deletes it.
            let (stem, ext) = stem_and_ext(&base);
            let claim = earlier_run::claim(&stem, &[&ext]).map_err(|source| Error::Io {
                path: base.clone(),
                source,
            })?;
            if let Some(line) = claim.message(&base) {
                eprintln!("{line}");
            }
            let mut path = claim.stem.into_os_string();
            path.push(&ext);
            base = PathBuf::from(path);
        }
        let seq = if rotation.enabled() {
            series(&base).last().map_or(1, |(n, _)| n + 1)
        } else {
            0
        };
        let mut out = Output {
            base,
            rotation,
            header,
            file: None,
            path: PathBuf::new(),
            seq,
            offset: 0,
            opened_at: Instant::now(),
            totals: FileTotals::default(),
            trailer: BlockBuilder::new(),
            scratch: Vec::new(),
            files_opened: 0,
            fsync,
            synced_at: Instant::now(),
            overwrite,
            held: None,
        };
        out.open_file().map_err(|source| Error::Io {
            path: out.path.clone(),
            source,
        })?;
        Ok(out)
    }

    fn open_file(&mut self) -> io::Result<u64> {
        let (mut file, path) = self.create()?;
        self.path = path;
        self.header.rotation_seq = self.rotation.enabled().then_some(self.seq);
        self.header.created_ns = Some(wall_now_ns());
        let mut bytes = Vec::new();
        self.header.encode(&mut bytes);
        file.write_all(&bytes)?;
        self.file = Some(file);
        self.held = None;
        self.files_opened += 1;
        self.offset = bytes.len() as u64;
        self.opened_at = Instant::now();
        self.totals = FileTotals::default();
        if let Some(keep) = self.rotation.max_files.filter(|_| self.rotation.enabled()) {
            let files = series(&self.base);
            for (_, old) in files.iter().take(files.len().saturating_sub(keep)) {
                let _ = fs::remove_file(old);
            }
        }
        Ok(self.offset)
    }

    /// Creates the next file, never destroying one that holds data: with rotation, the next
    /// free number of the series (an earlier run's series was moved aside by `open`);
    /// without, at the start of the run the configured path, an earlier run's file there
    /// first moved aside (`earlier_run`), or `STEM-2.EXT`, … while a live process writes
    /// it; later (the file was deleted or replaced under us) the path when free, else the
    /// first free `STEM-2.EXT`, …: a file put there during the run is not ours to move.
    /// `overwrite` replaces the file at the path, as the user asked. The file is locked while
    /// it is written.
    fn create(&mut self) -> io::Result<(File, PathBuf)> {
        let (stem, ext) = stem_and_ext(&self.base);
        let with_ext = |stem: PathBuf| {
            let mut path = stem.into_os_string();
            path.push(&ext);
            PathBuf::from(path)
        };
        for n in 1..=MAX_NAME_TRIES {
            let path = if self.rotation.enabled() {
                series_path(&self.base, self.seq)
            } else if self.overwrite {
                let file = File::create(&self.base)?;
                earlier_run::lock(&file)?;
                return Ok((file, self.base.clone()));
            } else if self.files_opened == 0 {
                let claim = earlier_run::claim(&stem, &[&ext])?;
                if let Some(line) = claim.message(&self.base) {
                    eprintln!("{line}");
                }
                with_ext(claim.stem)
            } else if n == 1 {
                self.base.clone()
            } else {
                with_ext(earlier_run::numbered(&stem, n))
            };
            match earlier_run::open_new(&path)? {
                Some(file) => return Ok((file, path)),
                // Taken (by another process, or data put there): the next name.
                None if self.rotation.enabled() => self.seq += 1,
                None => {}
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} and {MAX_NAME_TRIES} names beside it are taken",
                self.base.display()
            ),
        ))
    }

    /// True when the open file is no longer the one at its path: deleted, or replaced by
    /// another file. Two `stat`s, once per block.
    fn file_gone(&self) -> bool {
        let Some(file) = &self.file else {
            return false;
        };
        match (file.metadata(), fs::metadata(&self.path)) {
            (Ok(open), Ok(at_path)) => identity(&open) != identity(&at_path),
            (_, Err(e)) => e.kind() == io::ErrorKind::NotFound,
            _ => false,
        }
    }

    /// Writes one framed block. On error the caller counts the block's events as lost.
    ///
    /// A failed write keeps the file: part of the block may be on disk, and readers skip it
    /// by its CRC and find the next block. A file deleted or replaced under us is noticed
    /// before each block, and the block goes to a new file (with a fresh header, under the
    /// same rules as the first), so no event is written where nobody can read it.
    pub(crate) fn write_block(&mut self, bytes: &[u8], frame: &Frame) -> io::Result<u64> {
        if self.file_gone() {
            let old = self.path.clone();
            self.file = None;
            let written = self.open_file()?;
            eprintln!(
                "ttlog: {} was deleted or replaced; writing on in {}",
                old.display(),
                self.path.display()
            );
            return self.append(bytes, frame).map(|n| n + written);
        }
        self.append(bytes, frame)
    }

    fn append(&mut self, bytes: &[u8], frame: &Frame) -> io::Result<u64> {
        let mut written = 0;
        if self.file.is_none() {
            written += self.open_file()?;
        }
        let file = self.file.as_mut().expect("opened above");
        file.write_all(bytes)?;
        let sync_now = match self.fsync {
            Fsync::Never => false,
            Fsync::EveryBlock => true,
            Fsync::Interval(d) => self.synced_at.elapsed() >= d,
        };
        if sync_now {
            file.sync_data()?;
            self.synced_at = Instant::now();
        }
        let t = &mut self.totals;
        t.block_offsets.push(self.offset);
        t.blocks += 1;
        t.events += u64::from(frame.event_count);
        if frame.record_count > 0 {
            t.min_ts = Some(t.min_ts.map_or(frame.min_ts, |m| m.min(frame.min_ts)));
            t.max_ts = t.max_ts.max(frame.max_ts);
        }
        self.offset += bytes.len() as u64;
        Ok(written + bytes.len() as u64)
    }

    /// Notes events reported lost in the current file, for its trailer.
    pub(crate) fn note_dropped(&mut self, count: u64) {
        self.totals.dropped += count;
    }

    /// True when a rotation limit is reached.
    pub(crate) fn wants_rotation(&self) -> bool {
        self.file.is_some()
            && (self.rotation.max_bytes.is_some_and(|m| self.offset >= m)
                || self
                    .rotation
                    .max_age
                    .is_some_and(|a| self.opened_at.elapsed() >= a))
    }

    /// Closes the current file cleanly; the next file of the series is opened when the next
    /// block is written, so a logger stopped right after a rotation leaves no empty file (and
    /// retention never deletes data to make room for one). Returns the bytes written.
    pub(crate) fn rotate(&mut self) -> io::Result<u64> {
        let closed = self.close(None);
        self.seq += 1;
        closed
    }

    /// Files opened so far.
    pub(crate) fn files_opened(&self) -> u64 {
        self.files_opened
    }

    /// Closes the last file of the run, its trailer recording how the run ended (`end`,
    /// SPEC.md 6): `clean`, `panic`, `exception`, `signal-SIGTERM`, …
    pub(crate) fn close_run(&mut self, end: &str) -> io::Result<u64> {
        self.close(Some(end))
    }

    /// Writes the trailer block (with `end` when this file ends the run) and end marker,
    /// and syncs the file. Returns the bytes written.
    fn close(&mut self, end: Option<&str>) -> io::Result<u64> {
        let Some(mut file) = self.file.take() else {
            return Ok(0);
        };
        let ends_run = end.is_some();
        let t = &self.totals;
        let int = |v: u64| ciborium::Value::Integer(v.into());
        let mut map = vec![
            (ciborium::Value::Text("events".into()), int(t.events)),
            (ciborium::Value::Text("dropped".into()), int(t.dropped)),
            (ciborium::Value::Text("blocks".into()), int(t.blocks)),
            (
                ciborium::Value::Text("min_ts".into()),
                int(t.min_ts.unwrap_or(0)),
            ),
            (ciborium::Value::Text("max_ts".into()), int(t.max_ts)),
            (
                ciborium::Value::Text("block_offsets".into()),
                ciborium::Value::Array(t.block_offsets.iter().map(|&o| int(o)).collect()),
            ),
        ];
        if let Some(end) = end {
            map.push((
                ciborium::Value::Text("end".into()),
                ciborium::Value::Text(end.into()),
            ));
        }
        let map = ciborium::Value::Map(map);
        let mut body = Vec::new();
        ciborium::into_writer(&map, &mut body).expect("writing CBOR to a Vec cannot fail");
        self.trailer.raw_record(tag::TRAILER, &body);
        self.scratch.clear();
        self.trailer.finish(BlockKind::Trailer, &mut self.scratch);
        let end = EndMarker {
            trailer_offset: self.offset,
        };
        self.scratch.extend_from_slice(&end.encode());
        file.write_all(&self.scratch)?;
        file.sync_all()?;
        if !ends_run {
            self.held = Some(file);
        }
        self.offset += self.scratch.len() as u64;
        Ok(self.scratch.len() as u64)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Syncs what was written to disk (before a snapshot: the main log must hold what the
    /// snapshot says happened).
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.sync_data(),
            None => Ok(()),
        }
    }
}

/// The header every file of this logger starts with (and, with a `snapshot` key, its
/// snapshot files).
pub(crate) fn base_header(service: Option<String>, anchor: &Anchor) -> Header {
    let mut header = Header::new(session_id());
    header.writer = Some("ttlog".into());
    header.writer_version = Some(env!("CARGO_PKG_VERSION").into());
    // A header holds at most 1 MiB; a service name has no need of more than a few bytes.
    header.service = service.map(|mut s| {
        let mut end = s.len().min(4096);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s
    });
    header.pid = Some(u64::from(std::process::id()));
    header.host = host_name();
    header.clock = Some(ClockSync {
        source: "tsc-or-monotonic".into(),
        wall_ns: anchor.wall_ns,
        ticks_per_second: anchor.ticks_per_second(),
    });
    header
}

/// `logs/trace.bin` → (`logs/trace`, `.bin`); `logs/trace` → (`logs/trace`, ``).
fn stem_and_ext(base: &Path) -> (PathBuf, String) {
    match base.extension() {
        Some(ext) => (
            base.with_extension(""),
            format!(".{}", ext.to_string_lossy()),
        ),
        None => (base.to_path_buf(), String::new()),
    }
}

/// `base` with `suffix` between its stem and its extension.
fn with_suffix(base: &Path, suffix: &str) -> PathBuf {
    let stem = base.file_stem().unwrap_or_default().to_string_lossy();
    let name = match base.extension() {
        Some(ext) => format!("{stem}{suffix}.{}", ext.to_string_lossy()),
        None => format!("{stem}{suffix}"),
    };
    base.with_file_name(name)
}

#[cfg(unix)]
fn identity(meta: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(meta: &fs::Metadata) -> (u64, u64) {
    (meta.len(), 0)
}

/// `logs/trace.bin` → `logs/trace.000042.bin`.
fn series_path(base: &Path, seq: u64) -> PathBuf {
    with_suffix(base, &format!(".{seq:06}"))
}

/// The existing files of a rotated series, oldest first.
fn series(base: &Path) -> Vec<(u64, PathBuf)> {
    let dir = match base.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let stem = base.file_stem().unwrap_or_default().to_string_lossy();
    let ext = base.extension().map(|e| e.to_string_lossy());
    let mut found: Vec<(u64, PathBuf)> = fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let rest = name.strip_prefix(stem.as_ref())?.strip_prefix('.')?;
            let digits = match &ext {
                Some(ext) => rest.strip_suffix(ext.as_ref())?.strip_suffix('.')?,
                None => rest,
            };
            if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((digits.parse().ok()?, entry.path()))
        })
        .collect();
    found.sort();
    found
}

/// 128 bits from the standard library's per-process random hash keys, mixed with the time.
fn session_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut parts = [0u64; 2];
    for (i, part) in parts.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(wall_now_ns());
        h.write_u32(std::process::id());
        h.write_usize(i);
        *part = h.finish();
    }
    format!("{:016x}{:016x}", parts[0], parts[1])
}

fn host_name() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_names() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("run.bin");
        assert_eq!(series_path(&base, 7), dir.path().join("run.000007.bin"));
        for n in [3, 1, 12] {
            fs::write(series_path(&base, n), b"").unwrap();
        }
        fs::write(dir.path().join("run.bin"), b"").unwrap();
        fs::write(dir.path().join("run.12.bin"), b"").unwrap();
        let seqs: Vec<u64> = series(&base).into_iter().map(|(n, _)| n).collect();
        assert_eq!(seqs, [1, 3, 12]);
    }
}
