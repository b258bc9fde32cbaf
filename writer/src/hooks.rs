//! Snapshots on panic and on signals: the panic hook and the signal thread.

use std::sync::Once;
use std::time::Duration;

use crate::crash::take_snapshot;
use crate::registry;
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
    if !shared.snapshot.on_panic {
        shared.flush_for_exit(shared.snapshot.timeout);
        return;
    }
    match take_snapshot(&shared, SnapshotInfo::from_panic(info)) {
        Ok(path) => eprintln!("ttlog: panic snapshot written to {}", path.display()),
        Err(e) => eprintln!("ttlog: panic snapshot failed: {e}"),
    }
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
                    match take_snapshot(&shared, SnapshotInfo::new(name)) {
                        Ok(path) => eprintln!("ttlog: snapshot written to {}", path.display()),
                        Err(e) => eprintln!("ttlog: snapshot failed: {e}"),
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
