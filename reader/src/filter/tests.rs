use super::*;
use crate::event::{Callsite, EventKind};
use crate::Value;
use std::sync::Arc;
use ttlog_format::Level;

fn event(level: Level, target: &str, fields: &[(&str, Value)]) -> Event {
    Event {
        ts: 100,
        kind: EventKind::Log,
        callsite: Arc::new(Callsite {
            level: level.as_u8(),
            target: target.into(),
            file: "".into(),
            line: 0,
            template: "motor {joint} stalled".into(),
            n_args: 0,
            field_names: fields.iter().map(|(n, _)| Arc::from(*n)).collect(),
        }),
        thread: "main".into(),
        values: fields.iter().map(|(_, v)| v.clone()).collect(),
        truncated: false,
    }
}

fn m(expr: &str, e: &Event) -> bool {
    Filter::parse(expr)
        .unwrap_or_else(|e| panic!("{e}"))
        .matches(e)
}

#[test]
fn comparisons() {
    let e = event(
        Level::Warn,
        "motor::pid",
        &[
            ("joint", Value::Int(2)),
            ("torque", Value::Float(1.5)),
            ("mode", Value::Text("hold position".into())),
            ("ok", Value::Bool(false)),
        ],
    );
    for yes in [
        "level=WARN",
        "level=warn",
        "level>=INFO",
        "level<ERROR",
        "target=motor::*",
        "target=motor::pid",
        "target~=pid",
        "target~~=^motor::p.d$",
        "joint=2",
        "joint=2.0",
        "joint>1",
        "torque<=1.5",
        "torque!=2",
        "mode='hold position'",
        "mode~=hold",
        "mode~~=\"^ho.d\"",
        "msg~=stalled",
        "msg=\"motor 2 stalled\"",
        "missing?=3",
        "joint?=2",
        "missing!=3",
        "exists(joint)",
        "not exists(missing)",
        "ok=false",
        "thread=main",
        "level=ERROR or joint=2",
        "(level=ERROR or joint=2) and not torque>5",
        "!(joint=3) && torque>1",
    ] {
        assert!(m(yes, &e), "{yes}");
    }
    for no in [
        "level=ERROR",
        "level>WARN",
        "target=motor",
        "target=motorbike::*",
        "joint=3",
        "joint>2",
        "joint=two",
        "mode=hold",
        "missing=3",
        "missing>0",
        "exists(missing)",
        "level=ERROR and joint=2",
        "joint?=3",
    ] {
        assert!(!m(no, &e), "{no}");
    }
}

#[test]
fn errors_point_at_the_problem() {
    let cases = [
        ("level>=LOUD", 7, "unknown level"),
        ("joint", 5, "expected an operator"),
        ("joint 2", 6, "expected an operator"),
        ("joint=", 6, "expected a value"),
        ("(joint=2", 0, "never closed"),
        ("joint=2)", 7, "unexpected `)`"),
        ("x~~=(", 4, "bad regular expression"),
        ("joint=2 and", 11, "expected a condition"),
        ("a=\"open", 2, "unterminated"),
        ("target>x", 6, "order comparisons"),
        ("$x=1", 0, "unexpected character"),
    ];
    for (expr, pos, needle) in cases {
        let e = Filter::parse(expr).unwrap_err();
        assert_eq!(e.pos, pos, "{expr}: {e}");
        assert!(e.message.contains(needle), "{expr}: {e}");
        assert!(e.pointer().ends_with('^'));
    }
}

#[test]
fn level_masks_for_block_skipping() {
    let mask = |s: &str| Filter::parse(s).unwrap().level_mask().0;
    assert_eq!(mask("level=ERROR"), Level::Error.mask().0);
    // Levels above ERROR (5 to 255, bits 5 to 7) are more severe still.
    assert_eq!(mask("level>=WARN"), 0b1111_1000);
    assert_eq!(mask("level>ERROR"), 0b1110_0000);
    assert_eq!(mask("level<=INFO"), 0b0000_0111);
    assert_eq!(mask("level!=INFO"), !0b100);
    assert_eq!(mask("level=ERROR and joint=2"), Level::Error.mask().0);
    assert_eq!(mask("level=ERROR or joint=2"), 0xff);
    assert_eq!(mask("not level<=INFO"), 0b1111_1000);
    assert_eq!(mask("joint=2"), 0xff);
}

#[test]
fn backticks_quote_any_field_name() {
    let name = "<__main__.SimKnee object at 0x7f3a>.winding_temperature";
    let e = event(Level::Info, "osl", &[(name, Value::Float(71.5))]);
    assert!(m(&format!("`{name}` > 70"), &e));
    assert!(!m(&format!("`{name}` > 80"), &e));
    assert!(m(&format!("exists(`{name}`)"), &e));
    let odd = event(Level::Info, "osl", &[("a`b c", Value::Int(1))]);
    assert!(m("`a``b c` = 1", &odd));
    assert!(Filter::parse("`unterminated > 1").is_err());
    assert!(Filter::parse("`` = 1").is_err());
}
