//! Snapshots on panic and on signals: the panic hook and the signal thread.

use std::sync::Once;
use std::time::Duration;

use crate::crash::take_snapshot;
use crate::registry;
use crate::run_end::{log_end_event, set_end};
use crate::snapshot::SnapshotInfo;

/// Installs the panic hook once per process. It chains to the hook that was there before,
/// which still runs after ours (so the usual message is printed).
pub(crate) fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            on_panic(info);
            previous(info);
        }));
    });
}

fn on_panic(info: &std::panic::PanicHookInfo<'_>) {
    let Some(shared) = registry::active_nonblocking() else {
        return;
    };
    let details = SnapshotInfo::from_panic(info);
    let snapshot = if shared.snapshot.on_panic {
        match take_snapshot(&shared, details.clone()) {
            Ok(path) => {
                eprintln!("ttlog: panic snapshot written to {}", path.display());
                Some(path)
            }
            Err(e) => {
                eprintln!("ttlog: panic snapshot failed: {e}");
                None
            }
        }
    } else {
        None
    };
    // The cause in the run's own log (SPEC.md 8.8). A panic on the main thread ends the
    // process; one on another thread ends that thread, which the run may survive.
    let ends_run = std::thread::current().name() == Some("main");
    log_end_event(&shared, &details, snapshot.as_deref(), ends_run);
    shared.flush_for_exit(shared.snapshot.timeout);
}

/// Snapshots on SIGUSR1, SIGTERM and SIGINT from a thread of its own. After a SIGTERM or
/// SIGINT snapshot the logger is closed and the signal's default action (ending the process)
/// is carried out.
pub(crate) fn spawn_signal_thread() -> std::io::Result<signal_hook::iterator::Handle> {
    use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1};
    let mut signals = signal_hook::iterator::Signals::new([SIGUSR1, SIGTERM, SIGINT])?;
    let handle = signals.handle();
    std::thread::Builder::new()
        .name("ttlog-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                let name = match sig {
                    SIGUSR1 => "signal-SIGUSR1",
                    SIGTERM => "signal-SIGTERM",
                    _ => "signal-SIGINT",
                };
                if let Some(shared) = registry::active() {
                    let details = SnapshotInfo::new(name);
                    let snapshot = match take_snapshot(&shared, details.clone()) {
                        Ok(path) => {
                            eprintln!("ttlog: snapshot written to {}", path.display());
                            Some(path)
                        }
                        Err(e) => {
                            eprintln!("ttlog: snapshot failed: {e}");
                            None
                        }
                    };
                    if sig != SIGUSR1 {
                        // SIGINT is a person stopping the run (Ctrl-C), not a failure.
                        let end = if sig == SIGINT { "interrupted" } else { name };
                        let mut details = details;
                        details.reason = end.to_string();
                        details.message = Some(format!("the process received {}", &name[7..]));
                        log_end_event(&shared, &details, snapshot.as_deref(), true);
                        set_end(&shared, end);
                    }
                }
                if sig != SIGUSR1 {
                    crate::control::shutdown_active(Duration::from_secs(2));
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                }
            }
        })?;
    Ok(handle)
}
