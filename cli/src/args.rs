//! Arguments shared by several commands: file lists and event selection.

use std::path::PathBuf;

use clap::Args;
use ttlog_reader::{parse_rfc3339, Filter, Level, Query};

use crate::exit::{usage, Error};

/// Which events to select.
#[derive(Args, Debug, Clone, Default)]
pub struct SelectArgs {
    /// Keep events matching EXPR (repeatable; all must hold). See the filter syntax below.
    #[arg(long = "filter", short = 'f', value_name = "EXPR")]
    pub filters: Vec<String>,

    /// Keep events at LEVEL or more severe (same as --filter 'level>=LEVEL').
    #[arg(long, short = 'l', value_name = "LEVEL")]
    pub level: Option<String>,

    /// Keep events at or after TIME: RFC 3339 (2026-11-22T03:00:00Z) or relative to now
    /// (-10m, -2h, -30s, -1d).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub since: Option<String>,

    /// Keep events at or before TIME (same forms as --since).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub until: Option<String>,

    /// Keep events of the thread called NAME (repeatable).
    #[arg(long, value_name = "NAME")]
    pub thread: Vec<String>,
}

impl SelectArgs {
    /// The query these arguments describe, or a usage error already reported on stderr.
    pub fn query(&self) -> Result<Query, Error> {
        let mut query = Query::default();
        let mut exprs = self.filters.clone();
        if let Some(level) = &self.level {
            if level.parse::<Level>().is_err() {
                return Err(usage(format!(
                    "--level: unknown level `{level}` (TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL)"
                )));
            }
            exprs.push(format!("level>={level}"));
        }
        for expr in &exprs {
            match Filter::parse(expr) {
                Ok(f) => query.filters.push(f),
                Err(e) => return Err(usage(format!("{e}\n{}", e.pointer()))),
            }
        }
        query.since = self
            .since
            .as_deref()
            .map(|t| parse_time("--since", t))
            .transpose()?;
        query.until = self
            .until
            .as_deref()
            .map(|t| parse_time("--until", t))
            .transpose()?;
        query.threads = self.thread.clone();
        Ok(query)
    }
}

/// RFC 3339, or a duration before now: `-10m`, `10m`, `-2h`, `-30s`, `-1d`, `-500ms`.
fn parse_time(flag: &str, text: &str) -> Result<u64, Error> {
    if let Some(t) = parse_rfc3339(text) {
        return Ok(t);
    }
    let rel = text.strip_prefix('-').unwrap_or(text);
    let split = rel
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(rel.len());
    let (num, unit) = rel.split_at(split);
    let scale: f64 = match unit {
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        "d" => 86_400e9,
        _ => 0.0,
    };
    match num.parse::<f64>() {
        Ok(n) if scale > 0.0 && n >= 0.0 => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            Ok(now.saturating_sub((n * scale) as u64))
        }
        _ => Err(usage(format!(
            "{flag}: cannot read `{text}` as a time: use RFC 3339 (2026-11-22T03:00:00Z) or a relative time (-10m, -2h, -30s, -1d)"
        ))),
    }
}

/// Expands glob patterns the shell did not; the rules are the reader library's, shared with
/// the Python package.
pub fn expand(files: &[PathBuf]) -> Vec<PathBuf> {
    ttlog_reader::expand_paths(files)
}

/// Splits `--fields a,b` into names.
pub fn field_list(fields: &Option<String>) -> Option<Vec<String>> {
    fields.as_ref().map(|f| {
        f.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
}
