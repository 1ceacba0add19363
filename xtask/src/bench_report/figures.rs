//! The figures of the report as data: where each row's numbers come from, how they are written,
//! and the goal they are held to.

use std::fmt::Write as _;

use super::results::Data;

#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Goal {
    /// No goal set for this figure.
    None,
    /// The ratio must be at least this.
    AtLeast(f64),
    /// The ratio must be at most this.
    AtMost(f64),
}

/// How a row's ratio is computed from its two numbers, and how it is written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum RatioKind {
    /// No ratio: the figure is reported, not compared (`—`).
    None,
    /// Measured ÷ baseline, a multiple of the baseline (`0.99×`).
    Multiple,
    /// Measured speed ÷ baseline speed (`1.90× the speed`).
    Speed,
    /// Baseline time ÷ measured time (`47.93× faster`).
    Faster,
    /// The measured count itself (`5 round trips`).
    RoundTrips,
}

impl RatioKind {
    pub(super) fn of(self, value: Option<f64>, baseline: Option<f64>) -> Option<f64> {
        match self {
            RatioKind::None => None,
            RatioKind::Multiple | RatioKind::Speed => ratio_of(value, baseline),
            RatioKind::Faster => ratio_of(baseline, value),
            RatioKind::RoundTrips => value,
        }
    }

    pub(super) fn text(self, ratio: Option<f64>) -> String {
        match (self, ratio) {
            (RatioKind::None, _) => "—".into(),
            (_, None) => NOT_MEASURED.into(),
            (RatioKind::Multiple, Some(v)) => format!("{v:.2}×"),
            (RatioKind::Speed, Some(v)) => format!("{v:.2}× the speed"),
            (RatioKind::Faster, Some(v)) => format!("{v:.2}× faster"),
            (RatioKind::RoundTrips, Some(v)) => format!("{v:.0} round trips"),
        }
    }
}

/// Where a number of the report comes from.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// A criterion median in ns per iteration: group, function.
    Median(&'static str, &'static str),
    /// A number of a `key value` results file (`<results>/<file>.txt`): file, key.
    Figure(&'static str, &'static str),
    /// MB/s: the `codec` results figure `bytes` over the criterion median of `group/function`.
    MbPerS { group: &'static str, function: &'static str, bytes: &'static str },
}

impl Source {
    pub(super) fn get(self, data: &Data) -> Option<f64> {
        match self {
            Source::Median(group, function) => data.ns(&format!("{group}/{function}")),
            Source::Figure(file, key) => data.num(file, key),
            Source::MbPerS { group, function, bytes } => {
                data.ns(&format!("{group}/{function}")).zip(data.num("codec", bytes)).map(|(ns, b)| mb_s(b, ns))
            }
        }
    }

    /// The criterion group the number is read from, if it is a criterion figure.
    pub(super) fn group(self) -> Option<&'static str> {
        match self {
            Source::Median(group, _) | Source::MbPerS { group, .. } => Some(group),
            Source::Figure(..) => None,
        }
    }
}

const NOT_MEASURED: &str = "not measured";
const NONE_SET: &str = "none set";

/// One side of a comparison: the number and how it is written.
struct Side {
    pub(super) source: Source,
    /// Writes the number (`data`: for the figures written next to it).
    pub(super) text: fn(f64, &Data) -> String,
    /// Written when the number was not measured.
    pub(super) missing: &'static str,
}

const fn side(source: Source, text: fn(f64, &Data) -> String) -> Side {
    Side { source, text, missing: NOT_MEASURED }
}

impl Side {
    pub(super) fn render(&self, value: Option<f64>, data: &Data) -> String {
        value.map_or_else(|| self.missing.into(), |v| (self.text)(v, data))
    }
}

/// A row of the report as data: where its numbers come from and how they are written.
struct Figure {
    /// The figure's name; each `{}` is one of `figure_args` (`{:.0}`), written as the default
    /// given with it when not measured.
    pub(super) figure: &'static str,
    pub(super) figure_args: &'static [(Source, f64)],
    pub(super) value: Side,
    pub(super) baseline: Side,
    pub(super) ratio: RatioKind,
    pub(super) goal: Goal,
    pub(super) goal_text: &'static str,
    /// Drawn in the chart.
    pub(super) chart: bool,
}

