//! Setting up and tearing down the logger: builder, guard, shared state, statistics, errors.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, RwLock};
use std::thread::{JoinHandle, Thread};
use std::time::Duration;

use crate::filter::{self, Rules};
use crate::output::{Output, Rotation};
use crate::stage::RingReader;
use crate::writer_thread;
use crate::Level;

/// What a thread does when its staging buffer is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnFull {
    /// Wait until the writer thread makes room: nothing is lost, the logging thread may stall.
    #[default]
    Block,
    /// Drop the event and count it; the file gets a DROPPED record saying how many.
    Drop,
}

/// When the writer asks the OS to put written blocks on disk (`fsync`).
///
/// Without it a block is in the OS's page cache as soon as it is written: it survives the
/// process being killed, but not a power loss or kernel crash. Syncing makes blocks survive
/// those too, at the cost of a disk flush per block or interval (milliseconds on some disks),
/// paid by the writer thread, not the logging threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Fsync {
    /// Never (default): fastest; blocks survive a killed process, not a power loss.
    #[default]
    Never,
    /// After every block.
    EveryBlock,
    /// At most once per interval, after a block.
    Interval(Duration),
}

/// Everything that can go wrong in setting up the logger.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A logger is already running; drop its [`Guard`] first.
    AlreadyInitialized,
    /// The log file or its directory could not be created.
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A level filter could not be parsed.
    InvalidFilter(String),
    /// A builder setting is out of range.
    InvalidConfig(String),
    /// No logger is running.
    NotRunning,
    /// A snapshot could not be written.
    Snapshot(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AlreadyInitialized => write!(f, "a ttlog logger is already running"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::InvalidFilter(why) => write!(f, "invalid level filter: {why}"),
            Error::InvalidConfig(why) => write!(f, "invalid configuration: {why}"),
            Error::NotRunning => write!(f, "no ttlog logger is running"),
            Error::Snapshot(why) => write!(f, "snapshot failed: {why}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Counters of a running (or finished) logger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events in blocks that reached the file.
    pub events_written: u64,
    /// Events lost, for any reason; each loss is also recorded in the file.
    pub events_dropped: u64,
    /// Data blocks written.
    pub blocks_written: u64,
    /// Bytes written to files, headers and trailers included.
    pub bytes_written: u64,
    /// Failed writes or opens.
    pub io_errors: u64,
    /// Files opened (more than one with rotation).
    pub files: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub events_written: AtomicU64,
    pub events_dropped: AtomicU64,
    pub blocks_written: AtomicU64,
    pub bytes_written: AtomicU64,
    pub io_errors: AtomicU64,
    pub files: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            events_written: get(&self.events_written),
            events_dropped: get(&self.events_dropped) + UNSTAGED.load(Ordering::Relaxed),
            blocks_written: get(&self.blocks_written),
            bytes_written: get(&self.bytes_written),
            io_errors: get(&self.io_errors),
            files: get(&self.files),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub on_full: OnFull,
    pub buffer_size: usize,
    pub block_size: usize,
    pub flush_interval: Duration,
    /// Least severe level written to the file (lower ones go to the flight recorder only).
    pub file_level: u8,
    /// Least severe level enabled at start.
    pub min_level: u8,
}

/// Where and how snapshots are written.
#[derive(Clone, Debug)]
pub(crate) struct SnapshotSettings {
    pub dir: PathBuf,
    pub timeout: Duration,
    pub on_panic: bool,
    /// The main log's header, reused (with a `snapshot` key) for snapshot files.
    pub header: ttlog_format::Header,
    pub main_log: Option<PathBuf>,
}

/// State shared by the logging threads and the writer thread.
pub(crate) struct Shared {
    pub generation: u64,
    /// The process that started the logger: a child made by `fork` shares this memory but
    /// not the writer thread, and must neither wait for it nor stop it.
    pub pid: u32,
    pub config: Config,
    pub counters: Counters,
    pub recorder: Mutex<crate::recorder::Recorder>,
    pub snapshot: SnapshotSettings,
    pub snapshot_gate: Mutex<()>,
    pub snapshot_job: Mutex<crate::crash::Job>,
    pub snapshot_pending: AtomicBool,
    /// Test hook: makes the writer thread panic (see `__private::inject_writer_panic`).
    pub inject_panic: AtomicBool,
    writer_id: OnceLock<std::thread::ThreadId>,
    new_rings: Mutex<Vec<RingReader>>,
    rings_pending: AtomicBool,
    writer: OnceLock<Thread>,
    writer_alive: AtomicBool,
    shutdown: AtomicBool,
    thread_numbers: AtomicU64,
    flush_requested: AtomicU64,
    flushed: Mutex<u64>,
    flushed_cv: Condvar,
}

impl Shared {
    /// False in a child made by `fork` after this logger started (a system call: cold
    /// paths only).
    pub(crate) fn is_ours(&self) -> bool {
        self.pid == std::process::id()
    }

    pub(crate) fn next_thread_number(&self) -> u64 {
        self.thread_numbers.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn adopt_ring(&self, ring: RingReader) {
        self.new_rings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(ring);
        self.rings_pending.store(true, Ordering::Release);
        self.wake_writer();
    }

    /// New rings registered since the last call, if any (writer thread).
    pub(crate) fn take_new_rings(&self) -> Vec<RingReader> {
        if !self.rings_pending.swap(false, Ordering::Acquire) {
            return Vec::new();
        }
        std::mem::take(&mut *self.new_rings.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// True while the writer thread runs and is not shutting down: waiting for room is
    /// worth it only then.
    pub(crate) fn accepting(&self) -> bool {
        self.writer_alive.load(Ordering::Acquire) && !self.shutdown.load(Ordering::Acquire)
    }

    pub(crate) fn wake_writer(&self) {
        if let Some(t) = self.writer.get() {
            t.unpark();
        }
    }

    pub(crate) fn shutdown_requested(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    pub(crate) fn flush_requested(&self) -> u64 {
        self.flush_requested.load(Ordering::Acquire)
    }

    pub(crate) fn ack_flush(&self, upto: u64) {
        let mut done = self.flushed.lock().unwrap_or_else(|e| e.into_inner());
        if upto > *done {
            *done = upto;
        }
        self.flushed_cv.notify_all();
    }

    pub(crate) fn writer_thread_id(&self) -> Option<std::thread::ThreadId> {
        self.writer_id.get().copied()
    }

    /// True while the writer thread runs (shutting down or not).
    pub(crate) fn writer_running(&self) -> bool {
        self.writer_alive.load(Ordering::Acquire)
    }

    /// Flushes, without blocking longer than `timeout` and without waiting on the writer
    /// from the writer thread itself.
    pub(crate) fn flush_for_exit(&self, timeout: Duration) {
        if self.writer_thread_id() != Some(std::thread::current().id()) && self.writer_running() {
            self.flush(timeout);
        }
    }

    /// Finishes a snapshot job (writer thread).
    pub(crate) fn finish_snapshot(&self, result: Result<PathBuf, String>) {
        let mut job = self.snapshot_job.lock().unwrap_or_else(|e| e.into_inner());
        job.result = Some(result);
        self.snapshot_pending.store(false, Ordering::Release);
    }

    pub(crate) fn writer_exited(&self) {
        self.writer_alive.store(false, Ordering::Release);
        // Release anyone waiting on a flush the writer will never do.
        self.ack_flush(u64::MAX);
    }

    fn flush(&self, timeout: Duration) -> bool {
        let want = self.flush_requested.fetch_add(1, Ordering::AcqRel) + 1;
        self.wake_writer();
        let done = self.flushed.lock().unwrap_or_else(|e| e.into_inner());
        let (done, _) = self
            .flushed_cv
            .wait_timeout_while(done, timeout, |d| *d < want)
            .unwrap_or_else(|e| e.into_inner());
        *done >= want && self.writer_alive.load(Ordering::Acquire)
    }
}

static ACTIVE: RwLock<Option<Arc<Shared>>> = RwLock::new(None);
static ACTIVE_GENERATION: AtomicU64 = AtomicU64::new(0);
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);
/// Events that could not even be staged (the logging thread was exiting).
static UNSTAGED: AtomicU64 = AtomicU64::new(0);

pub(crate) fn active_generation() -> u64 {
    ACTIVE_GENERATION.load(Ordering::Acquire)
}

/// The running logger of this process (not one inherited through `fork`).
pub(crate) fn active() -> Option<Arc<Shared>> {
    ACTIVE
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .filter(|s| s.is_ours())
}

/// The running logger, if it can be had without waiting (from a panic hook, which must
/// never block on a lock a dying thread may hold).
pub(crate) fn active_nonblocking() -> Option<Arc<Shared>> {
    let shared = match ACTIVE.try_read() {
        Ok(a) => a.clone(),
        Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().clone(),
        Err(std::sync::TryLockError::WouldBlock) => None,
    };
    shared.filter(|s| s.is_ours())
}

/// Stops the running logger (final block, trailer) without its guard, waiting at most
/// `timeout`: for `process::exit` and fatal signals.
pub(crate) fn shutdown_active(timeout: Duration) {
    let Some(shared) = active_nonblocking() else {
        return;
    };
    filter::disable_all();
    if let Ok(mut active) = ACTIVE.try_write() {
        if active.as_ref().is_some_and(|a| Arc::ptr_eq(a, &shared)) {
            *active = None;
            ACTIVE_GENERATION.store(0, Ordering::Release);
        }
    }
    shared.shutdown.store(true, Ordering::Release);
    shared.wake_writer();
    if shared.writer_thread_id() == Some(std::thread::current().id()) {
        return;
    }
    let done = shared.flushed.lock().unwrap_or_else(|e| e.into_inner());
    let _ = shared.flushed_cv.wait_timeout_while(done, timeout, |_| {
        shared.writer_alive.load(Ordering::Acquire)
    });
}

pub(crate) fn count_unstaged() {
    UNSTAGED.fetch_add(1, Ordering::Relaxed);
}

/// Configures and starts the logger. Get one with [`builder`](crate::builder).
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `init` is called"]
pub struct Builder {
    path: PathBuf,
    service: Option<String>,
    rules: Rules,
    on_full: OnFull,
    buffer_size: usize,
    block_size: usize,
    flush_interval: Duration,
    rotation: Rotation,
    file_level: Option<Level>,
    memory_only: bool,
    recorder_events: usize,
    recorder_bytes: usize,
    snapshot_dir: Option<PathBuf>,
    snapshot_on_panic: bool,
    snapshot_on_signals: bool,
    snapshot_timeout: Duration,
    fsync: Fsync,
    overwrite: bool,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            path: PathBuf::from("logs/trace.bin"),
            service: None,
            rules: Rules {
                default: Some(Level::Info),
                targets: Vec::new(),
            },
            on_full: OnFull::Block,
            buffer_size: 1 << 20,
            block_size: 64 << 10,
            flush_interval: Duration::from_millis(100),
            rotation: Rotation::default(),
            file_level: None,
            memory_only: false,
            recorder_events: 10_000,
            recorder_bytes: 4 << 20,
            snapshot_dir: None,
            snapshot_on_panic: true,
            snapshot_on_signals: false,
            snapshot_timeout: Duration::from_secs(2),
            fsync: Fsync::Never,
            overwrite: false,
        }
    }
}

impl Builder {
    /// The file to write (default `logs/trace.bin`). Its directory is created if needed.
    ///
    /// A file already there that holds data (an earlier run's log) is kept: this run then
    /// writes `STEM-2.EXT` beside it (`logs/trace-2.bin`), or the first of `STEM-3.EXT`, …
    /// that is free, and says so once on stderr; `ttlog-view logs/*.bin` shows every run.
    /// [`overwrite`](Self::overwrite) replaces it instead. With rotation, this names the
    /// series, which a new run continues: see [`rotate_bytes`](Self::rotate_bytes).
    pub fn path(mut self, path: impl AsRef<Path>) -> Builder {
        self.path = path.as_ref().to_path_buf();
        self
    }

    /// Replace a file already at [`path`](Self::path) instead of keeping it (default
    /// false: an earlier run's log is never destroyed unless asked).
    pub fn overwrite(mut self, overwrite: bool) -> Builder {
        self.overwrite = overwrite;
        self
    }

    /// The application's name, stored in the file header.
    pub fn service(mut self, name: impl Into<String>) -> Builder {
        self.service = Some(name.into());
        self
    }

    /// The least severe level recorded for targets no other rule names (default `Info`).
    pub fn level(mut self, level: Level) -> Builder {
        self.rules.default = Some(level);
        self
    }

    /// The least severe level recorded for `target` and the targets below it
    /// (`motor` covers `motor::pid`); `None` records nothing from it.
    pub fn target_level(mut self, target: impl Into<String>, level: Option<Level>) -> Builder {
        self.rules.targets.push((target.into(), level));
        self
    }

    /// Level rules in the form `info,motor=debug,net::http=off`, replacing earlier ones.
    pub fn filter(mut self, spec: &str) -> Result<Builder, Error> {
        self.rules = Rules::parse(spec)?;
        Ok(self)
    }

    /// What a logging thread does when its staging buffer is full (default [`OnFull::Block`]).
    pub fn on_full(mut self, policy: OnFull) -> Builder {
        self.on_full = policy;
        self
    }

    /// Bytes of staging buffer per logging thread (default 1 MiB, at least 4 KiB). Memory
    /// used is this times the number of threads that log, plus two blocks.
    pub fn buffer_size(mut self, bytes: usize) -> Builder {
        self.buffer_size = bytes;
        self
    }

    /// Uncompressed bytes at which a block is written (default 64 KiB, 1 KiB to 8 MiB).
    pub fn block_size(mut self, bytes: usize) -> Builder {
        self.block_size = bytes;
        self
    }

    /// The longest an event waits in memory before its block is written (default 100 ms), so a
    /// reader following the file sees events within this time.
    pub fn flush_interval(mut self, interval: Duration) -> Builder {
        self.flush_interval = interval;
        self
    }

    /// Starts a new file when the current one reaches `bytes`. With any rotation set, files
    /// are named `STEM.NNNNNN.EXT` beside [`path`](Self::path) (`logs/trace.000001.bin`, …),
    /// numbered on from the highest number already there.
    pub fn rotate_bytes(mut self, bytes: u64) -> Builder {
        self.rotation.max_bytes = Some(bytes);
        self
    }

    /// Starts a new file when the current one has been open for `interval`.
    pub fn rotate_interval(mut self, interval: Duration) -> Builder {
        self.rotation.max_age = Some(interval);
        self
    }

    /// With rotation, keeps at most `count` files of the series, deleting the oldest.
    pub fn max_files(mut self, count: usize) -> Builder {
        self.rotation.max_files = Some(count);
        self
    }

    /// Writes only events at `level` or above to the file; events enabled by
    /// [`level`](Self::level) but below this are kept in the flight recorder only (record
    /// DEBUG in memory, write INFO to disk).
    pub fn file_level(mut self, level: Level) -> Builder {
        self.file_level = Some(level);
        self
    }

    /// Writes no log file at all: events go only to the flight recorder, and snapshots are
    /// the only output.
    pub fn memory_only(mut self) -> Builder {
        self.memory_only = true;
        self
    }

    /// How many recent events the flight recorder keeps for snapshots: at most `events`
    /// and at most `bytes` of encoded events (default 10,000 and 4 MiB; 0 turns it off).
    pub fn flight_recorder(mut self, events: usize, bytes: usize) -> Builder {
        self.recorder_events = events;
        self.recorder_bytes = bytes;
        self
    }

    /// The directory for snapshot files (default: `snapshots/` beside the log file, or
    /// `./snapshots` in memory-only mode). Kept apart from the logs so that `logs/*.bin`
    /// does not show the same events twice.
    pub fn snapshot_dir(mut self, dir: impl AsRef<Path>) -> Builder {
        self.snapshot_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Whether a panic in any thread writes a snapshot (default true). The hook flushes the
    /// main log either way, and chains to the panic hook installed before it.
    pub fn snapshot_on_panic(mut self, enabled: bool) -> Builder {
        self.snapshot_on_panic = enabled;
        self
    }

    /// Snapshots on SIGUSR1 (then goes on), and on SIGTERM and SIGINT (then closes the log
    /// and ends the process as the signal would). Off by default: it replaces the default
    /// handling of those signals.
    pub fn snapshot_on_signals(mut self, enabled: bool) -> Builder {
        self.snapshot_on_signals = enabled;
        self
    }

    /// How long a snapshot waits for the writer thread before writing it from the calling
    /// thread (default 2 s).
    pub fn snapshot_timeout(mut self, timeout: Duration) -> Builder {
        self.snapshot_timeout = timeout;
        self
    }

    /// When written blocks are synced to disk (default [`Fsync::Never`]); see [`Fsync`].
    pub fn fsync(mut self, policy: Fsync) -> Builder {
        self.fsync = policy;
        self
    }

    /// Starts the writer thread and enables logging. Returns a guard that flushes and closes
    /// the file when dropped. Fails if a logger is already running or the file cannot be
    /// created.
    pub fn init(self) -> Result<Guard, Error> {
        if !(4096..=(1 << 30)).contains(&self.buffer_size) {
            return Err(Error::InvalidConfig(format!(
                "buffer_size {} is outside 4 KiB to 1 GiB",
                self.buffer_size
            )));
        }
        if !(1024..=(8 << 20)).contains(&self.block_size) {
            return Err(Error::InvalidConfig(format!(
                "block_size {} is outside 1 KiB to 8 MiB",
                self.block_size
            )));
        }
        if self.flush_interval.is_zero() {
            return Err(Error::InvalidConfig(
                "flush_interval must be positive".into(),
            ));
        }
        if self.rotation.max_files == Some(0) {
            return Err(Error::InvalidConfig("max_files must be at least 1".into()));
        }
        let mut active = ACTIVE.write().unwrap_or_else(|e| e.into_inner());
        // A logger inherited through `fork` is not running here: the child may open its own.
        if active.as_ref().is_some_and(|a| a.is_ours()) {
            return Err(Error::AlreadyInitialized);
        }
        let anchor = crate::clock::Anchor::now();
        let header = crate::output::base_header(self.service.clone(), &anchor);
        let output = if self.memory_only {
            None
        } else {
            Some(Output::open(
                &self.path,
                header.clone(),
                self.rotation,
                self.fsync,
                self.overwrite,
            )?)
        };
        let counters = Counters::default();
        counters
            .files
            .store(u64::from(output.is_some()), Ordering::Relaxed);
        let snapshot_dir = self.snapshot_dir.clone().unwrap_or_else(|| {
            if self.memory_only {
                PathBuf::from("snapshots")
            } else {
                match self.path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.join("snapshots"),
                    _ => PathBuf::from("snapshots"),
                }
            }
        });
        let min_level = self.rules.min_level_enabled();
        let generation = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::new(Shared {
            generation,
            config: Config {
                on_full: self.on_full,
                buffer_size: self.buffer_size,
                block_size: self.block_size,
                flush_interval: self.flush_interval,
                // No file level: everything enabled goes to the file, now and after a later
                // set_level.
                file_level: self.file_level.map_or(0, Level::as_u8),
                min_level,
            },
            counters,
            recorder: Mutex::new(crate::recorder::Recorder::new(
                self.recorder_events,
                self.recorder_bytes,
            )),
            snapshot: SnapshotSettings {
                dir: snapshot_dir,
                timeout: self.snapshot_timeout,
                on_panic: self.snapshot_on_panic,
                header,
                main_log: output.as_ref().map(|o| o.path().to_path_buf()),
            },
            snapshot_gate: Mutex::new(()),
            pid: std::process::id(),
            snapshot_job: Mutex::new(crate::crash::Job::default()),
            snapshot_pending: AtomicBool::new(false),
            inject_panic: AtomicBool::new(false),
            writer_id: OnceLock::new(),
            new_rings: Mutex::new(Vec::new()),
            rings_pending: AtomicBool::new(false),
            writer: OnceLock::new(),
            writer_alive: AtomicBool::new(true),
            shutdown: AtomicBool::new(false),
            thread_numbers: AtomicU64::new(0),
            flush_requested: AtomicU64::new(0),
            flushed: Mutex::new(0),
            flushed_cv: Condvar::new(),
        });
        let for_thread = shared.clone();
        let handle = std::thread::Builder::new()
            .name("ttlog-writer".into())
            .spawn(move || writer_thread::run(for_thread, output, anchor))
            .map_err(|source| Error::Io {
                path: self.path.clone(),
                source,
            })?;
        let _ = shared.writer.set(handle.thread().clone());
        let _ = shared.writer_id.set(handle.thread().id());
        let signals = if self.snapshot_on_signals {
            match crate::crash::spawn_signal_thread() {
                Ok(h) => Some(h),
                Err(source) => {
                    shared.shutdown.store(true, Ordering::Release);
                    shared.wake_writer();
                    let _ = handle.join();
                    return Err(Error::Io {
                        path: PathBuf::from("(signal handlers)"),
                        source,
                    });
                }
            }
        } else {
            None
        };
        *active = Some(shared.clone());
        ACTIVE_GENERATION.store(generation, Ordering::Release);
        filter::install(self.rules, true);
        crate::crash::install_panic_hook();
        crate::process_hooks::register();
        Ok(Guard {
            shared,
            writer: Some(handle),
            signals,
        })
    }
}

/// Keeps the logger running; dropping it writes every staged event, closes the file cleanly
/// and stops the writer thread. Keep it alive for as long as the program logs, usually by
/// binding it in `main`: `let _guard = ttlog::builder().init()?;` (not `let _ = …`, which
/// drops it at once).
#[must_use = "dropping the guard stops the logger"]
pub struct Guard {
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
    signals: Option<signal_hook::iterator::Handle>,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("generation", &self.shared.generation)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Guard {
    /// Writes every event logged so far, by any thread, to the file. Returns false if that
    /// did not finish within `timeout` or the writer thread is gone.
    pub fn flush(&self, timeout: Duration) -> bool {
        self.shared.is_ours() && self.shared.flush(timeout)
    }

    /// The logger's counters.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// The file this logger opened when it started (`None` when it writes no file). It can
    /// differ from the configured path, which an earlier run's log may hold (see
    /// [`Builder::path`]); with rotation, later files follow it in its series.
    pub fn path(&self) -> Option<&Path> {
        self.shared.snapshot.main_log.as_deref()
    }

    /// Writes a snapshot now; see [`request_snapshot`](crate::request_snapshot).
    pub fn snapshot(&self, reason: &str) -> Result<PathBuf, Error> {
        if !self.shared.is_ours() {
            return Err(Error::NotRunning);
        }
        crate::crash::take_snapshot(&self.shared, crate::snapshot::SnapshotInfo::new(reason))
            .map_err(Error::Snapshot)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.shared.is_ours() {
            // A copy inherited through `fork`: the writer and signal threads are the
            // parent's. Stopping them from here would wait forever; the parent goes on.
            if let Ok(mut active) = ACTIVE.try_write() {
                if active
                    .as_ref()
                    .is_some_and(|a| Arc::ptr_eq(a, &self.shared))
                {
                    *active = None;
                }
            }
            std::mem::forget(self.writer.take());
            std::mem::forget(self.signals.take());
            return;
        }
        if let Some(signals) = self.signals.take() {
            signals.close();
        }
        filter::disable_all();
        {
            let mut active = ACTIVE.write().unwrap_or_else(|e| e.into_inner());
            if active
                .as_ref()
                .is_some_and(|a| Arc::ptr_eq(a, &self.shared))
            {
                *active = None;
                ACTIVE_GENERATION.store(0, Ordering::Release);
            }
        }
        self.shared.shutdown.store(true, Ordering::Release);
        self.shared.wake_writer();
        if let Some(handle) = self.writer.take() {
            let _ = handle.join();
        }
    }
}

/// Writes every event logged so far to the file; false if that did not finish within
/// `timeout` or no logger is running.
pub fn flush(timeout: Duration) -> bool {
    active().is_some_and(|s| s.flush(timeout))
}

/// The running logger's counters, or `None` when no logger is running.
pub fn stats() -> Option<Stats> {
    active().map(|s| s.counters.snapshot())
}

/// Sets the level for targets that no per-target rule names; `None` turns them off. Takes
/// effect at once in every thread; without a running logger it is kept for the next one.
pub fn set_level(level: Option<Level>) {
    let mut rules = filter::current();
    rules.default = level;
    install(rules);
}

/// Replaces the level rules with `spec` (`info,motor=debug`); see [`Rules::parse`].
pub fn set_filter(spec: &str) -> Result<(), Error> {
    install(Rules::parse(spec)?);
    Ok(())
}

fn install(rules: Rules) {
    // Hold the registry lock so a concurrent init or drop cannot interleave.
    let active = ACTIVE.read().unwrap_or_else(|e| e.into_inner());
    filter::install(rules, active.is_some());
}
