//! Configuring and starting the logger: [`Builder`].

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::filter::{self, Rules};
use crate::output::{Output, Rotation};
use crate::recorder::Recorder;
use crate::registry;
use crate::settings::{Config, SnapshotSettings};
use crate::shared::Shared;
use crate::stats::Counters;
use crate::writer_thread;
use crate::{Error, Fsync, Guard, Level, OnFull};

/// Configures and starts the logger. Get one with [`builder`](crate::builder).
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `init` is called"]
pub struct Builder {
    path: PathBuf,
    #[cfg(feature = "log")]
    log_bridge: bool,
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
            #[cfg(feature = "log")]
            log_bridge: false,
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
    /// This path holds the run being made. A file already there that holds data (an
    /// earlier run's log) is first moved aside, renamed with that run's start time
    /// (`logs/trace.20261206T211745Z.bin`; see [`earlier_run`](crate::earlier_run)), never
    /// deleted or overwritten, and one line on stderr says where it went; `ttlog-view
    /// logs/*.bin` shows every run. A file that a live process still writes (each writer
    /// holds a lock on its file) is never moved: this run then writes `STEM-2.EXT`, … and
    /// says so. [`overwrite`](Self::overwrite) replaces the file instead. With rotation,
    /// this names the series; an earlier run's series is moved aside whole and the new run
    /// starts at `STEM.000001.EXT`: see [`rotate_bytes`](Self::rotate_bytes).
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
        self.rules = spec.parse::<Rules>()?;
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

    /// How many recent events the flight recorder keeps, its byte budget unchanged (see
    /// [`flight_recorder`](Self::flight_recorder)).
    pub fn flight_recorder_events(mut self, events: usize) -> Builder {
        self.recorder_events = events;
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

    /// Also records the events of the `log` crate (libraries' `log::info!` and the like) into
    /// this logger: see [`bridge::log`](crate::bridge::log). Needs the `log` feature.
    #[cfg(feature = "log")]
    pub fn log_bridge(mut self) -> Builder {
        self.log_bridge = true;
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
        #[cfg(feature = "log")]
        if self.log_bridge {
            // Before anything starts: another `log` logger is an error with nothing to undo.
            crate::bridge::log::install()?;
        }
        let registry = registry::lock();
        // A logger inherited through `fork` is not running here: the child may open its own.
        if registry.occupied() {
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
        let shared = Arc::new(Shared::new(
            registry::next_generation(),
            Config {
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
            Recorder::new(self.recorder_events, self.recorder_bytes),
            SnapshotSettings {
                dir: snapshot_dir,
                timeout: self.snapshot_timeout,
                on_panic: self.snapshot_on_panic,
                header,
                main_log: output.as_ref().map(|o| o.path().to_path_buf()),
            },
        ));
        let for_thread = shared.clone();
        let handle = std::thread::Builder::new()
            .name("ttlog-writer".into())
            .spawn(move || writer_thread::run(for_thread, output, anchor))
            .map_err(Error::Thread)?;
        shared.set_writer(handle.thread());
        let signals = if self.snapshot_on_signals {
            match crate::hooks::spawn_signal_thread() {
                Ok(h) => Some(h),
                Err(source) => {
                    shared.request_shutdown();
                    let _ = handle.join();
                    return Err(Error::Signals(source));
                }
            }
        } else {
            None
        };
        registry.publish(shared.clone());
        filter::install(self.rules, true);
        crate::hooks::install_panic_hook();
        crate::process_hooks::register();
        Ok(Guard::new(shared, handle, signals))
    }
}
