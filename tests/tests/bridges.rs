//! The `log` bridge and the `tracing` layer, read back: events from several threads and
//! nested spans, key-values, span records, beside ttlog's own macros, in one file.

use std::collections::HashMap;

use tracing_subscriber::prelude::*;
use ttlog_reader::Value;
use ttlog_tests::{one_logger_at_a_time, read_clean};

/// A dependency-like module that logs only through the `log` facade.
mod dependency {
    pub fn connect(host: &str, port: u16) {
        log::info!(target: "dependency::net", host = host, port = port, secure = true, ratio = 0.5; "connected to {}:{}", host, port);
        log::debug!(target: "dependency::net", "handshake {{ok}}");
        log::trace!(target: "dependency::net", "not recorded at DEBUG");
    }
}

fn map_get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

#[test]
fn log_tracing_and_ttlog_events_in_one_file() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bridges.bin");
    let guard = ttlog::builder()
        .path(&path)
        .level(ttlog::Level::Debug)
        .log_bridge()
        .init()
        .unwrap();
    assert_eq!(log::max_level(), log::LevelFilter::Debug);
    let subscriber = tracing_subscriber::registry().with(ttlog::bridge::tracing::layer());
    tracing::subscriber::with_default(subscriber, || {
        ttlog::info!("start");
        dependency::connect("10.0.0.2", 8080);
        tracing::info!(outside = true, "no span");
        let threads: Vec<_> = (0..3u64)
            .map(|t| {
                let dispatch = tracing::dispatcher::get_default(|d| d.clone());
                std::thread::spawn(move || {
                    tracing::dispatcher::with_default(&dispatch, || {
                        for r in 0..50u64 {
                            let outer =
                                tracing::info_span!("handle_request", request_id = t * 100 + r);
                            let _o = outer.enter();
                            let inner = tracing::debug_span!("db_query", table = "gains");
                            let _i = inner.enter();
                            tracing::info!(
                                rows = r,
                                ok = true,
                                temp = 1.5,
                                name = "knee",
                                "query {}",
                                r
                            );
                            inner.record("table", "gains2");
                        }
                    })
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        ttlog::info!("end");
    });
    drop(guard);

    let events = read_clean(&path);
    let messages: Vec<String> = events.iter().map(|e| e.message()).collect();
    // Order within one thread is kept: the first and last events are ttlog's own.
    assert_eq!(messages.first().map(String::as_str), Some("start"));
    assert_eq!(messages.last().map(String::as_str), Some("end"));

    // log: message, typed key-values, target, file and line; TRACE filtered by max_level.
    let connect = events
        .iter()
        .find(|e| e.message() == "connected to 10.0.0.2:8080")
        .expect("the log event");
    assert_eq!(connect.target(), "dependency::net");
    assert_eq!(connect.field("host"), Some(&Value::Text("10.0.0.2".into())));
    assert_eq!(connect.field("port"), Some(&Value::Int(8080)));
    assert_eq!(connect.field("secure"), Some(&Value::Bool(true)));
    assert_eq!(connect.field("ratio"), Some(&Value::Float(0.5)));
    assert!(connect.callsite.file.ends_with("bridges.rs"));
    assert!(connect.callsite.line > 0);
    assert!(messages.iter().any(|m| m == "handshake {ok}"));
    assert!(!messages.iter().any(|m| m.contains("not recorded")));

    // tracing events: typed fields, and the span chain outermost first.
    let queries: Vec<_> = events
        .iter()
        .filter(|e| e.message().starts_with("query "))
        .collect();
    assert_eq!(queries.len(), 150);
    let mut request_ids = std::collections::HashSet::new();
    for q in &queries {
        assert_eq!(q.field("ok"), Some(&Value::Bool(true)));
        assert_eq!(q.field("temp"), Some(&Value::Float(1.5)));
        assert_eq!(q.field("name"), Some(&Value::Text("knee".into())));
        let Some(Value::Array(chain)) = q.field("spans") else {
            panic!("no span chain: {q:?}")
        };
        assert_eq!(chain.len(), 2);
        assert_eq!(
            map_get(&chain[0], "name"),
            Some(&Value::Text("handle_request".into()))
        );
        assert_eq!(
            map_get(&chain[1], "name"),
            Some(&Value::Text("db_query".into()))
        );
        let Some(Value::Int(id)) = map_get(&chain[0], "request_id") else {
            panic!("no request_id")
        };
        assert!(request_ids.insert(*id));
    }
    assert_eq!(request_ids.len(), 150);
    let outside = events.iter().find(|e| e.message() == "no span").unwrap();
    assert_eq!(outside.field("spans"), Some(&Value::Null));
    assert_eq!(outside.field("outside"), Some(&Value::Bool(true)));

    // Span records: one per span, ids unique, parents right, durations plausible, record()
    // kept.
    let spans: Vec<_> = events
        .iter()
        .filter(|e| e.target() == "ttlog.span")
        .collect();
    assert_eq!(spans.len(), 300);
    let by_id: HashMap<i128, &ttlog_reader::Event> = spans
        .iter()
        .map(|s| match s.field("id") {
            Some(Value::Int(id)) => (*id, *s),
            other => panic!("span id {other:?}"),
        })
        .collect();
    assert_eq!(by_id.len(), 300);
    for s in &spans {
        let Some(Value::Int(parent)) = s.field("parent") else {
            panic!("parent")
        };
        let Some(Value::Int(duration)) = s.field("duration_ns") else {
            panic!("duration")
        };
        let Some(Value::Int(busy)) = s.field("busy_ns") else {
            panic!("busy")
        };
        assert!(busy <= duration, "{busy} > {duration}");
        match s.message().as_str() {
            "handle_request" => assert_eq!(*parent, 0),
            "db_query" => {
                assert_eq!(by_id[parent].message(), "handle_request");
                assert_eq!(
                    s.field("fields").and_then(|f| map_get(f, "table")),
                    Some(&Value::Text("gains".into()))
                );
                let Some(Value::Map(fields)) = s.field("fields") else {
                    panic!("fields")
                };
                assert_eq!(
                    fields.len(),
                    2,
                    "the recorded value is kept after the first"
                );
            }
            other => panic!("span {other}"),
        }
    }
}

#[test]
fn bad_input_through_the_bridges_never_panics() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.bin");
    let guard = ttlog::builder().path(&path).log_bridge().init().unwrap();
    struct NotUtf8;
    impl std::fmt::Debug for NotUtf8 {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&String::from_utf8_lossy(&[0xff, 0xfe, b'x']))
        }
    }
    /// Logs from inside its own `Debug`, while the layer is encoding the outer event. (Through
    /// `log`: `tracing` itself drops an event dispatched from inside a subscriber.)
    struct LogsWhenShown;
    impl std::fmt::Debug for LogsWhenShown {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            log::info!(depth = 2_u64; "logged from inside a Debug");
            f.write_str("shown")
        }
    }
    let huge = "x".repeat(100_000);
    let subscriber = tracing_subscriber::registry().with(ttlog::bridge::tracing::layer());
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("s", v = ?NotUtf8);
        let _e = span.enter();
        tracing::info!(huge = huge.as_str(), odd = ?NotUtf8, "big");
        drop(_e);
        drop(span);
        log::info!(target: "t{}", v = "{}"; "{{}} braces {}", "}{");
        tracing::info!(inner = ?LogsWhenShown, "outer");
        // A dynamic target per call: bounded callsites, never one per call forever.
        for i in 0..200 {
            let target = format!("dyn{i}");
            log::info!(target: &target, "dynamic");
        }
    });
    drop(guard);
    let events = read_clean(&path);
    let big = events.iter().find(|e| e.message() == "big").unwrap();
    assert_eq!(big.field("huge"), Some(&Value::Text(huge.clone().into())));
    assert!(events.iter().any(|e| e.message() == "{} braces }{"));
    // Neither the event logged from inside a field's Debug nor the outer one is lost.
    assert!(events
        .iter()
        .any(|e| e.message() == "logged from inside a Debug"));
    let outer = events.iter().find(|e| e.message() == "outer").unwrap();
    assert_eq!(outer.field("inner"), Some(&Value::Text("shown".into())));
    assert!(events.iter().any(|e| e.target() == "ttlog.span"));
    // Every dynamic-target event is there: its own callsite for the first ones, then the
    // place's shared one with the target as a field.
    let dynamic: Vec<String> = events
        .iter()
        .filter(|e| e.message() == "dynamic")
        .map(|e| match e.field("log.target") {
            Some(Value::Text(t)) => t.to_string(),
            _ => e.target().to_string(),
        })
        .collect();
    assert_eq!(
        dynamic,
        (0..200).map(|i| format!("dyn{i}")).collect::<Vec<_>>()
    );
}

