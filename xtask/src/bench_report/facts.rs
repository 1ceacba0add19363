//! The machine and run facts written at the top of the report.

use std::fs;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use super::BenchOpts;

pub(super) struct Facts {
    pub(super) date: String,
    pub(super) nproc: usize,
    pub(super) rustc: String,
    pub(super) cpu: String,
    pub(super) load: String,
    pub(super) mode: &'static str,
}

impl Facts {
    pub(super) fn collect(opts: &BenchOpts) -> Facts {
        let first_line = |program: &str, arg: &str| {
            Command::new(program)
                .arg(arg)
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .and_then(|s| s.lines().next().map(str::to_string))
                .unwrap_or_else(|| "unknown".into())
        };
        let cpu = fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let load = fs::read_to_string("/proc/loadavg")
            .ok()
            .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| "unknown".into());
        Facts {
            date: utc_now(),
            nproc: std::thread::available_parallelism().map_or(1, usize::from),
            rustc: first_line("rustc", "-V"),
            cpu,
            load,
            mode: match (opts.skip_bench, opts.quick) {
                (true, _) => "report only (--skip-bench: figures from the previous run's files)",
                (false, true) => "quick (--quick: short criterion measurements, for development only)",
                (false, false) => "full",
            },
        }
    }
}

/// `YYYY-MM-DD HH:MM UTC` without a date crate (days-to-civil, proleptic Gregorian).
fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (h, m) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = utc_now();
        assert!(d.len() == "2026-01-01 00:00 UTC".len() && d.starts_with("20"), "{d}");
    }
}