/// A codec throughput row: `group/typed` against `group/value`, each over its byte count.
const fn throughput(
    figure: &'static str,
    group: &'static str,
    (typed_bytes, value_bytes): (&'static str, &'static str),
    goal: Goal,
    goal_text: &'static str,
) -> Figure {
    Figure {
        figure,
        figure_args: &[],
        value: side(Source::MbPerS { group, function: "typed", bytes: typed_bytes }, |v, _| {
            format!("{v:.0} MB/s typed")
        }),
        baseline: side(Source::MbPerS { group, function: "value", bytes: value_bytes }, |v, _| {
            format!("{v:.0} MB/s `Value`")
        }),
        ratio: RatioKind::Speed,
        goal,
        goal_text,
        chart: true,
    }
}

/// `kib_text` of a `memory` results figure, `?` when missing.
fn kept(data: &Data, key: &str) -> String {
    data.num("memory", key).map_or("?".into(), kib_text)
}

const LATENCY_MS: &[(Source, f64)] = &[(Source::Figure("queue", "latency_ms"), 20.0)];
const PIPELINE_RAW: Source = Source::Median("pipeline", "reqwest");
const FLOOR: Source = Source::Figure("build", "floor_s");

/// Every row of the report, in order. The criterion groups a bench run must produce (and that
/// are cleared before it) are the ones named here: [`criterion_groups`].
static FIGURES: &[Figure] = &[
    throughput(
        "Decode a 999-user page into `Page<User>`",
        "decode_users",
        ("users_bytes", "users_bytes"),
        Goal::AtLeast(1.5),
        "≥ 1.5× `Value`",
    ),
    throughput(
        "Encode the 999-user page",
        "encode_users",
        ("users_typed_out_bytes", "users_value_out_bytes"),
        Goal::None,
        NONE_SET,
    ),
    Figure {
        figure: "Peak heap decoding the 999-user page",
        figure_args: &[],
        value: side(Source::Figure("memory", "users_typed_peak"), |v, d| {
            format!("{} typed (result keeps {})", kib_text(v), kept(d, "users_typed_retained"))
        }),
        baseline: side(Source::Figure("memory", "users_value_peak"), |v, d| {
            format!("{} `Value` (keeps {})", kib_text(v), kept(d, "users_value_retained"))
        }),
        ratio: RatioKind::Multiple,
        goal: Goal::None,
        goal_text: NONE_SET,
        chart: true,
    },
    throughput(
        "Decode a 500-item `/me/authentication/methods` page into `Page<AuthenticationMethodKind>`",
        "decode_methods",
        ("methods_bytes", "methods_bytes"),
        Goal::None,
        NONE_SET,
    ),
    throughput(
        "Encode the 500-method page",
        "encode_methods",
        ("methods_typed_out_bytes", "methods_value_out_bytes"),
        Goal::None,
        NONE_SET,
    ),
    Figure {
        figure: "Peak heap decoding the 500-method page",
        figure_args: &[],
        value: side(Source::Figure("memory", "methods_typed_peak"), |v, d| {
            format!("{} typed (result keeps {})", kib_text(v), kept(d, "methods_typed_retained"))
        }),
        baseline: side(Source::Figure("memory", "methods_value_peak"), |v, d| {
            format!("{} `Value` (keeps {})", kib_text(v), kept(d, "methods_value_retained"))
        }),
        ratio: RatioKind::Multiple,
        goal: Goal::None,
        goal_text: NONE_SET,
        chart: true,
    },
    Figure {
        figure: "`cargo xtask codegen` on the full v1.0 CSDL (release)",
        figure_args: &[],
        value: side(Source::Figure("codegen", "best_s"), |best, d| {
            let cg = |k: &str| d.num("codegen", k);
            match (cg("median_s"), cg("peak_rss_kib")) {
                (Some(median), Some(rss)) => format!(
                    "{best:.2} s best, {median:.2} s median of {}; peak RSS {:.0} MiB",
                    cg("runs").unwrap_or(1.0),
                    rss / 1024.0
                ),
                _ => NOT_MEASURED.into(),
            }
        }),
        baseline: Side {
            source: Source::Figure("codegen", "files"),
            text: |files, d| {
                format!(
                    "({files:.0} files, {:.1} MB generated)",
                    d.num("codegen", "generated_bytes").unwrap_or(0.0) / 1e6
                )
            },
            missing: "—",
        },
        ratio: RatioKind::None,
        goal: Goal::None,
        goal_text: NONE_SET,
        chart: false,
    },
    Figure {
        figure: "Upload 100 MiB through the emulator (upload session, 10 × 320 KiB chunks, from an `AsyncRead`) vs \
                 plain reqwest sending the same chunks",
        figure_args: &[],
        value: side(Source::Figure("files", "sdk_upload_mb_s"), |v, _| format!("{v:.0} MB/s SDK")),
        baseline: side(Source::Figure("files", "reqwest_upload_mb_s"), |v, _| format!("{v:.0} MB/s reqwest")),
        ratio: RatioKind::Speed,
        goal: Goal::AtLeast(0.8),
        goal_text: "≥ 0.8× the speed",
        chart: true,
    },
    Figure {
        figure: "Download 100 MiB (302, then ranged GETs growing from 8 to 64 MiB, bodies streamed) vs plain reqwest \
                 streaming one GET",
        figure_args: &[],
        value: side(Source::Figure("files", "sdk_download_mb_s"), |v, _| format!("{v:.0} MB/s SDK")),
        baseline: side(Source::Figure("files", "reqwest_download_mb_s"), |v, _| format!("{v:.0} MB/s reqwest")),
        ratio: RatioKind::Speed,
        goal: Goal::AtLeast(0.8),
        goal_text: "≥ 0.8× the speed",
        chart: true,
    },
    Figure {
        figure: "Peak RSS of the client above its baseline, 100 MiB up and down",
        figure_args: &[],
        value: side(Source::Figure("files", "peak_above_base_kib"), |v, _| format!("{:.1} MiB above", v / 1024.0)),
        baseline: side(Source::Figure("files", "base_hwm_kib"), |v, _| format!("baseline {:.1} MiB", v / 1024.0)),
        ratio: RatioKind::None,
        goal: Goal::None,
        goal_text: "≤ 64 MiB above the baseline",
        chart: false,
    },
    Figure {
        figure: "100 SMS sign-in toggles, {} ms latency per HTTP request: queued vs sequential",
        figure_args: LATENCY_MS,
        value: side(Source::Median("queue", "queued_100"), |v, _| format!("{} queued (`execute_query`)", ms_text(v))),
        baseline: side(Source::Median("queue", "sequential_100"), |v, _| format!("{} sequential (`send`)", ms_text(v))),
        ratio: RatioKind::Faster,
        goal: Goal::AtLeast(10.0),
        goal_text: "≥ 10×",
        chart: true,
    },
    Figure {
        figure: "The same, {} ms also per `$batch` item (items of a batch run in parallel)",
        figure_args: LATENCY_MS,
        value: side(Source::Median("queue", "queued_100_item_latency"), |v, _| format!("{} queued", ms_text(v))),
        baseline: side(Source::Median("queue", "sequential_100"), |v, _| format!("{} sequential", ms_text(v))),
        ratio: RatioKind::Faster,
        goal: Goal::AtLeast(10.0),
        goal_text: "≥ 10×",
        chart: true,
    },
    Figure {
        figure: "HTTP round trips for the 100 toggles (emulator's request log)",
        figure_args: &[],
        value: side(Source::Figure("queue", "request_latency_queued_round_trips"), |v, _| format!("{v:.0} queued")),
        baseline: side(Source::Figure("queue", "request_latency_sequential_round_trips"), |v, _| {
            format!("{v:.0} sequential")
        }),
        ratio: RatioKind::RoundTrips,
        goal: Goal::AtMost(5.0),
        goal_text: "≤ 5 round trips",
        chart: false,
    },
    Figure {
        figure: "Per-request time through the msgraph-core pipeline vs plain reqwest (criterion)",
        figure_args: &[],
        value: side(Source::Median("pipeline", "msgraph_core"), |v, _| format!("{} msgraph-core", ms_text(v))),
        baseline: side(PIPELINE_RAW, |v, _| format!("{} reqwest", ms_text(v))),
        ratio: RatioKind::Multiple,
        goal: Goal::AtMost(1.10),
        goal_text: "≤ 1.10×",
        chart: true,
    },
    Figure {
        figure: "The same, interleaved (best of {} alternating rounds of {} requests)",
        figure_args: &[
            (Source::Figure("pipeline", "interleaved_rounds"), 0.0),
            (Source::Figure("pipeline", "interleaved_requests_per_round"), 0.0),
        ],
        value: side(Source::Figure("pipeline", "interleaved_msgraph_core_ns"), |v, _| {
            format!("{} msgraph-core", ms_text(v))
        }),
        baseline: side(Source::Figure("pipeline", "interleaved_reqwest_ns"), |v, _| format!("{} reqwest", ms_text(v))),
        ratio: RatioKind::Multiple,
        goal: Goal::AtMost(1.10),
        goal_text: "≤ 1.10×",
        chart: true,
    },
    Figure {
        figure: "Per-request time, typed builder (`users().by_id(..).get()`, decodes a `UserKind`)",
        figure_args: &[],
        value: side(Source::Median("pipeline", "msgraph_typed"), |v, _| format!("{} typed", ms_text(v))),
        baseline: side(PIPELINE_RAW, |v, _| format!("{} reqwest", ms_text(v))),
        ratio: RatioKind::Multiple,
        goal: Goal::None,
        goal_text: NONE_SET,
        chart: false,
    },
    Figure {
        figure: "Clean debug build of a consumer with only the `users` API area (phone methods) vs the reqwest + \
                 tokio + serde_json floor",
        figure_args: &[],
        value: side(Source::Figure("build", "users_s"), |v, _| format!("{v:.1} s users-only consumer")),
        baseline: side(FLOOR, |v, _| format!("{v:.1} s floor")),
        ratio: RatioKind::Multiple,
        goal: Goal::AtMost(1.5),
        goal_text: "≤ 1.5×",
        chart: true,
    },
    Figure {
        figure: "Clean debug build of a consumer of the whole SDK (default features) vs the same floor",
        figure_args: &[],
        value: side(Source::Figure("build", "consumer_s"), |v, _| format!("{v:.1} s consumer")),
        baseline: side(FLOOR, |v, _| format!("{v:.1} s floor")),
        ratio: RatioKind::Multiple,
        goal: Goal::AtMost(1.5),
        goal_text: "≤ 1.5× (issue #5); ≤ 2.3× for the whole typed surface (compile-time.md)",
        chart: true,
    },
];