/// Events whose fields arrive out of their declared order, or without a value, land with
/// each value under its own name (the layer's in-order fast path falls back).
#[test]
fn tracing_fields_out_of_order_or_missing_keep_their_names() {
    use tracing::field::Value as TracingValue;
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("order.bin");
    let guard = ttlog::builder().path(&path).init().unwrap();
    let subscriber = tracing_subscriber::registry().with(ttlog::bridge::tracing::layer());
    tracing::subscriber::with_default(subscriber, || {
        let callsite = tracing::callsite! {
            name: "hand made",
            kind: tracing::metadata::Kind::EVENT,
            level: tracing::Level::INFO,
            fields: message, a, b, c
        };
        let meta = tracing::callsite::Callsite::metadata(callsite);
        let fields = meta.fields();
        let [m, a, b, c] = ["message", "a", "b", "c"].map(|n| fields.field(n).unwrap());
        let msg = format_args!("reordered");
        let values = [
            (&c, Some(&3_u64 as &dyn TracingValue)),
            (&a, Some(&1_u64 as &dyn TracingValue)),
            (&m, Some(&msg as &dyn TracingValue)),
        ];
        tracing::Event::dispatch(meta, &fields.value_set(&values));
        let msg = format_args!("gap");
        let values = [
            (&m, Some(&msg as &dyn TracingValue)),
            (&b, Some(&2_u64 as &dyn TracingValue)),
        ];
        tracing::Event::dispatch(meta, &fields.value_set(&values));
    });
    drop(guard);
    let events = read_clean(&path);
    let reordered = events.iter().find(|e| e.message() == "reordered").unwrap();
    assert_eq!(reordered.field("a"), Some(&Value::Int(1)));
    assert_eq!(reordered.field("b"), Some(&Value::Null));
    assert_eq!(reordered.field("c"), Some(&Value::Int(3)));
    let gap = events.iter().find(|e| e.message() == "gap").unwrap();
    assert_eq!(gap.field("a"), Some(&Value::Null));
    assert_eq!(gap.field("b"), Some(&Value::Int(2)));
    assert_eq!(gap.field("c"), Some(&Value::Null));
}

