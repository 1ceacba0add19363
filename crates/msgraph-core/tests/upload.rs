//! Large file upload sessions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};

use msgraph_core::error::ErrorKind;
use msgraph_core::http::Method;
use msgraph_core::upload::{LargeFileUpload, CHUNK_UNIT};
use serde_json::{json, Value};
use support::{Action, MockServer, Reply};

#[derive(Default)]
struct Session {
    data: Vec<u8>,
    total: u64,
    puts: usize,
    drop_on_put: Option<usize>,
    gone: bool,
}

async fn upload_server(state: Arc<Mutex<Session>>) -> MockServer {
    MockServer::start(move |r, base| {
        let mut s = state.lock().unwrap();
        match (r.method.as_str(), r.path()) {
            ("POST", p) if p.ends_with("/createUploadSession") => Reply::json(
                200,
                json!({"uploadUrl": format!("{base}/upload/s1?tempauth=SECRET"), "expirationDateTime": "2030-01-01T00:00:00Z",
                    "nextExpectedRanges": ["0-"]}),
            )
            .into(),
            ("PUT", "/upload/s1") => {
                if s.gone {
                    return Reply::json(404, json!({"error": {"code": "itemNotFound", "message": "gone"}})).into();
                }
                s.puts += 1;
                let range = r.header("content-range").unwrap().to_string();
                let (span, total) = range.strip_prefix("bytes ").unwrap().split_once('/').unwrap();
                let (start, end) = span.split_once('-').unwrap();
                let (start, end, total): (u64, u64, u64) = (start.parse().unwrap(), end.parse().unwrap(), total.parse().unwrap());
                assert_eq!(r.body.len() as u64, end - start + 1, "Content-Range matches the body");
                s.total = total;
                if start != s.data.len() as u64 {
                    return Reply::json(416, json!({"error": {"code": "invalidRange", "message": "fragment overlap"}})).into();
                }
                s.data.extend_from_slice(&r.body);
                if s.drop_on_put == Some(s.puts) {
                    // The chunk arrived but the answer is lost.
                    return Action::Drop;
                }
                if s.data.len() as u64 == total {
                    Reply::json(201, json!({"id": "item-1", "name": "big.bin", "size": total})).into()
                } else {
                    Reply::json(202, json!({"expirationDateTime": "2030-01-01T00:00:00Z", "nextExpectedRanges": [format!("{}-", s.data.len())]})).into()
                }
            }
            ("GET", "/upload/s1") => Reply::json(200, json!({"expirationDateTime": "2030-01-01T00:00:00Z",
                "nextExpectedRanges": [if s.total == 0 { format!("{}-", s.data.len()) } else { format!("{}-{}", s.data.len(), s.total - 1) }]})).into(),
            ("DELETE", "/upload/s1") => {
                s.gone = true;
                Reply::new(204).into()
            }
            _ => Reply::new(400).into(),
        }
    })
    .await
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

#[tokio::test]
async fn uploads_in_aligned_chunks_resumes_and_never_sends_the_token() {
    let state = Arc::new(Mutex::new(Session { drop_on_put: Some(2), ..Session::default() }));
    let server = upload_server(state.clone()).await;
    let client = server.client();
    let source = data(3 * CHUNK_UNIT + 1000);
    let progress = Arc::new(Mutex::new(Vec::new()));
    let p = progress.clone();
    let create = client
        .request::<Value>(Method::Post, &["me", "drive", "root:", "big.bin:", "createUploadSession"])
        .body_json_text(r#"{"item":{"@microsoft.graph.conflictBehavior":"replace"}}"#);
    let mut upload = LargeFileUpload::create(create, source.clone())
        .await
        .unwrap()
        .chunk_size(CHUNK_UNIT)
        .on_progress(move |pr| p.lock().unwrap().push((pr.uploaded, pr.total)));
    let item: Value = upload.upload().await.unwrap();
    assert_eq!((item["id"].as_str(), item["size"].as_u64()), (Some("item-1"), Some(source.len() as u64)));
    assert_eq!(state.lock().unwrap().data, source, "every byte once, in order");

    let reqs = server.requests();
    assert_eq!(reqs[0].header("authorization"), Some("Bearer test-token"), "createUploadSession is authenticated");
    let upload_reqs: Vec<_> = reqs.iter().filter(|r| r.path() == "/upload/s1").collect();
    assert!(upload_reqs.iter().all(|r| r.header("authorization").is_none()), "no token on the upload URL");
    assert!(upload_reqs.iter().all(|r| r.target.ends_with("tempauth=SECRET")));
    let puts: Vec<_> = upload_reqs.iter().filter(|r| r.method == "PUT").collect();
    let ranges: Vec<&str> = puts.iter().map(|r| r.header("content-range").unwrap()).collect();
    let total = source.len();
    assert_eq!(
        ranges,
        [
            format!("bytes 0-327679/{total}"),
            format!("bytes 327680-655359/{total}"),
            // the answer to the second chunk was lost: the session said what it has
            format!("bytes 655360-983039/{total}"),
            format!("bytes 983040-{}/{total}", total - 1),
        ]
    );
    assert!(puts[..puts.len() - 1].iter().all(|r| r.body.len() % CHUNK_UNIT == 0));
    assert!(puts.iter().all(|r| r.header("content-encoding").is_none()));
    assert_eq!(upload_reqs.iter().filter(|r| r.method == "GET").count(), 1, "one status read to resume");
    let progress = progress.lock().unwrap().clone();
    assert_eq!(progress.last(), Some(&(total as u64, total as u64)));
    assert!(progress.windows(2).all(|w| w[0].0 <= w[1].0));
}

#[tokio::test]
async fn resumes_an_existing_session_and_cancels() {
    let source = data(2 * CHUNK_UNIT);
    let state = Arc::new(Mutex::new(Session {
        data: source[..CHUNK_UNIT].to_vec(),
        total: source.len() as u64,
        ..Session::default()
    }));
    let server = upload_server(state.clone()).await;
    let client = server.client();
    let session = json!({
        "uploadUrl": format!("{}/upload/s1?tempauth=SECRET", server.url()),
        "nextExpectedRanges": [format!("{CHUNK_UNIT}-")],
    });
    let mut upload = LargeFileUpload::new(&client, &session, source.clone()).unwrap();
    upload.status().await.unwrap();
    assert_eq!(upload.next_expected_ranges(), [format!("{CHUNK_UNIT}-{}", 2 * CHUNK_UNIT - 1)]);
    upload.upload::<()>().await.unwrap();
    assert_eq!(state.lock().unwrap().data, source);
    let puts: Vec<_> = server.requests().into_iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 1);
    assert_eq!(
        puts[0].header("content-range"),
        Some(format!("bytes {CHUNK_UNIT}-{}/{}", 2 * CHUNK_UNIT - 1, 2 * CHUNK_UNIT).as_str())
    );
    // Cancel, then an upload into the cancelled session fails clearly.
    upload.cancel().await.unwrap();
    let mut again = LargeFileUpload::new(&client, &session, source).unwrap();
    let e = again.upload::<()>().await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert!(e.to_string().contains("does not exist"), "{e}");
}

#[tokio::test]
async fn chunk_sizes_and_sessions_are_validated() {
    let server = MockServer::start(|_, _| Reply::new(500).into()).await;
    let client = server.client();
    let session = json!({"uploadUrl": format!("{}/upload/x", server.url())});
    for bad in [0, 100_000, CHUNK_UNIT + 1, 60 * 1024 * 1024, 192 * CHUNK_UNIT] {
        let e = LargeFileUpload::new(&client, &session, data(10))
            .unwrap()
            .chunk_size(bad)
            .upload::<()>()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{bad}");
        assert!(e.to_string().contains("327680"), "{e}");
    }
    // The largest allowed chunk is 191 × 320 KiB (just under 60 MiB).
    let no_url = json!({});
    let e = LargeFileUpload::new(&client, &no_url, data(10))
        .unwrap()
        .chunk_size(191 * CHUNK_UNIT)
        .upload::<()>()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("uploadUrl"), "{e}");
    let insecure = json!({"uploadUrl": "http://files.example/upload"});
    assert_eq!(
        LargeFileUpload::new(&client, &insecure, data(10)).unwrap().upload::<()>().await.unwrap_err().kind(),
        ErrorKind::Validation
    );
    let e = LargeFileUpload::new(&client, &session, Vec::new()).unwrap().upload::<()>().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    let bad_ranges = json!({"uploadUrl": session["uploadUrl"], "nextExpectedRanges": ["oops"]});
    assert_eq!(
        LargeFileUpload::new(&client, &bad_ranges, data(10)).unwrap().upload::<()>().await.unwrap_err().kind(),
        ErrorKind::Decode
    );
    // A server that keeps failing: resumes are bounded and the error is reported.
    let e = LargeFileUpload::new(&client, &session, data(10)).unwrap().max_resumes(2).upload::<()>().await.unwrap_err();
    assert!(e.to_string().contains("resume"), "{e}");
    assert_eq!(server.count(), 2, "the PUT, then a status read that fails");
    assert_eq!(server.requests().iter().filter(|r| r.header("authorization").is_some()).count(), 0);
}

