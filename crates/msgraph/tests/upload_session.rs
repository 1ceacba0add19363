//! The generated `create_upload_session` request plugs into `LargeFileUpload` as it is. The
//! emulator has no upload sessions, so a small scripted HTTP server on 127.0.0.1 plays the
//! service: it creates the session, takes the chunks and answers like OneDrive does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use msgraph::auth::StaticTokenProvider;
use msgraph::models::{DriveItem, DriveItemUploadableProperties, UploadSession};
use msgraph::upload::{LargeFileUpload, CHUNK_UNIT};
use msgraph::GraphClient;
use msgraph::Request;

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Serves one request per connection (`Connection: close`) on a thread, answering with
/// `handler(request, base_url)` → (status, JSON body).
fn serve(handler: impl Fn(&Seen, &str) -> (u16, String) + Send + 'static) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (log, url) = (seen.clone(), base.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (method, target) = (parts.next().unwrap().to_string(), parts.next().unwrap().to_string());
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            let len = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map_or(0, |(_, v)| v.parse::<usize>().unwrap());
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let request = Seen { method, target, headers, body };
            let (status, json) = handler(&request, &url);
            log.lock().unwrap().push(request);
            let answer = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
                json.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
        }
    });
    (base, seen)
}

#[tokio::test]
async fn the_generated_create_upload_session_drives_a_large_file_upload() {
    let total = 2 * CHUNK_UNIT + 100;
    let received = Arc::new(Mutex::new(Vec::<u8>::new()));
    let got = received.clone();
    let (base, seen) = serve(move |r, base| match (r.method.as_str(), r.target.as_str()) {
        ("POST", "/v1.0/me/drive/root/createUploadSession") => (
            200,
            format!(
                r#"{{"@odata.context":"{base}/v1.0/$metadata#microsoft.graph.uploadSession","uploadUrl":"{base}/up/1?tempauth=T","expirationDateTime":"2030-01-01T00:00:00Z","nextExpectedRanges":["0-"]}}"#
            ),
        ),
        ("PUT", "/up/1?tempauth=T") => {
            let mut data = got.lock().unwrap();
            data.extend_from_slice(&r.body);
            if data.len() == total {
                (201, format!(r#"{{"id":"item-1","name":"big.bin","size":{total}}}"#))
            } else {
                (
                    202,
                    format!(
                        r#"{{"expirationDateTime":"2030-01-01T00:00:00Z","nextExpectedRanges":["{}-"]}}"#,
                        data.len()
                    ),
                )
            }
        }
        _ => (400, r#"{"error":{"code":"badRequest","message":"unexpected"}}"#.into()),
    });
    let client = GraphClient::builder()
        .base_url(&base)
        .credential(StaticTokenProvider::new("test-token"))
        .build()
        .expect("client");

    let properties = DriveItemUploadableProperties { name: Some("big.bin".into()), ..Default::default() };
    let create: Request<UploadSession> = client.me().drive().root().create_upload_session(properties, false);
    assert_eq!(create.url(), format!("{base}/v1.0/me/drive/root/createUploadSession"));
    let source: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let mut upload = LargeFileUpload::create(create, source.clone()).await.expect("session").chunk_size(CHUNK_UNIT);
    assert_eq!(upload.next_expected_ranges(), ["0-"]);
    assert_eq!(upload.expiration_date_time(), Some("2030-01-01T00:00:00Z"));
    // One session type: the uploader gives the generated model back (to store and resume).
    let stored: UploadSession = upload.session().unwrap();
    assert_eq!(stored.upload_url, Some(format!("{base}/up/1?tempauth=T")));
    let item: DriveItem = upload.upload().await.expect("upload");
    assert_eq!((item.id.as_deref(), item.size), (Some("item-1"), Some(total as i64)));
    assert_eq!(*received.lock().unwrap(), source, "every byte once, in order");

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4, "the session, then three chunks");
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body, serde_json::json!({"item": {"name": "big.bin"}, "deferCommit": false}));
    assert_eq!(seen[0].header("authorization"), Some("Bearer test-token"));
    let ranges: Vec<_> = seen[1..].iter().map(|r| r.header("content-range").unwrap().to_string()).collect();
    assert_eq!(
        ranges,
        [
            format!("bytes 0-{}/{total}", CHUNK_UNIT - 1),
            format!("bytes {CHUNK_UNIT}-{}/{total}", 2 * CHUNK_UNIT - 1),
            format!("bytes {}-{}/{total}", 2 * CHUNK_UNIT, total - 1),
        ]
    );
    assert!(seen[1..].iter().all(|r| r.header("authorization").is_none()), "no token on the upload URL");
}
