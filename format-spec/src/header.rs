//! The file header (SPEC.md section 4).

use ciborium::Value;

use crate::{FormatError, MAGIC, MAJOR_VERSION, MAX_HEADER_BODY, MINOR_VERSION};

/// Bytes before the header body: magic, major, minor, flags, body length.
pub const HEADER_PREFIX_LEN: usize = 16;

/// The clock a writer read, as recorded in the header.
#[derive(Clone, Debug, PartialEq)]
pub struct ClockSync {
    /// The clock's name: `tsc`, `monotonic`, …
    pub source: String,
    /// Wall-clock time at the clock's origin, ns since the Unix epoch.
    pub wall_ns: u64,
    /// Raw clock ticks per second, when the clock is not already in nanoseconds.
    pub ticks_per_second: Option<f64>,
}

/// A decoded file header. Fields the spec defines are typed; the others are kept in `extra`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Header {
    /// Major format version of the file.
    pub major: u8,
    /// Minor format version of the file.
    pub minor: u8,
    /// Name of the writing library.
    pub writer: Option<String>,
    /// Version of the writing library.
    pub writer_version: Option<String>,
    /// 32 hex digits naming one run of one writer.
    pub session: String,
    /// The application's name for itself.
    pub service: Option<String>,
    /// The writing process's id.
    pub pid: Option<u64>,
    /// The writing machine's host name.
    pub host: Option<String>,
    /// When the file was opened, ns since the epoch.
    pub created_ns: Option<u64>,
    /// The clock the writer read.
    pub clock: Option<ClockSync>,
    /// Position of the file in a rotated series.
    pub rotation_seq: Option<u64>,
    /// Keys this library does not interpret, in file order (e.g. `snapshot`).
    pub extra: Vec<(String, Value)>,
}

impl Header {
    /// A header of the current version for `session`, with nothing else set.
    pub fn new(session: impl Into<String>) -> Header {
        Header {
            major: MAJOR_VERSION,
            minor: MINOR_VERSION,
            session: session.into(),
            ..Header::default()
        }
    }

    /// Looks up a key this library does not interpret.
    pub fn extra(&self, key: &str) -> Option<&Value> {
        self.extra.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Appends the encoded header to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut map: Vec<(Value, Value)> = Vec::new();
        let mut put = |k: &str, v: Value| map.push((Value::Text(k.to_string()), v));
        if let Some(w) = &self.writer {
            put("writer", Value::Text(w.clone()));
        }
        if let Some(w) = &self.writer_version {
            put("writer_version", Value::Text(w.clone()));
        }
        put("session", Value::Text(self.session.clone()));
        if let Some(s) = &self.service {
            put("service", Value::Text(s.clone()));
        }
        if let Some(p) = self.pid {
            put("pid", Value::Integer(p.into()));
        }
        if let Some(h) = &self.host {
            put("host", Value::Text(h.clone()));
        }
        if let Some(c) = self.created_ns {
            put("created_ns", Value::Integer(c.into()));
        }
        if let Some(c) = &self.clock {
            let mut m = vec![
                (Value::Text("source".into()), Value::Text(c.source.clone())),
                (
                    Value::Text("wall_ns".into()),
                    Value::Integer(c.wall_ns.into()),
                ),
            ];
            if let Some(t) = c.ticks_per_second {
                m.push((Value::Text("ticks_per_second".into()), Value::Float(t)));
            }
            put("clock", Value::Map(m));
        }
        if let Some(r) = self.rotation_seq {
            put("rotation_seq", Value::Integer(r.into()));
        }
        for (k, v) in &self.extra {
            put(k, v.clone());
        }
        let mut body = Vec::new();
        ciborium::into_writer(&Value::Map(map), &mut body)
            .expect("writing CBOR to a Vec cannot fail");
        let start = out.len();
        out.extend_from_slice(&MAGIC);
        out.push(self.major);
        out.push(self.minor);
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        let crc = crc32c::crc32c(&out[start..]);
        out.extend_from_slice(&crc.to_le_bytes());
    }

