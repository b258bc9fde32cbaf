//! Records inside a block payload (SPEC.md section 5.2): tags, and parsing of each kind.

use crate::varint::{get_svarint, get_varint};
use crate::FormatError;

/// Record tags.
pub mod tag {
    /// Defines a thread id and its name.
    pub const THREAD: u8 = 0x01;
    /// Defines a callsite id.
    pub const CALLSITE: u8 = 0x02;
    /// Defines a string id for string-reference values.
    pub const STRING: u8 = 0x03;
    /// One logged event.
    pub const EVENT: u8 = 0x10;
    /// Events were lost.
    pub const DROPPED: u8 = 0x11;
    /// Summary of a cleanly closed file.
    pub const TRAILER: u8 = 0x40;
}

/// Why events were lost, as stored in a DROPPED record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// A staging queue was full and the policy was to drop.
    QueueFull,
    /// Writing to the file failed.
    IoError,
    /// A record was too large to stage.
    TooLarge,
    /// Any other reason, or one defined by a later version.
    Other(u8),
}

impl DropReason {
    /// The wire number.
    pub fn as_u8(self) -> u8 {
        match self {
            DropReason::QueueFull => 0,
            DropReason::IoError => 1,
            DropReason::TooLarge => 2,
            DropReason::Other(n) => n,
        }
    }

    /// The reason with wire number `n`.
    pub fn from_u8(n: u8) -> DropReason {
        match n {
            0 => DropReason::QueueFull,
            1 => DropReason::IoError,
            2 => DropReason::TooLarge,
            n => DropReason::Other(n),
        }
    }

    /// A short name: `queue_full`, `io_error`, `too_large`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue_full",
            DropReason::IoError => "io_error",
            DropReason::TooLarge => "too_large",
            DropReason::Other(_) => "other",
        }
    }
}

/// One record, not yet interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawRecord<'a> {
    /// The record's tag.
    pub tag: u8,
    /// Its body.
    pub body: &'a [u8],
    /// Offset of the tag within the raw payload.
    pub offset: usize,
}

/// Iterates the records of a raw payload. Stops after the first error.
#[derive(Clone, Debug)]
pub struct Records<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Records<'a> {
    /// Records of the raw (decompressed) payload `buf`.
    pub fn new(buf: &'a [u8]) -> Records<'a> {
        Records {
            buf,
            pos: 0,
            failed: false,
        }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<RawRecord<'a>, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let offset = self.pos;
        let tag = self.buf[offset];
        let rest = &self.buf[offset + 1..];
        let result = match get_varint(rest) {
            Ok((len, n)) => {
                let body = &rest[n..];
                if len > body.len() as u64 {
                    Err(FormatError::RecordOverrun {
                        tag,
                        len,
                        available: body.len(),
                    })
                } else {
                    let len = len as usize;
                    self.pos = offset + 1 + n + len;
                    Ok(RawRecord {
                        tag,
                        body: &body[..len],
                        offset,
                    })
                }
            }
            Err(FormatError::Incomplete { .. }) => Err(FormatError::RecordOverrun {
                tag,
                len: 0,
                available: rest.len(),
            }),
            Err(e) => Err(e),
        };
        self.failed = result.is_err();
        Some(result)
    }
}

/// Reads the fields of a record body in order.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    tag: u8,
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor over the body of a record with tag `tag`.
    pub fn new(tag: u8, buf: &'a [u8]) -> Cursor<'a> {
        Cursor { tag, buf, pos: 0 }
    }

    fn short(&self) -> FormatError {
        FormatError::BadRecord {
            tag: self.tag,
            reason: "body too short",
        }
    }

    /// Reads a varint.
    #[inline]
    pub fn varint(&mut self) -> Result<u64, FormatError> {
        let (v, n) = get_varint(&self.buf[self.pos..]).map_err(|e| match e {
            FormatError::Incomplete { .. } => self.short(),
            e => e,
        })?;
        self.pos += n;
        Ok(v)
    }

    /// Reads a zigzag varint.
    #[inline]
    pub fn svarint(&mut self) -> Result<i64, FormatError> {
        let (v, n) = get_svarint(&self.buf[self.pos..]).map_err(|e| match e {
            FormatError::Incomplete { .. } => self.short(),
            e => e,
        })?;
        self.pos += n;
        Ok(v)
    }

    /// Reads one byte.
    #[inline]
    pub fn u8(&mut self) -> Result<u8, FormatError> {
        let b = *self.buf.get(self.pos).ok_or_else(|| self.short())?;
        self.pos += 1;
        Ok(b)
    }

    /// Reads a length-prefixed UTF-8 string.
    pub fn str(&mut self) -> Result<&'a str, FormatError> {
        let len = self.varint()?;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| self.pos.checked_add(l))
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.short())?;
        let s = std::str::from_utf8(&self.buf[self.pos..end]).map_err(|_| FormatError::BadUtf8)?;
        self.pos = end;
        Ok(s)
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }
}

