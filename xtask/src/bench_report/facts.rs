//! The machine and run facts written at the top of the report.

use std::fs;
use std::process::Command;

use time::macros::format_description;
use time::OffsetDateTime;

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

/// The current time as `YYYY-MM-DD HH:MM UTC`.
fn utc_now() -> String {
    utc_text(OffsetDateTime::now_utc())
}

fn utc_text(t: OffsetDateTime) -> String {
    t.format(format_description!("[year]-[month]-[day] [hour]:[minute] UTC"))
        .unwrap_or_else(|e| format!("unknown ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = utc_now();
        assert!(d.len() == "2026-01-01 00:00 UTC".len() && d.starts_with("20"), "{d}");
        let t = OffsetDateTime::from_unix_timestamp(1_787_400_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(utc_text(t), "2026-08-22 12:00 UTC");
        assert_eq!(utc_text(OffsetDateTime::UNIX_EPOCH), "1970-01-01 00:00 UTC");
    }
}