/// A library logging through `log` inside a `tracing` span: its event carries the span
/// chain as a `tracing` event there would; outside spans, none.
#[test]
fn log_events_inside_tracing_spans_carry_the_chain() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log_spans.bin");
    let guard = ttlog::builder().path(&path).log_bridge().init().unwrap();
    let subscriber = tracing_subscriber::registry().with(ttlog::bridge::tracing::layer());
    tracing::subscriber::with_default(subscriber, || {
        log::info!("before any span");
        let request = tracing::info_span!("handle_request", request_id = 7_u64);
        let _r = request.enter();
        let query = tracing::info_span!("db_query", table = "gains");
        let _q = query.enter();
        log::info!(rows = 3_u64; "driver: query sent");
    });
    log::info!("no subscriber");
    drop(guard);
    let events = read_clean(&path);
    let find = |m: &str| events.iter().find(|e| e.message() == m).unwrap();
    let inside = find("driver: query sent");
    assert_eq!(inside.field("rows"), Some(&Value::Int(3)));
    let Some(Value::Array(chain)) = inside.span_chain() else {
        panic!("no chain: {inside:?}");
    };
    let names: Vec<_> = chain
        .iter()
        .map(|m| {
            map_get(m, "name")
                .and_then(Value::as_str)
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(names, ["handle_request", "db_query"]);
    assert_eq!(map_get(&chain[0], "request_id"), Some(&Value::Int(7)));
    for m in ["before any span", "no subscriber"] {
        assert_eq!(find(m).span_chain(), Some(&Value::Null), "{m}");
    }
}