/// A THREAD record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadDef<'a> {
    /// Block-scoped thread id.
    pub id: u64,
    /// Thread name.
    pub name: &'a str,
}

impl<'a> ThreadDef<'a> {
    /// Parses a THREAD body.
    pub fn parse(body: &'a [u8]) -> Result<ThreadDef<'a>, FormatError> {
        let mut c = Cursor::new(tag::THREAD, body);
        Ok(ThreadDef {
            id: c.varint()?,
            name: c.str()?,
        })
    }
}

/// A CALLSITE record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallsiteDef<'a> {
    /// Block-scoped callsite id.
    pub id: u64,
    /// Level number (section 8.2).
    pub level: u8,
    /// Source line, 0 when unknown.
    pub line: u32,
    /// Number of positional message arguments.
    pub n_args: u32,
    /// Target, by default the module path.
    pub target: &'a str,
    /// Source file, empty when unknown.
    pub file: &'a str,
    /// Message template.
    pub template: &'a str,
    /// Field names, in value order.
    pub field_names: Vec<&'a str>,
}

impl<'a> CallsiteDef<'a> {
    /// Parses a CALLSITE body.
    pub fn parse(body: &'a [u8]) -> Result<CallsiteDef<'a>, FormatError> {
        let mut c = Cursor::new(tag::CALLSITE, body);
        let id = c.varint()?;
        let level = c.u8()?;
        let line = u32::try_from(c.varint()?).map_err(|_| FormatError::BadRecord {
            tag: tag::CALLSITE,
            reason: "line number too large",
        })?;
        let n_args = u32::try_from(c.varint()?).map_err(|_| FormatError::BadRecord {
            tag: tag::CALLSITE,
            reason: "too many arguments",
        })?;
        let target = c.str()?;
        let file = c.str()?;
        let template = c.str()?;
        let n_fields = c.varint()?;
        // Each name takes at least one byte: refuse counts the body cannot hold before
        // allocating for them.
        if n_fields > c.rest().len() as u64 {
            return Err(FormatError::BadRecord {
                tag: tag::CALLSITE,
                reason: "field count exceeds record",
            });
        }
        let mut field_names = Vec::with_capacity(n_fields as usize);
        for _ in 0..n_fields {
            field_names.push(c.str()?);
        }
        Ok(CallsiteDef {
            id,
            level,
            line,
            n_args,
            target,
            file,
            template,
            field_names,
        })
    }

    /// Number of values an EVENT of this callsite carries.
    pub fn n_values(&self) -> usize {
        self.n_args as usize + self.field_names.len()
    }
}

/// A STRING record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StringDef<'a> {
    /// Block-scoped string id.
    pub id: u64,
    /// The text.
    pub text: &'a str,
}

impl<'a> StringDef<'a> {
    /// Parses a STRING body.
    pub fn parse(body: &'a [u8]) -> Result<StringDef<'a>, FormatError> {
        let mut c = Cursor::new(tag::STRING, body);
        Ok(StringDef {
            id: c.varint()?,
            text: c.str()?,
        })
    }
}

/// An EVENT record, with its values not yet split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventRecord<'a> {
    /// Time delta on the block's time chain.
    pub dt: i64,
    /// Callsite id.
    pub callsite: u64,
    /// Thread id.
    pub thread: u64,
    /// The values: `n_args + n_fields` CBOR items, back to back, possibly followed by bytes a
    /// later minor version added.
    pub values: &'a [u8],
}

impl<'a> EventRecord<'a> {
    /// Parses an EVENT body.
    #[inline]
    pub fn parse(body: &'a [u8]) -> Result<EventRecord<'a>, FormatError> {
        let mut c = Cursor::new(tag::EVENT, body);
        Ok(EventRecord {
            dt: c.svarint()?,
            callsite: c.varint()?,
            thread: c.varint()?,
            values: c.rest(),
        })
    }
}

/// A DROPPED record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DroppedRecord {
    /// Time delta on the block's time chain.
    pub dt: i64,
    /// Thread whose events were lost, 0 for none in particular.
    pub thread: u64,
    /// How many events were lost.
    pub count: u64,
    /// Why.
    pub reason: DropReason,
}

impl DroppedRecord {
    /// Parses a DROPPED body.
    pub fn parse(body: &[u8]) -> Result<DroppedRecord, FormatError> {
        let mut c = Cursor::new(tag::DROPPED, body);
        Ok(DroppedRecord {
            dt: c.svarint()?,
            thread: c.varint()?,
            count: c.varint()?,
            reason: DropReason::from_u8(c.u8()?),
        })
    }
}

/// Advances a block's time chain by `dt`, refusing to leave the u64 range.
#[inline]
pub fn advance_time(prev: u64, dt: i64) -> Result<u64, FormatError> {
    prev.checked_add_signed(dt).ok_or(FormatError::BadTimestamp)
}
