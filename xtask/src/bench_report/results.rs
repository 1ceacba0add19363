//! Reading the results: criterion's `estimates.json` files and the benches' own `key value` files.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_derive::Deserialize;

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
                match median_ns(&file) {
                    Ok(Some(ns)) => {
                        criterion.insert(format!("{group}/{name}"), ns);
                    }
                    Ok(None) => {}
                    // Reported as not measured; say why.
                    Err(e) => eprintln!("warning: {e}"),
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

/// The part of criterion's `new/estimates.json` that is read:
/// `{"mean":{"confidence_interval":{...},"point_estimate":N,"standard_error":N},"median":{...},...}`.
#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

/// The median point estimate (ns per iteration) in a criterion `estimates.json`; `None` when the
/// file does not exist (criterion's `report/` directory, or a bench that did not run).
fn median_ns(file: &Path) -> Result<Option<f64>, String> {
    let text = match fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    let estimates: Estimates =
        serde_json::from_str(&text).map_err(|e| format!("{}: not a criterion estimates file: {e}", file.display()))?;
    Ok(Some(estimates.median.point_estimate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_medians() {
        let dir = std::env::temp_dir().join(format!("xtask-estimates-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("estimates.json");
        let json = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":10.5,"upper_bound":12.0},"point_estimate":11.25,"standard_error":0.3},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":9.0,"upper_bound":10.0},"point_estimate":9.5e3,"standard_error":0.1},"slope":null}"#;
        fs::write(&file, json).unwrap();
        assert_eq!(median_ns(&file), Ok(Some(9500.0)));
        fs::write(&file, r#"{"mean":{"point_estimate":1.0}}"#).unwrap();
        let e = median_ns(&file).unwrap_err();
        assert!(e.contains("estimates.json: not a criterion estimates file: missing field `median`"), "{e}");
        fs::remove_file(&file).unwrap();
        assert_eq!(median_ns(&file), Ok(None));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn key_value_lines() {
        assert_eq!(parse_pairs("a 1\nb two words\n")["b"], "two words");
    }
}
