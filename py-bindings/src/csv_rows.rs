//! Rows of tracked values kept for an OSL-style CSV: captured typed at each `update()`,
//! turned into the text Python's `str()` gives only when the rows are written out, so a
//! tick does no string formatting for the common types.

use std::fmt::Write;

/// One value of a row, as captured.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A Python `int` that fits in 64 bits, or a numpy integer.
    Int(i64),
    /// A Python `float` or numpy `float64`: `str()` is `repr()`.
    Float(f64),
    /// A numpy `float32`: `str()` is the shortest text that reads back as that float32.
    Float32(f32),
    /// `True` / `False`.
    Bool(bool),
    /// `None`.
    None,
    /// A Python `str`.
    Text(Box<str>),
    /// Anything else, as `str(value)` taken when the row was captured.
    Shown(Box<str>),
    /// The getter raised: OSL writes `ERROR`.
    Error,
}

impl Cell {
    /// Appends the text Python's `str()` gives for the value.
    pub fn write(&self, out: &mut String) {
        match self {
            Cell::Int(n) => out.push_str(itoa::Buffer::new().format(*n)),
            Cell::Float(f) => write_repr(out, *f, |b: &mut ryu::Buffer, f| b.format_finite(f)),
            Cell::Float32(f) => write_repr(out, *f, |b: &mut ryu::Buffer, f| b.format_finite(f)),
            Cell::Bool(true) => out.push_str("True"),
            Cell::Bool(false) => out.push_str("False"),
            Cell::None => out.push_str("None"),
            Cell::Text(t) | Cell::Shown(t) => out.push_str(t),
            Cell::Error => out.push_str("ERROR"),
        }
    }
}

impl Cell {
    /// The value for the `.bin`, when the cell holds it typed (not for `Shown` and
    /// `Error`, whose original object or error is encoded instead).
    pub fn typed(&self) -> Option<TypedCell<'_>> {
        match self {
            Cell::Shown(_) | Cell::Error => None,
            c => Some(TypedCell(c)),
        }
    }
}

/// A cell encoded as its typed value.
pub struct TypedCell<'a>(&'a Cell);

impl serde::Serialize for TypedCell<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Cell::Int(n) => s.serialize_i64(*n),
            Cell::Float(f) => s.serialize_f64(*f),
            Cell::Float32(f) => s.serialize_f32(*f),
            Cell::Bool(b) => s.serialize_bool(*b),
            Cell::None => s.serialize_none(),
            Cell::Text(t) | Cell::Shown(t) => s.serialize_str(t),
            Cell::Error => s.serialize_str("ERROR"),
        }
    }
}

/// A float as CPython's `repr()` writes it (and numpy's `str()` for its scalars): the
/// shortest digits that read back exactly, positional when the decimal point falls
/// within (-4, 16], else scientific with a sign and at least two exponent digits:
/// `0.1`, `2.0`, `1e-05`, `1.5e+16`, `inf`, `nan`, `-0.0`.
fn write_repr<F: Copy + Into<f64>>(
    out: &mut String,
    f: F,
    shortest: impl Fn(&mut ryu::Buffer, F) -> &str,
) {
    let x: f64 = f.into();
    if x.is_nan() {
        out.push_str("nan");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
        return;
    }
    let mut buf = ryu::Buffer::new();
    let text = shortest(&mut buf, f);
    let (negative, text) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text),
    };
    let mut digits = [0u8; 40];
    let (n, decpt) = digits_and_point(text, &mut digits);
    let digits = std::str::from_utf8(&digits[..n]).unwrap_or("0");
    if negative {
        out.push('-');
    }
    if digits.is_empty() {
        out.push_str("0.0");
        return;
    }
    if decpt > -4 && decpt <= 16 {
        if decpt <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-decpt) as usize));
            out.push_str(digits);
        } else if (decpt as usize) < digits.len() {
            out.push_str(&digits[..decpt as usize]);
            out.push('.');
            out.push_str(&digits[decpt as usize..]);
        } else {
            out.push_str(digits);
            out.extend(std::iter::repeat_n('0', decpt as usize - digits.len()));
            out.push_str(".0");
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let exp = decpt - 1;
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
}

