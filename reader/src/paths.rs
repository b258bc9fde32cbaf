//! Naming the files to read: glob patterns expanded the same way by the CLI and the Python
//! package.

use std::path::PathBuf;

/// Expands glob patterns (`logs/*.bin`, `run-?.bin`, `[ab].bin`) that the shell did not
/// (quoted, on Windows, or from Python), sorted by name; other paths pass as given, so that
/// a missing file is reported by whatever opens it. A path that exists is never treated as a
/// pattern, even when its name holds `*`, `?` or `[`; a pattern that matches nothing
/// passes as given, for the same reason.
pub fn expand_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        let text = path.to_string_lossy();
        if !path.exists() && text.contains(['*', '?', '[']) {
            if let Ok(found) = glob::glob(&text) {
                let mut found: Vec<PathBuf> = found.flatten().collect();
                if !found.is_empty() {
                    found.sort();
                    out.extend(found);
                    continue;
                }
            }
        }
        out.push(path.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_expand_sorted_and_the_rest_passes_as_given() {
        let dir = std::env::temp_dir().join(format!("ttlog-paths-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["b.bin", "a.bin", "x[1].bin"] {
            std::fs::write(dir.join(name), b"").unwrap();
        }
        let pattern = dir.join("?.bin");
        let literal = dir.join("x[1].bin");
        let missing = dir.join("none-*.bin");
        let got = expand_paths(&[pattern, literal.clone(), missing.clone()]);
        assert_eq!(
            got,
            vec![dir.join("a.bin"), dir.join("b.bin"), literal, missing]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