    /// Decodes a header at the start of `buf`, returning it and its length in bytes.
    pub fn decode(buf: &[u8]) -> Result<(Header, usize), FormatError> {
        // Check the magic on as many bytes as we have, so a non-ttlog file fails at once
        // instead of asking for more input.
        let have = buf.len().min(MAGIC.len());
        if buf[..have] != MAGIC[..have] {
            return Err(FormatError::BadMagic);
        }
        if buf.len() < HEADER_PREFIX_LEN {
            return Err(FormatError::Incomplete {
                needed: HEADER_PREFIX_LEN,
            });
        }
        let (major, minor) = (buf[8], buf[9]);
        if major != MAJOR_VERSION {
            return Err(FormatError::UnsupportedVersion { major, minor });
        }
        let body_len = u32::from_le_bytes(buf[12..16].try_into().unwrap());
        if body_len > MAX_HEADER_BODY {
            return Err(FormatError::LengthTooLarge {
                field: "header body_len",
                value: body_len.into(),
                max: MAX_HEADER_BODY.into(),
            });
        }
        let body_end = HEADER_PREFIX_LEN + body_len as usize;
        let total = body_end + 4;
        if buf.len() < total {
            return Err(FormatError::Incomplete { needed: total });
        }
        let saved = u32::from_le_bytes(buf[body_end..total].try_into().unwrap());
        let computed = crc32c::crc32c(&buf[..body_end]);
        if saved != computed && !crate::crc_checks_off() {
            return Err(FormatError::BadHeaderCrc { saved, computed });
        }
        let value: Value = ciborium::from_reader(&buf[HEADER_PREFIX_LEN..body_end])
            .map_err(|e| FormatError::BadHeader(e.to_string()))?;
        let Value::Map(entries) = value else {
            return Err(FormatError::BadHeader("body is not a map".into()));
        };
        let mut h = Header {
            major,
            minor,
            ..Header::default()
        };
        let mut have_session = false;
        for (k, v) in entries {
            let Value::Text(key) = k else {
                return Err(FormatError::BadHeader("a key is not text".into()));
            };
            let bad = |what: &str| FormatError::BadHeader(format!("`{key}` is not {what}"));
            match key.as_str() {
                "writer" => h.writer = Some(text(v).ok_or_else(|| bad("text"))?),
                "writer_version" => h.writer_version = Some(text(v).ok_or_else(|| bad("text"))?),
                "session" => {
                    h.session = text(v).ok_or_else(|| bad("text"))?;
                    have_session = true;
                }
                "service" => h.service = Some(text(v).ok_or_else(|| bad("text"))?),
                "pid" => h.pid = Some(uint(&v).ok_or_else(|| bad("an unsigned integer"))?),
                "host" => h.host = Some(text(v).ok_or_else(|| bad("text"))?),
                "created_ns" => {
                    h.created_ns = Some(uint(&v).ok_or_else(|| bad("an unsigned integer"))?)
                }
                "rotation_seq" => {
                    h.rotation_seq = Some(uint(&v).ok_or_else(|| bad("an unsigned integer"))?)
                }
                "clock" => h.clock = Some(clock(v).ok_or_else(|| bad("a clock map"))?),
                _ => h.extra.push((key, v)),
            }
        }
        if !have_session {
            return Err(FormatError::BadHeader("no `session` key".into()));
        }
        Ok((h, total))
    }
}

fn text(v: Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

fn uint(v: &Value) -> Option<u64> {
    match v {
        Value::Integer(i) => u64::try_from(*i).ok(),
        _ => None,
    }
}

fn clock(v: Value) -> Option<ClockSync> {
    let Value::Map(entries) = v else { return None };
    let mut c = ClockSync {
        source: String::new(),
        wall_ns: 0,
        ticks_per_second: None,
    };
    // The keys inside are informative (SPEC.md 4): one of another type is ignored, not an
    // error that would make the whole file unreadable.
    for (k, v) in entries {
        match (k.as_text(), v) {
            (Some("source"), Value::Text(s)) => c.source = s,
            (Some("wall_ns"), v) => c.wall_ns = uint(&v).unwrap_or(0),
            (Some("ticks_per_second"), Value::Float(f)) => c.ticks_per_second = Some(f),
            _ => {}
        }
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Header {
        let mut h = Header::new("0123456789abcdef0123456789abcdef");
        h.writer = Some("ttlog".into());
        h.pid = Some(42);
        h.clock = Some(ClockSync {
            source: "tsc".into(),
            wall_ns: 1_700_000_000_000_000_000,
            ticks_per_second: Some(2.5e9),
        });
        h.extra.push(("future".into(), Value::Bool(true)));
        h
    }

    #[test]
    fn round_trip_and_truncation() {
        let mut buf = Vec::new();
        sample().encode(&mut buf);
        let (h, n) = Header::decode(&buf).unwrap();
        assert_eq!(n, buf.len());
        assert_eq!(h, sample());
        for cut in 0..buf.len() {
            let e = Header::decode(&buf[..cut]).unwrap_err();
            assert!(e.is_incomplete(), "cut {cut}: {e}");
        }
    }

    #[test]
    fn damage_is_detected() {
        let mut buf = Vec::new();
        sample().encode(&mut buf);
        let mut bad = buf.clone();
        bad[0] = b'{';
        assert_eq!(Header::decode(&bad).unwrap_err(), FormatError::BadMagic);
        let mut bad = buf.clone();
        bad[8] = 9;
        assert!(matches!(
            Header::decode(&bad).unwrap_err(),
            FormatError::UnsupportedVersion { major: 9, .. }
        ));
        let mut bad = buf.clone();
        bad[20] ^= 0x40;
        assert!(matches!(
            Header::decode(&bad).unwrap_err(),
            FormatError::BadHeaderCrc { .. }
        ));
        let mut bad = buf;
        bad[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Header::decode(&bad).unwrap_err(),
            FormatError::LengthTooLarge { .. }
        ));
    }
}