/// The significant digits of ryu's text (`1.5e16`, `0.0001`, `123.0`) into `digits`, and
/// where the decimal point falls relative to the first of them (`1.5e16` → `15`, 17).
/// Returns the number of digits and that position.
fn digits_and_point(text: &str, digits: &mut [u8; 40]) -> (usize, i32) {
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let mut n = 0usize;
    let mut point = None;
    let mut leading = 0i32;
    for &b in mantissa.as_bytes() {
        match b {
            b'.' => point = Some(n as i32 + leading),
            b'0' if n == 0 => leading += 1,
            b'0'..=b'9' if n < digits.len() => {
                digits[n] = b;
                n += 1;
            }
            _ => {}
        }
    }
    let point = point.unwrap_or(n as i32 + leading);
    while n > 0 && digits[n - 1] == b'0' {
        n -= 1;
    }
    (n, point - leading + exp)
}

/// Appends `cells` as one CSV row as Python's `csv.writer` writes it (minimal quoting,
/// `\r\n` at the end).
pub fn write_row(cells: &[Cell], out: &mut String, scratch: &mut String) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if !matches!(cell, Cell::Text(_) | Cell::Shown(_)) {
            // Numbers, booleans, None and ERROR never need quoting.
            cell.write(out);
            continue;
        }
        scratch.clear();
        cell.write(scratch);
        if scratch.contains([',', '"', '\r', '\n']) || (cells.len() == 1 && scratch.is_empty()) {
            out.push('"');
            out.push_str(&scratch.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(scratch);
        }
    }
    out.push_str("\r\n");
}

/// Rows captured since they were last written out, stored flat so a tick allocates
/// nothing once the buffer has grown to its size.
#[derive(Default)]
pub struct Rows {
    cells: Vec<Cell>,
    /// Cells in each row (rows grow when variables are tracked between ticks).
    widths: Vec<usize>,
}

impl Rows {
    /// Adds cells to the row being built; [`end_row`](Self::end_row) ends it.
    pub fn extend(&mut self, cells: impl IntoIterator<Item = Cell>) {
        self.cells.extend(cells);
    }

    /// Ends the row begun at cell `start`.
    pub fn end_row(&mut self, start: usize) {
        self.widths.push(self.cells.len() - start);
    }

    /// Cells pushed so far.
    pub fn cell_count(&self) -> usize {
        self.cells.len()
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.widths.len()
    }

    /// Each row's cells.
    pub fn iter(&self) -> impl Iterator<Item = &[Cell]> + '_ {
        let mut at = 0;
        self.widths.iter().map(move |&w| {
            let row = &self.cells[at..at + w];
            at += w;
            row
        })
    }

    /// The rows as CSV text, and empties the buffer.
    pub fn take_csv(&mut self) -> String {
        let mut out = String::with_capacity(self.cells.len() * 12);
        let mut scratch = String::new();
        for row in self.iter() {
            write_row(row, &mut out, &mut scratch);
        }
        self.clear();
        out
    }

    /// Forgets every row.
    pub fn clear(&mut self) {
        self.cells.clear();
        self.widths.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(c: Cell) -> String {
        let mut s = String::new();
        c.write(&mut s);
        s
    }

    #[test]
    fn floats_as_python_writes_them() {
        for (f, want) in [
            (0.1, "0.1"),
            (2.0, "2.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e16, "1.5e+16"),
            (123.456, "123.456"),
            (1e300, "1e+300"),
            (-2.5e-7, "-2.5e-07"),
            (5e-324, "5e-324"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(text(Cell::Float(f)), want, "{f:e}");
        }
        assert_eq!(text(Cell::Float32(25.000006)), "25.000006");
        assert_eq!(text(Cell::Float32(0.1)), "0.1");
        assert_eq!(text(Cell::Int(-7)), "-7");
        assert_eq!(text(Cell::Bool(true)), "True");
        assert_eq!(text(Cell::None), "None");
    }

    #[test]
    fn rows_as_csv_writer_writes_them() {
        let mut rows = Rows::default();
        let start = rows.cell_count();
        rows.extend([
            Cell::Int(1),
            Cell::Text("a,b".into()),
            Cell::Text("say \"hi\"".into()),
            Cell::Error,
        ]);
        rows.end_row(start);
        let start = rows.cell_count();
        rows.extend([Cell::Text("".into())]);
        rows.end_row(start);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows.take_csv(),
            "1,\"a,b\",\"say \"\"hi\"\"\",ERROR\r\n\"\"\r\n"
        );
        assert_eq!(rows.len(), 0);
    }
}
