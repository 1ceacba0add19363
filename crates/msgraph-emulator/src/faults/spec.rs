//! The text form of fault rules, as the `--fault` flag takes it:
//! `KIND[=VALUE][:key=value,...]`, parsed by `FaultRule`'s `FromStr`.

use std::str::FromStr;
use std::time::Duration;

use super::rule::{FaultAction, FaultRule, RetryAfter};

/// Error from parsing a `--fault` specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpecError(String);

impl std::fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid fault specification: {}", self.0)
    }
}

impl std::error::Error for FaultSpecError {}

fn parse_retry_after(v: &str) -> Result<RetryAfter, FaultSpecError> {
    if v == "none" {
        return Ok(RetryAfter::None);
    }
    if let Some(n) = v.strip_prefix("date:") {
        return n.parse().map(RetryAfter::HttpDate).map_err(|_| FaultSpecError(format!("bad retry-after '{v}'")));
    }
    v.parse().map(RetryAfter::Seconds).map_err(|_| FaultSpecError(format!("bad retry-after '{v}'")))
}

fn parse_ms(v: &str) -> Result<Duration, FaultSpecError> {
    let n = v.strip_suffix("ms").unwrap_or(v);
    n.parse().map(Duration::from_millis).map_err(|_| FaultSpecError(format!("bad milliseconds '{v}'")))
}

impl FromStr for FaultRule {
    type Err = FaultSpecError;

    /// `KIND[=VALUE][:key=value,...]`, e.g. `throttle:retry-after=2,every=10`,
    /// `status=503:probability=0.1,retry-after=date:5`, `drop:every=100`, `truncate:next=1`,
    /// `malformed:every=7`, `slow:chunk=16,delay=50ms`, `latency=50ms:probability=0.5`.
    /// Keys: `every`, `probability`, `next`, `retry-after` (`N`, `date:N`, `none`), `chunk`,
    /// `delay`, `requests`, `items`, `token` (true/false), `path` (prefix), `method`.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let (head, opts) = spec.split_once(':').unwrap_or((spec, ""));
        let (kind, value) = head.split_once('=').map_or((head, None), |(k, v)| (k, Some(v)));
        let mut rule = match (kind.trim().to_ascii_lowercase().as_str(), value) {
            ("throttle" | "429", None) => FaultRule::throttle(RetryAfter::Seconds(1)),
            ("status", Some(v)) => {
                let status: u16 = v.parse().map_err(|_| FaultSpecError(format!("bad status '{v}'")))?;
                if !(400..=599).contains(&status) {
                    return Err(FaultSpecError(format!("status {status} is not an error status")));
                }
                FaultRule::status(status)
            }
            (s @ ("500" | "502" | "503" | "504" | "507"), None) => FaultRule::status(s.parse().unwrap_or(500)),
            ("drop", None) => FaultRule::drop_connection(),
            ("truncate", None) => FaultRule::truncate_body(),
            ("malformed", None) => FaultRule::malformed_json(),
            ("slow", None) => FaultRule::slow_body(16, Duration::from_millis(20)),
            ("latency", Some(v)) => FaultRule::latency(parse_ms(v)?),
            _ => return Err(FaultSpecError(format!("unknown fault '{head}'"))),
        };
        for opt in opts.split(',').filter(|o| !o.trim().is_empty()) {
            let (k, v) =
                opt.split_once('=').ok_or_else(|| FaultSpecError(format!("expected key=value, got '{opt}'")))?;
            let (k, v) = (k.trim(), v.trim());
            let bool_v = || match v {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(FaultSpecError(format!("'{k}' takes true or false"))),
            };
            let num = |what: &str| v.parse::<u64>().map_err(|_| FaultSpecError(format!("bad {what} '{v}'")));
            rule = match k {
                "every" => rule.every(num("count")?),
                "next" => rule.next(num("count")?),
                "probability" | "prob" => {
                    let p: f64 = v.parse().map_err(|_| FaultSpecError(format!("bad probability '{v}'")))?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(FaultSpecError(format!("probability {p} is not within 0..=1")));
                    }
                    rule.probability(p)
                }
                "retry-after" => rule.retry_after(parse_retry_after(v)?),
                "chunk" => match &mut rule.action {
                    FaultAction::SlowBody { chunk, .. } => {
                        *chunk = num("chunk")?.max(1) as usize;
                        rule
                    }
                    _ => return Err(FaultSpecError("'chunk' applies to slow only".into())),
                },
                "delay" => match &mut rule.action {
                    FaultAction::SlowBody { delay, .. } => {
                        *delay = parse_ms(v)?;
                        rule
                    }
                    _ => return Err(FaultSpecError("'delay' applies to slow only".into())),
                },
                "requests" => rule.on_requests(bool_v()?),
                "items" => rule.on_batch_items(bool_v()?),
                "token" => rule.on_token_endpoint(bool_v()?),
                "path" => rule.path_prefix(v),
                "method" => rule.method(v),
                _ => return Err(FaultSpecError(format!("unknown option '{k}'"))),
            };
        }
        Ok(rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        let r: FaultRule = "status=503:probability=0.5,retry-after=date:5,items=false".parse().unwrap();
        assert_eq!(
            r,
            FaultRule::status(503).probability(0.5).retry_after(RetryAfter::HttpDate(5)).on_batch_items(false)
        );
        let r: FaultRule = "slow:chunk=8,delay=30ms,next=2".parse().unwrap();
        assert_eq!(r, FaultRule::slow_body(8, Duration::from_millis(30)).next(2));
        let r: FaultRule = "latency=50ms:path=/v1.0/me,method=get".parse().unwrap();
        assert_eq!(r, FaultRule::latency(Duration::from_millis(50)).path_prefix("/v1.0/me").method("GET"));
        assert_eq!("504".parse::<FaultRule>().unwrap(), FaultRule::status(504));
        assert!("explode".parse::<FaultRule>().is_err());
        assert!("throttle:every".parse::<FaultRule>().is_err());
        assert!("throttle:probability=2".parse::<FaultRule>().is_err());
        assert!("status=200".parse::<FaultRule>().is_err());
        assert!("drop:chunk=3".parse::<FaultRule>().is_err());
    }
}
