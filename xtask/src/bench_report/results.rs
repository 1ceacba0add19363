//! Reading the results: criterion's `estimates.json` files and the benches' own `key value` files.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::figures::criterion_groups;

/// Criterion medians (ns per iteration) by `group/function`, and the benches' own `key value` files.
pub(super) struct Data {
    pub(super) criterion: BTreeMap<String, f64>,
    pub(super) custom: BTreeMap<String, BTreeMap<String, String>>,
}

impl Data {
    pub(super) fn load(target: &Path, results: &Path) -> Data {
        let mut criterion = BTreeMap::new();
        for group in criterion_groups() {
            let Ok(entries) = fs::read_dir(target.join("criterion").join(group)) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let file = entry.path().join("new").join("estimates.json");
                if let Some(ns) = fs::read_to_string(&file).ok().and_then(|t| point_estimate(&t, "median")) {
                    criterion.insert(format!("{group}/{name}"), ns);
                }
            }
        }
        let mut custom = BTreeMap::new();
        if let Ok(entries) = fs::read_dir(results) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().and_then(|e| e.to_str()) != Some("txt") {
                    continue;
                }
                let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else { continue };
                let Ok(text) = fs::read_to_string(&path) else { continue };
                custom.insert(stem, parse_pairs(&text));
            }
        }
        Data { criterion, custom }
    }

    pub(super) fn ns(&self, key: &str) -> Option<f64> {
        self.criterion.get(key).copied()
    }

    pub(super) fn num(&self, file: &str, key: &str) -> Option<f64> {
        self.custom.get(file)?.get(key)?.parse().ok()
    }
}

/// `key value` lines.
pub(super) fn parse_pairs(text: &str) -> BTreeMap<String, String> {
    text.lines().filter_map(|l| l.split_once(' ')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect()
}

/// `estimates.json` → `<statistic>.point_estimate` (criterion writes
/// `{"mean":{"confidence_interval":{...},"point_estimate":N,"standard_error":N},"median":{...},...}`).
fn point_estimate(json: &str, statistic: &str) -> Option<f64> {
    let at = json.find(&format!("\"{statistic}\""))?;
    let rest = &json[at..];
    let key = "\"point_estimate\":";
    let from = rest.find(key)? + key.len();
    let tail = rest[from..].trim_start();
    let end =
        tail.find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))).unwrap_or(tail.len());
    tail[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_point_estimates() {
        let json = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":10.5,"upper_bound":12.0},"point_estimate":11.25,"standard_error":0.3},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":9.0,"upper_bound":10.0},"point_estimate":9.5e3,"standard_error":0.1}}"#;
        assert_eq!(point_estimate(json, "mean"), Some(11.25));
        assert_eq!(point_estimate(json, "median"), Some(9500.0));
        assert_eq!(point_estimate(json, "slope"), None);
    }

    #[test]
    fn key_value_lines() {
        assert_eq!(parse_pairs("a 1\nb two words\n")["b"], "two words");
    }
}