/// A session that answers every chunk `202` with the same `nextExpectedRanges` (it never takes
/// a byte): each such answer counts toward `max_resumes`. After 50 chunks it gives in, so code
/// without the bound ends too and the test fails fast.
#[tokio::test]
async fn a_session_that_makes_no_progress_counts_toward_max_resumes() {
    let puts = Arc::new(Mutex::new(0usize));
    let p = puts.clone();
    let server = MockServer::start(move |r, _| {
        let mut puts = p.lock().unwrap();
        match r.method.as_str() {
            "PUT" => {
                *puts += 1;
                if *puts >= 50 {
                    return Reply::json(201, json!({"id": "item-1"})).into();
                }
                Reply::json(202, json!({"nextExpectedRanges": ["0-"]})).into()
            }
            _ => Reply::json(200, json!({"nextExpectedRanges": ["0-"]})).into(),
        }
    })
    .await;
    let client = server.client();
    let session =
        json!({"uploadUrl": format!("{}/upload/s1?tempauth=SECRET", server.url()), "nextExpectedRanges": ["0-"]});
    let mut upload =
        LargeFileUpload::new(&client, &session, data(2 * CHUNK_UNIT)).unwrap().chunk_size(CHUNK_UNIT).max_resumes(3);
    let e = upload.upload::<Value>().await.unwrap_err();
    assert!(e.to_string().contains("no progress"), "{e}");
    assert!(!e.to_string().contains("SECRET"), "{e}");
    assert_eq!(*puts.lock().unwrap(), 4, "the first chunk, then 3 resumes");
}
