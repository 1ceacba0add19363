//! Rendering: the Markdown table and report (`docs/benchmarks.md`) and the SVG chart.

use std::fmt::Write as _;
use std::time::Duration;

use super::build::BuildTimes;
use super::facts::Facts;
use super::figures::{Goal, Row};
use super::results::Data;
use super::BenchOpts;

pub(super) fn table(rows: &[Row]) -> String {
    let mut s = String::from("| figure | measured | baseline | ratio | goal | met |\n|---|---|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            r.figure,
            r.value,
            r.baseline,
            r.ratio_text(),
            r.goal_text,
            r.met()
        );
    }
    s
}

#[allow(clippy::too_many_arguments)]
pub(super) fn markdown(
    facts: &Facts,
    rows: &[Row],
    opts: &BenchOpts,
    data: &Data,
    build: Option<&(BuildTimes, Duration)>,
    bench_time: Option<Duration>,
    total: Duration,
    problems: &[String],
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "Written by `cargo xtask bench-report` — do not edit by hand, run it again. Shared 2-core machines \
         drift by ±50% between runs, so every ratio below compares two figures measured in the same run.\n"
    );
    let _ = writeln!(s, "## Machine and run\n");
    let _ = writeln!(s, "| | |\n|---|---|");
    let _ = writeln!(s, "| date | {} |", facts.date);
    let _ = writeln!(s, "| nproc | {} |", facts.nproc);
    let _ = writeln!(s, "| CPU | {} |", facts.cpu);
    let _ = writeln!(s, "| rustc | {} |", facts.rustc);
    let _ = writeln!(s, "| load average at start (1/5/15 min) | {} |", facts.load);
    let _ = writeln!(s, "| mode | {} |", facts.mode);
    let _ = writeln!(
        s,
        "| wall time | {:.0} s in all: benchmarks {}, build measurement {} |",
        total.as_secs_f64(),
        bench_time.map_or("skipped".into(), |d| format!("{:.0} s", d.as_secs_f64())),
        build.map_or("skipped".into(), |(_, d)| format!("{:.0} s", d.as_secs_f64()))
    );
    let _ = writeln!(s);
    if !problems.is_empty() {
        let _ = writeln!(s, "**Problems in this run:**\n");
        for p in problems {
            let _ = writeln!(s, "* {p}");
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "## Results\n");
    s.push_str(&table(rows));
    let met: Vec<bool> = rows.iter().filter_map(Row::is_met).collect();
    let _ = writeln!(
        s,
        "\n{} of {} figures with a goal meet it. \"none set\": no goal was set for that figure; it is measured to be \
         tracked.\n",
        met.iter().filter(|m| **m).count(),
        met.len()
    );
    let _ = writeln!(s, "![ratios against their baselines and goals](benchmarks.svg)\n");

    let _ = writeln!(s, "## What is measured\n");
    let c = |k: &str| data.custom.get("codec").and_then(|m| m.get(k)).cloned().unwrap_or_else(|| "?".into());
    let _ = writeln!(
        s,
        "* **Decode/encode** (`benches/benches/codec.rs`, criterion, median): a page of {} users generated in \
         the bench ({} bytes, {} properties per user on average: ids, UPNs, mail, names, jobTitle, officeLocation, \
         businessPhones, nested assignedLicenses/assignedPlans, timestamps with 7 fractional digits, booleans, explicit \
         `null`s, two unknown `extension_…` properties; `@odata.context` and `@odata.nextLink` on the page), decoded \
         with `msgraph::json::from_str::<msgraph::Page<User>>` vs `serde_json::from_str::<Value>`, and encoded back \
         (`msgraph::json::to_string` vs `serde_json::to_string`). The bench first checks that the typed round trip \
         keeps every property. MB/s = 10⁶ bytes of JSON read (decode) or written (encode) per second. The \
         polymorphic page has {} methods of {} `@odata.type`s ({} bytes) including one type unknown to v1.0 (decoded \
         as the base variant).",
        c("users_items"),
        c("users_bytes"),
        c("users_props_per_item"),
        c("methods_items"),
        c("methods_kinds"),
        c("methods_bytes")
    );
    let _ = writeln!(
        s,
        "* **Peak heap** (`benches/benches/memory.rs`): a counting global allocator in its own bench binary; the \
         high-water mark of live heap bytes during one decode, above what was live before it (the input text is \
         not counted), and what the decoded result keeps alive."
    );
    let _ = writeln!(
        s,
        "* **Codegen** (`benches/benches/codegen.rs`): the steps of `cargo xtask codegen --out <temp dir>` (locate \
         and sha256-verify the pinned CSDL, parse, resolve, emit, write the tree) in a release build; peak RSS is \
         `VmHWM` of a fresh child process doing one run (what `/usr/bin/time -v` reports as maximum resident set \
         size)."
    );
    let _ = writeln!(
        s,
        "* **Queue** (`benches/benches/queue.rs`, criterion, 10 samples): the emulator seeded with 100 extra users, \
         each with a mobile phone; one iteration toggles SMS sign-in on all 100 (`enable_sms_sign_in`, then \
         `disable_sms_sign_in` on the next iteration) either with 100 × `.send().await` or with 100 × \
         `client.add_query(..)` and one `client.execute_query()` (`$batch`es of 20, up to 4 in flight). The headline \
         puts the 20 ms on every HTTP request (`FaultRule::latency(..).on_batch_items(false)`: a network round \
         trip); the second line uses the emulator's default scope, which also delays every `$batch` item by 20 ms \
         (items of a parallel batch run concurrently). Round trips are counted in the emulator's request log \
         (`Emulator::requests()`, batch items excluded) and must equal the queue's own `ExecuteSummary::round_trips`."
    );
    let _ = writeln!(
        s,
        "* **Pipeline overhead** (`benches/benches/pipeline.rs`): `GET /v1.0/users/1` with a bearer token against a \
         lean keep-alive HTTP/1.1 server on 127.0.0.1 answering a fixed 29-byte JSON; reqwest (`send` + `bytes`) vs \
         `client.get::<HttpResponse>(..)` through the whole msgraph-core pipeline. Criterion runs the two one after \
         the other, so an interleaved measurement is reported too."
    );
    let _ = writeln!(
        s,
        "* **Build**: `cargo build` of three throw-away crates, each with a \
         fresh target dir and `CARGO_INCREMENTAL=0`, one after the other in this run: the floor (reqwest 0.12 with \
         rustls + tokio + serde_json, a trivial `main`), a consumer of `msgraph` with only the `users` API area \
         (`default-features = false, features = [\"users\"]`) and a consumer of the whole typed v1.0 surface (default \
         features), both decoding one model. All start from the workspace's `Cargo.lock`; dependencies are fetched \
         before the clock starts.{}",
        match (build, &opts.build_dir) {
            (Some((b, _)), Some(_)) => format!(" Work directory of this run (kept): `{}`.", b.dir.display()),
            _ => String::new(),
        }
    );
    let _ = writeln!(s, "\n## Commands\n");
    let _ = writeln!(s, "```sh");
    let _ = writeln!(
        s,
        "cargo xtask bench-report                                           # this file: every benchmark + the build measurement"
    );
    let _ = writeln!(
        s,
        "cargo xtask bench-report --quick --skip-build-measure             # development: short measurements, no clean builds"
    );
    let _ = writeln!(
        s,
        "cargo xtask bench-report --skip-bench --skip-build-measure        # rewrite the report from the last run's files"
    );
    let _ = writeln!(
        s,
        "(cd benches && cargo bench)                                       # the benchmarks alone (main target dir)"
    );
    let _ = writeln!(s, "(cd benches && cargo bench --bench codec)                         # one of codec, memory, queue, pipeline, codegen");
    let _ =
        writeln!(s, "cargo xtask bench-report --skip-bench --out DIR                   # the build measurement alone");
    let _ = writeln!(s, "```\n");
    let _ = writeln!(
        s,
        "This run: `cargo xtask bench-report{}{}`. Criterion's own reports are in `target/criterion/`, the \
         benches' custom figures in `target/msgraph-bench/*.txt`. `benches/` is its own cargo workspace (so \
         criterion never enters `cargo test --workspace`) sharing the main `target/` directory.",
        if opts.quick { " --quick" } else { "" },
        if opts.skip_build_measure { " --skip-build-measure" } else { "" }
    );
    s
}