/// The criterion groups [`FIGURES`] read, in order of first use.
pub(super) fn criterion_groups() -> Vec<&'static str> {
    let mut groups = Vec::new();
    for f in FIGURES {
        let sources = f.figure_args.iter().map(|(s, _)| *s).chain([f.value.source, f.baseline.source]);
        for group in sources.filter_map(Source::group) {
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
    }
    groups
}

impl Figure {
    pub(super) fn row(&self, data: &Data) -> Row {
        let (value, baseline) = (self.value.source.get(data), self.baseline.source.get(data));
        Row {
            figure: self.name(data),
            value: self.value.render(value, data),
            baseline: self.baseline.render(baseline, data),
            ratio: self.ratio.of(value, baseline),
            ratio_kind: self.ratio,
            goal: self.goal,
            goal_text: self.goal_text,
            chart: self.chart,
        }
    }

    /// `figure` with its `{}`s filled in.
    pub(super) fn name(&self, data: &Data) -> String {
        let mut args = self.figure_args.iter();
        let mut name = String::new();
        for (i, part) in self.figure.split("{}").enumerate() {
            if i > 0 {
                match args.next() {
                    Some((source, default)) => {
                        let _ = write!(name, "{:.0}", source.get(data).unwrap_or(*default));
                    }
                    None => name.push('?'),
                }
            }
            name.push_str(part);
        }
        name
    }
}

