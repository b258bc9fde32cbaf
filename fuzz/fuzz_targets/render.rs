//! Any template with any values, rendered (SPEC.md 8.1): never a panic, and never more
//! than the documented bound, whatever widths, precisions or repetitions it asks for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ttlog_reader::{render, Value, MAX_MESSAGE_LEN, TRUNCATION_MARK};

/// Takes up to `n` bytes from the front of `data`.
fn take<'a>(data: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (a, b) = data.split_at(n.min(data.len()));
    *data = b;
    a
}

fn word(data: &mut &[u8]) -> [u8; 8] {
    let mut w = [0u8; 8];
    let b = take(data, 8);
    w[..b.len()].copy_from_slice(b);
    w
}

/// Values from bytes: each byte picks a kind, the next bytes give its content.
fn values(mut data: &[u8]) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some((&kind, rest)) = data.split_first() {
        data = rest;
        let v = match kind % 7 {
            0 => Value::Int(i128::from(i64::from_le_bytes(word(&mut data))) * i128::from(kind)),
            1 => Value::Float(f64::from_le_bytes(word(&mut data))),
            2 => {
                let n = usize::from(kind / 7) * 3;
                Value::Text(String::from_utf8_lossy(take(&mut data, n)).into())
            }
            3 => Value::Bool(kind & 8 != 0),
            4 => Value::Null,
            5 => Value::Bytes(take(&mut data, usize::from(kind / 16)).to_vec()),
            _ => Value::Array(vec![Value::Int(1), Value::Text("x".into())]),
        };
        out.push(v);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let template = String::from_utf8_lossy(&data[..split]);
    let vals = values(data.get(split + 1..).unwrap_or(&[]));
    let names = ["a", "b", "c", "d", "name", "x"];
    let mut out = String::new();
    render(
        &template,
        &vals,
        |name| {
            let i = names.iter().position(|n| *n == name)?;
            vals.get(i)
        },
        &mut out,
    );
    assert!(out.len() <= MAX_MESSAGE_LEN + TRUNCATION_MARK.len());
});
