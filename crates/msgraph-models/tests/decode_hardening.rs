//! Decoding what Graph really sends with the generated models: stack use at the reader's nesting
//! limit, and lenient decoding of values that do not match their declared type. Run with
//! `--no-default-features --features users` for a quicker build (everything here is in the users
//! area; the stack test needs the full model to fail on a regression, as the full `User` is
//! what is large).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use msgraph_codec::edm::Date;
use msgraph_codec::json::{self, MAX_DEPTH};
use msgraph_codec::model::{AdditionalData, Model};
use msgraph_models::models::{DirectoryObjectKind, RecurrenceRange, User};
use serde_json::json;

/// `depth` users, each the `manager` of the one before: `depth` nested JSON objects, with
/// `@odata.type` last in every nested one (the worst case for the look-ahead).
fn nested_managers(depth: usize) -> String {
    let mut doc = String::new();
    for level in 0..depth {
        doc.push_str(&format!(r#"{{"id":"u{level}","displayName":"Level {level}""#));
        if level + 1 < depth {
            doc.push_str(r#","manager":"#);
        }
    }
    for level in (0..depth).rev() {
        if level > 0 {
            doc.push_str(r##","@odata.type":"#microsoft.graph.user""##);
        }
        doc.push('}');
    }
    doc
}

/// Runs `f` on a thread with a 2 MiB stack (a tokio worker's default). A stack overflow aborts
/// the whole test process, which fails the test run.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join().unwrap()
}

fn manager_depth(user: &User) -> usize {
    let mut depth = 1;
    let mut current = user.manager.as_ref();
    while let Some(DirectoryObjectKind::User(u)) = current {
        depth += 1;
        current = u.manager.as_ref();
    }
    depth
}

/// Every depth the reader accepts decodes on a 2 MiB stack; one more level is an error, not a
/// crash.
#[test]
fn nested_polymorphic_users_at_the_depth_limit_fit_a_2_mib_stack() {
    let (ok, too_deep) = on_small_stack(|| {
        let ok = json::from_str::<User>(&nested_managers(MAX_DEPTH)).map(|u| manager_depth(&u));
        let too_deep = json::from_str::<User>(&nested_managers(MAX_DEPTH + 1)).map(|u| manager_depth(&u));
        (ok, too_deep)
    });
    assert_eq!(ok.unwrap(), MAX_DEPTH);
    let err = too_deep.unwrap_err();
    assert!(err.message().contains("nesting deeper than"), "{err}");
}

/// Not a check: prints the stack one level of nested users takes to decode (the smallest thread
/// stack that decodes 32 and 128 levels, found by running this test binary as a child process):
/// `cargo test -p msgraph-models --test decode_hardening -- --ignored --nocapture stack_per_level`.
#[test]
#[ignore = "a measurement"]
fn stack_per_level() {
    if let Ok(probe) = std::env::var("MSGRAPH_STACK_PROBE") {
        let (depth, bytes) = probe.split_once(',').unwrap();
        let doc = nested_managers(depth.parse().unwrap());
        let bytes: usize = bytes.parse().unwrap();
        std::thread::Builder::new()
            .stack_size(bytes)
            .spawn(move || json::from_str::<User>(&doc).map(|u| manager_depth(&u)).unwrap())
            .unwrap()
            .join()
            .unwrap();
        return;
    }
    let fits = |depth: usize, bytes: usize| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "stack_per_level", "--ignored", "--test-threads=1", "-q"])
            .env("MSGRAPH_STACK_PROBE", format!("{depth},{bytes}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    let smallest = |depth: usize| {
        let (mut lo, mut hi) = (16 << 10, 256 << 20);
        while hi - lo > 4 << 10 {
            let mid = (lo + hi) / 2;
            if fits(depth, mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    };
    let (shallow, deep) = (smallest(32), smallest(MAX_DEPTH));
    println!(
        "smallest stack: {} KiB for 32 levels, {} KiB for {MAX_DEPTH}: {} bytes per level",
        shallow >> 10,
        deep >> 10,
        (deep - shallow) / (MAX_DEPTH - 32)
    );
}

/// A collection page of users (the runtime's `Page` lives in msgraph-core; this is the same
/// wire shape through the same model codec).
#[derive(Clone, Default)]
pub struct UserPage {
    pub value: Option<Vec<User>>,
    pub additional_data: AdditionalData,
}

msgraph_codec::__private::impl_model! {
    type UserPage = "test.userPage", writes_odata_type: false;
    0 => value: "value",
}

/// Graph's answer with one user whose values do not match the metadata: a `DateTimeOffset`
/// (`birthday`) as a date, a `Boolean` as a string, a string property as an object, a
/// `DateTimeOffset` with an invalid time.
const ODD_PAGE: &str = r#"{"value":[
    {"id":"1","displayName":"Adele","accountEnabled":true,"birthday":"1990-05-01T00:00:00Z"},
    {"id":"2","displayName":"Bob","birthday":"1974-07-22","accountEnabled":"true",
     "hireDate":"2001-01-01T00:00:00Z","mailNickname":{"value":"bob"},
     "employeeLeaveDateTime":"2030-01-01T00:00:00Z","employeeHireDate":"2001-01-01T25:30:00Z"},
    {"id":"3","displayName":"Carol"}
]}"#;

#[test]
fn a_page_with_odd_values_decodes_whole_and_keeps_them() {
    let (page, warnings) = json::from_str_with_warnings::<UserPage>(ODD_PAGE).unwrap();
    let users = page.value.as_ref().unwrap();
    assert_eq!(users.len(), 3);
    assert_eq!(users[0].birthday.map(|b| b.to_string()).as_deref(), Some("1990-05-01T00:00:00Z"));
    let bob = &users[1];
    assert_eq!(bob.display_name.as_deref(), Some("Bob"));
    // The odd values: fields left `None`, the values kept as received under their wire names.
    assert_eq!(bob.birthday, None);
    assert_eq!(bob.account_enabled, None);
    assert_eq!(bob.mail_nickname, None);
    assert_eq!(bob.employee_hire_date, None);
    let extra = bob.additional_data();
    assert_eq!(extra.get("birthday"), Some(&json!("1974-07-22")));
    assert_eq!(extra.get("accountEnabled"), Some(&json!("true")));
    assert_eq!(extra.get("mailNickname"), Some(&json!({"value": "bob"})));
    assert_eq!(extra.get("employeeHireDate"), Some(&json!("2001-01-01T25:30:00Z")));
    assert!(extra.get("hireDate").is_none());
    assert_eq!(bob.employee_leave_date_time.map(|d| d.to_string()).as_deref(), Some("2030-01-01T00:00:00Z"));
    assert_eq!(users[2].display_name.as_deref(), Some("Carol"));

    // One warning per odd value, with its path, the declared type and what was found.
    let seen: Vec<(String, &str, &str, &str)> =
        warnings.iter().map(|w| (w.path(), w.declared_type(), w.found(), w.found_text())).collect();
    assert_eq!(
        seen,
        [
            ("$.value[1].birthday".to_string(), "Edm.DateTimeOffset", "a string", r#""1974-07-22""#),
            ("$.value[1].accountEnabled".to_string(), "Edm.Boolean", "a string", r#""true""#),
            ("$.value[1].mailNickname".to_string(), "Edm.String", "an object", r#"{"value":"bob"}"#),
            ("$.value[1].employeeHireDate".to_string(), "Edm.DateTimeOffset", "a string", r#""2001-01-01T25:30:00Z""#),
        ]
    );
    let at = ODD_PAGE.find(r#""accountEnabled":"true""#).unwrap() + r#""accountEnabled":"#.len();
    assert_eq!(
        warnings[1].to_string(),
        format!(
            r#"at $.value[1].accountEnabled (byte {at}): expected Edm.Boolean, found a string "true"; kept in additional_data"#
        )
    );

    // Encoding writes the odd values back unchanged, and decoding that again is the same.
    let encoded = json::to_string(bob);
    let again: serde_json::Value = serde_json::from_str(&encoded).unwrap();
    assert_eq!(again["birthday"], json!("1974-07-22"));
    assert_eq!(again["accountEnabled"], json!("true"));
    assert_eq!(again["mailNickname"], json!({"value": "bob"}));
    let decoded_again = json::from_str::<User>(&encoded).unwrap();
    assert_eq!(json::to_string(&decoded_again), encoded);
    assert_eq!(decoded_again.additional_data().get("birthday"), Some(&json!("1974-07-22")));
    // A field set again wins over the kept value (no duplicate key).
    let mut fixed = bob.clone();
    fixed.account_enabled = Some(false);
    let encoded = json::to_string(&fixed);
    assert_eq!(encoded.matches("\"accountEnabled\"").count(), 1, "{encoded}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&encoded).unwrap()["accountEnabled"], json!(false));
}

#[test]
fn strict_decoding_fails_on_the_first_odd_value_as_before() {
    let err = json::from_str_strict::<UserPage>(ODD_PAGE).unwrap_err();
    assert_eq!(err.path(), "$.value[1].birthday");
    assert!(err.message().contains("1974-07-22") || err.message().contains("invalid"), "{err}");
    // Strict decoding also refuses the midnight widening.
    let err = json::from_str_strict::<RecurrenceRange>(r#"{"startDate":"2001-01-01T00:00:00Z"}"#).unwrap_err();
    assert_eq!(err.path(), "$.startDate");
}

/// An `Edm.Date` written as a timestamp at midnight UTC is that date (unambiguous); any other
/// time is kept aside.
#[test]
fn a_midnight_timestamp_is_accepted_as_a_date() {
    let doc = r#"{"startDate":"2001-01-01T00:00:00Z","endDate":"2001-01-02T05:00:00Z","numberOfOccurrences":"3"}"#;
    let (range, warnings) = json::from_str_with_warnings::<RecurrenceRange>(doc).unwrap();
    assert_eq!(range.start_date, Some("2001-01-01".parse::<Date>().unwrap()));
    assert_eq!(range.end_date, None);
    assert_eq!(range.additional_data.get("endDate"), Some(&json!("2001-01-02T05:00:00Z")));
    // IEEE754Compatible numbers as strings were always accepted.
    assert_eq!(range.number_of_occurrences, Some(3));
    let seen: Vec<(String, &str)> = warnings.iter().map(|w| (w.path(), w.declared_type())).collect();
    assert_eq!(seen, [("$.endDate".to_string(), "Edm.Date")]);
    for midnight in ["2001-01-01T00:00:00.000Z", "2001-01-01T00:00:00+00:00", "2001-01-01T00:00Z"] {
        let doc = format!(r#"{{"startDate":"{midnight}"}}"#);
        let range = json::from_str::<RecurrenceRange>(&doc).unwrap();
        assert_eq!(range.start_date, Some("2001-01-01".parse::<Date>().unwrap()), "{midnight}");
    }
    for not_midnight in ["2001-01-01T00:00:01Z", "2001-01-01T00:00:00+01:00", "2001-01-01T00:00:00.Z", "2001-01-01T"] {
        let doc = format!(r#"{{"startDate":"{not_midnight}"}}"#);
        let range = json::from_str::<RecurrenceRange>(&doc).unwrap();
        assert_eq!(range.start_date, None, "{not_midnight}");
        assert_eq!(range.additional_data.get("startDate"), Some(&json!(not_midnight)));
    }
}

#[test]
fn malformed_json_is_still_an_error() {
    for bad in [
        r#"{"value":[{"id":"1","accountEnabled":tru}]}"#,
        r#"{"value":[{"id":"1","mailNickname":{"value":}}]}"#,
        r#"{"value":[{"id":"1","birthday":"1974-07-22"]}"#,
    ] {
        let err = json::from_str::<UserPage>(bad).unwrap_err();
        assert!(err.path().starts_with("$.value[0]"), "{bad}: {err}");
    }
    // A nested object whose type is ambiguous fails the decode (kept aside, its duplicate
    // collapsed, it would decode next time: not what was received).
    let doc = r##"{"manager":{"@odata.type":"#microsoft.graph.user","@odata.type":"#microsoft.graph.group"}}"##;
    let err = json::from_str::<User>(doc).unwrap_err();
    assert_eq!(err.path(), "$.manager[\"@odata.type\"]");
    // An integer that a kept value could not hold exactly (beyond 64 bits) fails as before.
    let err = json::from_str::<User>(r#"{"deviceEnrollmentLimit":99999999999999999999999}"#).unwrap_err();
    assert_eq!(err.path(), "$.deviceEnrollmentLimit");
    let user = json::from_str::<User>(r#"{"deviceEnrollmentLimit":5.5}"#).unwrap();
    assert_eq!(user.additional_data().get("deviceEnrollmentLimit"), Some(&json!(5.5)));
    // Too deep is not "odd": it fails.
    let deep = format!(r#"{{"mailNickname":{}{}}}"#, "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(json::from_str::<User>(&deep).unwrap_err().message().contains("nesting"));
}