/// Horizontal bars of every chartable ratio on a log scale (0.1× … 100×), a line at 1×, and each
/// row's goal as a red tick; green bars meet their goal, orange ones do not, grey ones have none.
pub(super) fn svg(rows: &[Row], facts: &Facts) -> String {
    let chart: Vec<&Row> = rows.iter().filter(|r| r.chart).collect();
    let (left, width, row_h, top) = (430.0_f64, 420.0_f64, 34.0_f64, 50.0_f64);
    let height = top + row_h * chart.len() as f64 + 60.0;
    let (lo, hi) = (0.1_f64.log10(), 100.0_f64.log10());
    let x = |v: f64| left + (v.clamp(0.1, 100.0).log10() - lo) / (hi - lo) * width;
    let esc = |t: &str| t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('`', "");
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{height:.0}" viewBox="0 0 {w:.0} {height:.0}" font-family="sans-serif" font-size="12">"##,
        w = left + width + 150.0
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="white"/>"##);
    let _ = writeln!(
        s,
        r##"<text x="10" y="22" font-size="15" font-weight="bold">msgraph-rs benchmarks: ratio to baseline (log scale), {}</text>"##,
        esc(&facts.date)
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="40" fill="#555">green: goal met, orange: not met, grey: no goal; red tick: the goal</text>"##
    );
    for tick in [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0] {
        let tx = x(tick);
        let bottom = top + row_h * chart.len() as f64;
        let stroke = if tick == 1.0 { r##"stroke="#000" stroke-width="1.5""## } else { r##"stroke="#ddd""## };
        let _ = writeln!(s, r##"<line x1="{tx:.1}" y1="{top:.1}" x2="{tx:.1}" y2="{bottom:.1}" {stroke}/>"##);
        let _ = writeln!(
            s,
            r##"<text x="{tx:.1}" y="{:.1}" text-anchor="middle" fill="#555">{tick}×</text>"##,
            bottom + 16.0
        );
    }
    for (i, r) in chart.iter().enumerate() {
        let y = top + row_h * i as f64;
        let mut label = esc(&r.figure);
        if label.chars().count() > 68 {
            label = label.chars().take(66).collect::<String>() + "…";
        }
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"##,
            left - 8.0,
            y + row_h / 2.0 + 4.0
        );
        let Some(v) = r.ratio else {
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{:.1}" fill="#999">not measured</text>"##,
                x(1.0) + 6.0,
                y + row_h / 2.0 + 4.0
            );
            continue;
        };
        let (x0, x1) = (x(1.0).min(x(v)), x(1.0).max(x(v)));
        let fill = match r.is_met() {
            Some(true) => "#4caf50",
            Some(false) => "#ff9800",
            None => "#9e9e9e",
        };
        let _ = writeln!(
            s,
            r##"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}"/>"##,
            y + 7.0,
            (x1 - x0).max(1.0),
            row_h - 14.0
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}">{}</text>"##,
            x1 + 4.0,
            y + row_h / 2.0 + 4.0,
            esc(&r.ratio_text())
        );
        let goal = match r.goal {
            Goal::AtLeast(g) | Goal::AtMost(g) => Some(g),
            Goal::None => None,
        };
        if let Some(g) = goal {
            let gx = x(g);
            let _ = writeln!(
                s,
                r##"<line x1="{gx:.1}" y1="{:.1}" x2="{gx:.1}" y2="{:.1}" stroke="#d32f2f" stroke-width="3"/>"##,
                y + 3.0,
                y + row_h - 3.0
            );
        }
    }
    let _ = writeln!(
        s,
        r##"<text x="10" y="{:.1}" fill="#555">speed rows: how many times faster than the baseline; time, memory and build rows: multiple of the baseline (lower is better)</text>"##,
        height - 12.0
    );
    s.push_str("</svg>\n");
    s
}