/// A row as written.
pub(super) struct Row {
    pub(super) figure: String,
    pub(super) value: String,
    pub(super) baseline: String,
    /// The ratio of value and baseline as `ratio_kind` defines it.
    pub(super) ratio: Option<f64>,
    pub(super) ratio_kind: RatioKind,
    pub(super) goal: Goal,
    pub(super) goal_text: &'static str,
    /// Drawn in the chart.
    pub(super) chart: bool,
}

impl Row {
    pub(super) fn met(&self) -> &'static str {
        match (self.goal, self.ratio) {
            (Goal::None, _) => "—",
            (_, None) => NOT_MEASURED,
            (Goal::AtLeast(g), Some(r)) if r >= g => "met",
            (Goal::AtMost(g), Some(r)) if r <= g => "met",
            _ => "**not met**",
        }
    }

    pub(super) fn is_met(&self) -> Option<bool> {
        match (self.goal, self.ratio) {
            (Goal::AtLeast(g), Some(r)) => Some(r >= g),
            (Goal::AtMost(g), Some(r)) => Some(r <= g),
            _ => None,
        }
    }

    pub(super) fn ratio_text(&self) -> String {
        self.ratio_kind.text(self.ratio)
    }
}

fn mb_s(bytes: f64, ns: f64) -> f64 {
    bytes / ns * 1e3
}

fn kib_text(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.2} MiB", bytes / 1024.0 / 1024.0)
    } else {
        format!("{:.0} KiB", bytes / 1024.0)
    }
}

fn ms_text(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}

fn ratio_of(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

pub(super) fn rows(data: &Data) -> Vec<Row> {
    FIGURES.iter().map(|f| f.row(data)).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::results::parse_pairs;
    use super::*;

    fn row(ratio: Option<f64>, ratio_kind: RatioKind, goal: Goal) -> Row {
        Row {
            figure: "f".into(),
            value: String::new(),
            baseline: String::new(),
            ratio,
            ratio_kind,
            goal,
            goal_text: "",
            chart: true,
        }
    }

    #[test]
    fn goals() {
        let row = |ratio, goal| row(ratio, RatioKind::Multiple, goal);
        assert_eq!(row(Some(1.6), Goal::AtLeast(1.5)).met(), "met");
        assert_eq!(row(Some(1.4), Goal::AtLeast(1.5)).met(), "**not met**");
        assert_eq!(row(Some(1.05), Goal::AtMost(1.1)).met(), "met");
        assert_eq!(row(None, Goal::AtMost(1.1)).met(), "not measured");
        assert_eq!(row(Some(3.0), Goal::None).met(), "—");
    }

    #[test]
    fn ratio_text_per_kind() {
        let text = |ratio, kind| row(ratio, kind, Goal::None).ratio_text();
        assert_eq!(text(Some(0.987), RatioKind::Multiple), "0.99×");
        assert_eq!(text(Some(1.9), RatioKind::Speed), "1.90× the speed");
        assert_eq!(text(Some(47.934), RatioKind::Faster), "47.93× faster");
        assert_eq!(text(Some(5.0), RatioKind::RoundTrips), "5 round trips");
        assert_eq!(text(None, RatioKind::None), "—");
        for kind in [RatioKind::Multiple, RatioKind::Speed, RatioKind::Faster, RatioKind::RoundTrips] {
            assert_eq!(text(None, kind), "not measured", "{kind:?}");
        }
        // How each kind computes its ratio from the measured value and the baseline.
        assert_eq!(RatioKind::Multiple.of(Some(3.0), Some(2.0)), Some(1.5));
        assert_eq!(RatioKind::Speed.of(Some(3.0), Some(2.0)), Some(1.5));
        assert_eq!(RatioKind::Faster.of(Some(2.0), Some(3.0)), Some(1.5));
        assert_eq!(RatioKind::RoundTrips.of(Some(4.0), Some(100.0)), Some(4.0));
        assert_eq!(RatioKind::None.of(Some(4.0), Some(100.0)), None);
        assert_eq!(RatioKind::Multiple.of(Some(4.0), Some(0.0)), None);
    }

    #[test]
    fn figures_table() {
        // The groups are derived from the table: these are the ones the benches define.
        assert_eq!(
            criterion_groups(),
            ["decode_users", "encode_users", "decode_methods", "encode_methods", "queue", "pipeline"]
        );
        for f in FIGURES {
            assert_eq!(f.figure.matches("{}").count(), f.figure_args.len(), "{}", f.figure);
        }
        // Nothing measured: every row still renders, with the defaults of the figure names.
        let empty = Data { criterion: BTreeMap::new(), custom: BTreeMap::new() };
        let rows = rows(&empty);
        assert_eq!(rows.len(), FIGURES.len());
        assert!(rows.iter().all(|r| r.ratio.is_none() && r.value == "not measured"));
        assert!(rows.iter().any(|r| r.figure.starts_with("100 SMS sign-in toggles, 20 ms latency per HTTP request")));
        assert!(rows.iter().any(|r| r.figure.starts_with("The same, interleaved (best of 0 alternating rounds of 0")));
        // A criterion median and a results file both feed a row.
        let mut data = Data { criterion: BTreeMap::new(), custom: BTreeMap::new() };
        data.criterion.insert("decode_users/typed".into(), 1000.0);
        data.criterion.insert("decode_users/value".into(), 2000.0);
        data.custom.insert("codec".into(), parse_pairs("users_bytes 500000\n"));
        let r = FIGURES[0].row(&data);
        assert_eq!((r.value.as_str(), r.baseline.as_str()), ("500000 MB/s typed", "250000 MB/s `Value`"));
        assert_eq!(r.ratio_text(), "2.00× the speed");
        assert_eq!(r.met(), "met");
    }
}
