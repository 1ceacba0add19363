//! Files of any size against the emulator: path addressing, small and large uploads, resume,
//! cancel, conflicts, the 320 KiB rule, streamed downloads through the redirect, cut-off
//! downloads, and 100 MiB up and down from a generator without holding the file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use msgraph::auth::ClientSecretCredential;
use msgraph::builders::DriveItemBuilder;
use msgraph::files::ConflictBehavior;
use msgraph::models::{DriveItem, UploadSession};
use msgraph::upload::{FileSource, LargeFileUpload, ReaderSource, UploadProgress, CHUNK_UNIT};
use msgraph::{ErrorKind, GraphClient, Method, Request};
use msgraph_emulator::{Emulator, FaultRule};
use tokio::io::{AsyncRead, ReadBuf};

const MIB: usize = 1024 * 1024;

async fn setup() -> (Emulator, GraphClient, DriveItemBuilder) {
    let emu = Emulator::start().await.expect("emulator");
    let app = emu.app().clone();
    let credential = ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
        .with_authority_host(emu.login_base_url());
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build().expect("client");
    let user = emu.signed_in_user().id;
    let root = client.users().by_id(&user).drive().root();
    (emu, client, root)
}

/// Deterministic bytes (xorshift), `len` of them, produced as they are read: never in memory.
struct Generator {
    state: u64,
    left: u64,
    /// Fail with an I/O error once this many bytes were produced.
    fail_after: Option<u64>,
    produced: u64,
}

impl Generator {
    fn new(seed: u64, len: u64) -> Generator {
        Generator { state: seed | 1, left: len, fail_after: None, produced: 0 }
    }
    fn next_byte(&mut self) -> u8 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        (self.state >> 24) as u8
    }
}

impl AsyncRead for Generator {
    fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        if self.fail_after.is_some_and(|f| self.produced >= f) {
            return Poll::Ready(Err(std::io::Error::other("the disk went away")));
        }
        let mut n = (buf.remaining() as u64).min(self.left) as usize;
        if let Some(f) = self.fail_after {
            n = n.min((f - self.produced) as usize);
        }
        let out = buf.initialize_unfilled_to(n);
        for b in out.iter_mut() {
            *b = self.next_byte();
        }
        buf.advance(n);
        self.left -= n as u64;
        self.produced += n as u64;
        Poll::Ready(Ok(()))
    }
}

/// A running hash (FNV-1a, 64 bits) and a length.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Hash(u64, u64);

impl Hash {
    fn new() -> Hash {
        Hash(0xcbf2_9ce4_8422_2325, 0)
    }
    fn update(&mut self, data: &[u8]) {
        for b in data {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.1 += data.len() as u64;
    }
}

fn generated(seed: u64, len: usize) -> Vec<u8> {
    let mut g = Generator::new(seed, len as u64);
    (0..len).map(|_| g.next_byte()).collect()
}

async fn download_all(item: &DriveItemBuilder) -> Vec<u8> {
    let mut d = item.download();
    let mut out = Vec::new();
    while let Some(chunk) = d.next_chunk().await {
        out.extend_from_slice(&chunk.expect("chunk"));
    }
    out
}

fn uploads(emu: &Emulator) -> Vec<msgraph_emulator::RequestRecord> {
    emu.requests().into_iter().filter(|r| r.target.starts_with("/_emulator/upload/")).collect()
}

fn downloads(emu: &Emulator) -> Vec<msgraph_emulator::RequestRecord> {
    emu.requests().into_iter().filter(|r| r.target.starts_with("/_emulator/download/")).collect()
}

/// The `Range` header of every request to a download URL, in order.
fn download_ranges(emu: &Emulator) -> Vec<String> {
    downloads(emu).iter().map(|r| r.header("range").unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn path_addressing_encodes_each_name_and_rejects_dot_segments() {
    let (emu, client, root) = setup().await;
    let user = emu.signed_in_user().id;
    let base = format!("{}/users/{user}/drive", emu.base_url());
    let item = root.item_by_path("docs/my report #1 100%?.txt");
    assert_eq!(item.get().url(), format!("{base}/root:/docs/my%20report%20%231%20100%25%3F.txt:"));
    assert_eq!(root.item_by_path("/a:b/é").get().url(), format!("{base}/root:/a%3Ab/%C3%A9:"));
    assert_eq!(root.children_by_path("docs").list().url(), format!("{base}/root:/docs:/children"));
    assert_eq!(
        client.drives().by_id("d1").items().by_id("01X").item_by_path("sub/f.bin").content_stream().url(),
        format!("{}/drives/d1/items/01X:/sub/f.bin:/content", emu.base_url())
    );
    assert_eq!(root.item_by_path("a").item_by_path("b").get().url(), format!("{base}/root:/a/b:"));

    // Bad paths fail before anything is sent.
    emu.clear_requests();
    for bad in ["", "a//b", "a/../b", "./a", "a/"] {
        let e = root.item_by_path(bad).get().send().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation, "{bad:?}: {e}");
    }
    assert!(emu.requests().is_empty());

    // Real paths against the emulator: PUT creates the item and its folders.
    let name = "my report #1 100%?.txt";
    let created = root.item_by_path(&format!("docs/{name}")).upload(b"hello".to_vec()).send().await.unwrap();
    assert_eq!((created.name.as_deref(), created.size), (Some(name), Some(5)));
    let children = root.children_by_path("docs").list().send().await.unwrap();
    assert_eq!(children.value.len(), 1);
    assert_eq!(children.value[0].name.as_deref(), Some(name));
    let by_path = root.item_by_path(&format!("docs/{name}")).get().send().await.unwrap();
    assert_eq!(by_path.id, created.id);
    // Relative to an item: items/{id}:/name:
    let docs = root.item_by_path("docs").get().send().await.unwrap();
    let docs_id = docs.id.clone().unwrap();
    let below = client.users().by_id(&user).drive().items().by_id(&docs_id).item_by_path(name);
    assert_eq!(below.get().send().await.unwrap().id, created.id);
    assert_eq!(download_all(&below).await, b"hello");
    // A missing path: 404 itemNotFound.
    let e = root.item_by_path("docs/missing.txt").get().send().await.unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(404), Some("itemNotFound")));
    emu.assert_no_violations();
}

#[tokio::test]
async fn small_files_are_one_put_to_content() {
    let (emu, _client, root) = setup().await;
    let data = generated(1, 4 * MIB); // exactly the limit: still one PUT
    let seen = Arc::new(Mutex::new(Vec::<UploadProgress>::new()));
    let s = seen.clone();
    let item = root
        .item_by_path("small.bin")
        .upload(data.clone())
        .on_progress(move |p| s.lock().unwrap().push(p))
        .send()
        .await
        .unwrap();
    assert_eq!(item.size, Some(data.len() as i64));
    let puts: Vec<_> = emu.requests().into_iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 1);
    assert!(
        puts[0].target.ends_with("/root:/small.bin:/content?%40microsoft.graph.conflictBehavior=replace"),
        "{}",
        puts[0].target
    );
    assert!(uploads(&emu).is_empty(), "no upload session");
    assert_eq!(*seen.lock().unwrap(), [UploadProgress { uploaded: data.len() as u64, total: data.len() as u64 }]);
    assert_eq!(download_all(&root.item_by_path("small.bin")).await, data);
}

#[tokio::test]
async fn large_files_go_through_a_session_with_progress_and_no_token() {
    let (emu, _client, root) = setup().await;
    let len = 10 * MIB;
    let seen = Arc::new(Mutex::new(Vec::<u64>::new()));
    let s = seen.clone();
    let item: DriveItem = root
        .item_by_path("big/ten.bin")
        .upload_reader(Generator::new(2, len as u64), len as u64)
        .on_progress(move |p| s.lock().unwrap().push(p.uploaded))
        .send()
        .await
        .unwrap();
    assert_eq!(item.size, Some(len as i64));
    let chunk = 10 * CHUNK_UNIT as u64; // the default
    let expected: Vec<u64> = (1..).map(|i| (i * chunk).min(len as u64)).take_while(|_| true).take(4).collect();
    assert_eq!(*seen.lock().unwrap(), expected, "one report per confirmed chunk");
    let puts = uploads(&emu);
    assert_eq!(puts.len(), 4);
    assert!(puts.iter().all(|r| !r.authorization), "the upload URL never gets the token");
    assert_eq!(puts[0].header("content-range"), Some(format!("bytes 0-{}/{len}", chunk - 1).as_str()));
    let create = emu.requests().into_iter().find(|r| r.target.ends_with("/createUploadSession")).unwrap();
    assert!(create.authorization);
    assert_eq!(download_all(&root.item_by_path("big/ten.bin")).await, generated(2, len));
    emu.assert_no_violations();
}

#[tokio::test]
async fn an_upload_resumes_after_dropped_connections() {
    let (emu, _client, root) = setup().await;
    let id = emu.faults().add(FaultRule::drop_connection().path_prefix("/_emulator/upload/").method("PUT").every(3));
    let len = 6 * CHUNK_UNIT + 12_345;
    let data = generated(3, len);
    // Under 4 MiB: `start` forces a session. The source is read once (the kept chunk is sent
    // again after a drop).
    let mut upload = root
        .item_by_path("resumed.bin")
        .upload_reader(std::io::Cursor::new(data.clone()), len as u64)
        .chunk_size(CHUNK_UNIT)
        .start()
        .await
        .unwrap();
    let item: DriveItem = upload.upload().await.unwrap();
    assert_eq!(item.size, Some(len as i64));
    assert!(emu.faults().fired(id) >= 2, "fired {}: {:?}", emu.faults().fired(id), uploads(&emu));
    assert!(uploads(&emu).iter().any(|r| r.method == "GET"), "the session was asked where to continue");
    assert_eq!(download_all(&root.item_by_path("resumed.bin")).await, data);
    emu.assert_no_violations();
}

#[tokio::test]
async fn a_source_that_fails_midway_leaves_a_resumable_session() {
    let (emu, _client, root) = setup().await;
    let len = 5 * CHUNK_UNIT + 7;
    let mut failing = Generator::new(4, len as u64);
    failing.fail_after = Some(2 * CHUNK_UNIT as u64 + 100);
    let mut upload =
        root.item_by_path("flaky.bin").upload_reader(failing, len as u64).chunk_size(CHUNK_UNIT).start().await.unwrap();
    let e = upload.upload::<DriveItem>().await.unwrap_err();
    assert!(e.to_string().contains("could not read the upload source at byte 655360"), "{e}");
    assert_eq!(upload.next_expected_ranges(), [format!("{}-", 2 * CHUNK_UNIT)]);
    // The session is kept: store it, as another process would, and resume from a fresh reader
    // (it skips what the session already has).
    let stored: UploadSession = upload.session().unwrap();
    assert!(stored.upload_url.as_deref().unwrap().contains("tempauth="));
    assert!(!format!("{upload:?}").contains("tempauth="), "no credential in Debug");
    upload.set_source(ReaderSource::new(Generator::new(4, len as u64), len as u64));
    let item: DriveItem = upload.upload().await.unwrap();
    assert_eq!(item.size, Some(len as i64));
    assert_eq!(download_all(&root.item_by_path("flaky.bin")).await, generated(4, len));
    // A stored session plugs into a new upload as the generated model.
    let again = LargeFileUpload::new(_client.core(), &stored, generated(4, len)).unwrap();
    let e = { again }.upload::<DriveItem>().await.unwrap_err();
    assert_eq!(e.status(), Some(404), "the session was committed: {e}");
    emu.assert_no_violations();
}

#[tokio::test]
async fn a_cancelled_session_is_gone() {
    let (emu, _client, root) = setup().await;
    let len = 2 * CHUNK_UNIT + 1;
    let mut upload =
        root.item_by_path("cancelled.bin").upload(generated(5, len)).chunk_size(CHUNK_UNIT).start().await.unwrap();
    upload.status().await.unwrap();
    assert_eq!(upload.next_expected_ranges(), ["0-"]);
    upload.cancel().await.unwrap();
    let e = upload.status().await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    let e = upload.upload::<DriveItem>().await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert!(uploads(&emu).iter().any(|r| r.method == "DELETE" && !r.authorization));
    let e = root.item_by_path("cancelled.bin").get().send().await.unwrap_err();
    assert_eq!(e.status(), Some(404));
}

#[tokio::test]
async fn a_reset_forgets_upload_sessions_and_never_reissues_their_urls() {
    let (emu, client, root) = setup().await;
    let item = root.item_by_path("reset.bin");
    let old = item.create_upload_session(Default::default(), false).send().await.unwrap().upload_url.unwrap();
    emu.reset().unwrap();
    let new = item.create_upload_session(Default::default(), false).send().await.unwrap().upload_url.unwrap();
    assert_ne!(old, new);
    let ctx = msgraph::http::Context::new().with_skip_auth(true);
    let status = |url: String| {
        let client = client.clone();
        let ctx = ctx.clone();
        async move {
            let request = msgraph::http::HttpRequest::new(Method::Get, &url).unwrap();
            client.send_http(request, &ctx).await.unwrap().status()
        }
    };
    assert_eq!(status(old).await, 404);
    assert_eq!(status(new).await, 200);
    // The tempauth credential is not in the request log.
    let logged = uploads(&emu);
    assert_eq!(logged.len(), 2);
    assert!(logged.iter().all(|r| !r.target.contains("tempauth")), "{logged:?}");
}

#[tokio::test]
async fn conflict_behaviours() {
    let (_emu, _client, root) = setup().await;
    let first = root.item_by_path("c/a.txt").upload(b"one".to_vec()).send().await.unwrap();
    let big = generated(6, 5 * MIB);
    for (size, source) in [(3usize, b"two".to_vec()), (big.len(), big.clone())] {
        let e = root
            .item_by_path("c/a.txt")
            .upload(source.clone())
            .conflict_behavior(ConflictBehavior::Fail)
            .send()
            .await
            .unwrap_err();
        assert_eq!((e.status(), e.code()), (Some(409), Some("nameAlreadyExists")), "{size}");
        let renamed = root
            .item_by_path("c/a.txt")
            .upload(source.clone())
            .conflict_behavior(ConflictBehavior::Rename)
            .send()
            .await
            .unwrap();
        assert_ne!(renamed.id, first.id);
        assert!(renamed.name.as_deref().unwrap().starts_with("a "), "{:?}", renamed.name);
        let replaced = root
            .item_by_path("c/a.txt")
            .upload(source)
            .conflict_behavior(ConflictBehavior::Replace)
            .send()
            .await
            .unwrap();
        assert_eq!((replaced.id.as_ref(), replaced.size), (first.id.as_ref(), Some(size as i64)));
    }
    let names: Vec<_> = root
        .children_by_path("c")
        .list()
        .send()
        .await
        .unwrap()
        .value
        .into_iter()
        .filter_map(|i| i.name.clone())
        .collect();
    assert_eq!(names, ["a 1.txt", "a 2.txt", "a.txt"]);
    assert_eq!(download_all(&root.item_by_path("c/a.txt")).await, big);
}

#[tokio::test]
async fn the_emulator_enforces_the_320_kib_rule_and_content_ranges() {
    let (_emu, client, root) = setup().await;
    let session = root.item_by_path("rule.bin").create_upload_session(Default::default(), false).send().await.unwrap();
    let url = session.upload_url.clone().unwrap();
    let put = |body: Vec<u8>, range: String| {
        Request::<msgraph::http::HttpResponse>::from_url(client.core(), Method::Put, &url)
            .header("Content-Range", &range)
            .body_bytes(body, "application/octet-stream")
            .no_retry()
    };
    let total = 3 * CHUNK_UNIT;
    // Not a multiple of 320 KiB (and not the last): refused.
    let e = put(vec![1; 100_000], format!("bytes 0-99999/{total}")).send().await.unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(400), Some("invalidRange")), "{e}");
    assert!(e.to_string().contains("327680"), "{e}");
    // A Content-Range that does not match the body.
    let e = put(vec![1; CHUNK_UNIT], format!("bytes 0-{}/{total}", 2 * CHUNK_UNIT - 1)).send().await.unwrap_err();
    assert_eq!(e.status(), Some(400));
    // Out of order: 416.
    let e = put(vec![1; CHUNK_UNIT], format!("bytes {CHUNK_UNIT}-{}/{total}", 2 * CHUNK_UNIT - 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(416));
    // A right one: 202 with nextExpectedRanges.
    let r = put(vec![1; CHUNK_UNIT], format!("bytes 0-{}/{total}", CHUNK_UNIT - 1)).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let status: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
    assert_eq!(status["nextExpectedRanges"], serde_json::json!([format!("{CHUNK_UNIT}-")]));
    // The client refuses bad chunk sizes before sending anything.
    let e = root.item_by_path("x.bin").upload(generated(7, 5 * MIB)).chunk_size(100_000).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
}

#[tokio::test]
async fn downloads_stream_through_the_redirect_without_authorization() {
    use futures_util::StreamExt;
    let (emu, _client, root) = setup().await;
    let len = 20 * MIB + 3;
    let data = generated(8, len);
    root.item_by_path("dl.bin").upload(data.clone()).send().await.unwrap();
    emu.clear_requests();
    let mut stream = root.item_by_path("dl.bin").download().chunk_size(4 * MIB).into_stream();
    let mut got = Vec::new();
    let mut largest = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        assert!(!chunk.is_empty());
        largest = largest.max(chunk.len());
        got.extend_from_slice(&chunk);
    }
    assert_eq!(got.len(), len);
    assert!(got == data);
    // Pieces as they arrive: no range is ever held whole.
    assert!(largest < 4 * MIB, "largest piece {largest}");
    let log = emu.requests();
    let content: Vec<_> = log.iter().filter(|r| r.target.ends_with("/content")).collect();
    assert_eq!(content.len(), 1);
    assert_eq!((content[0].status, content[0].authorization), (302, true));
    let dl = downloads(&emu);
    assert_eq!(dl.len(), 6);
    assert!(dl.iter().all(|r| !r.authorization && r.status == 206), "{dl:?}");
    assert!(dl.iter().all(|r| !r.target.contains("tempauth")), "no credential in the log: {dl:?}");
    assert_eq!(dl[1].header("range"), Some(format!("bytes={}-{}", 4 * MIB, 8 * MIB - 1).as_str()));
    // The download URL is on another origin, as on Graph: the buffered way (the generated
    // `content_stream()`, through the pipeline's redirect policy) drops the token there too.
    root.item_by_path("small.bin").upload(data[..1000].to_vec()).send().await.unwrap();
    emu.clear_requests();
    let small = root.item_by_path("small.bin").content_stream().send().await.unwrap();
    assert_eq!(small.body(), &data[..1000]);
    let dl = downloads(&emu);
    assert_eq!(dl.len(), 1);
    assert!(!dl[0].authorization, "{dl:?}");
    // A caller's limit.
    let e = root.item_by_path("dl.bin").download().max_bytes(MIB as u64).next_chunk().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseTooLarge);
    // Debug shows no tempauth.
    let mut d = root.item_by_path("dl.bin").download();
    d.next_chunk().await.unwrap().unwrap();
    assert!(!format!("{d:?}").contains("tempauth"), "{d:?}");
    assert!(format!("{d:?}").contains(emu.content_url()), "{d:?}");
    assert_ne!(emu.content_url(), emu.login_base_url());
    emu.assert_no_violations();
}

#[tokio::test]
async fn a_cut_off_download_is_an_error_and_leaves_no_file() {
    let (emu, _client, root) = setup().await;
    let data = generated(9, 3 * MIB);
    root.item_by_path("cut.bin").upload(data.clone()).send().await.unwrap();
    let dir = std::env::temp_dir().join(format!("msgraph-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("cut.bin");
    let id = emu.faults().add(FaultRule::truncate_body().path_prefix("/_emulator/download/").always());
    let e = root.item_by_path("cut.bin").download_to_file(&target).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    // The first try and the client's 3 retries, each resuming where the last one stopped.
    assert_eq!(emu.faults().fired(id), 4);
    assert!(!target.exists(), "no short file");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no temporary file left");
    // The request's own retry settings bound the resumes: one retry, two tries.
    let before = emu.faults().fired(id);
    let request =
        root.item_by_path("cut.bin").content_stream().retry(msgraph::http::RetryOptions::new().max_retries(1));
    let e = msgraph::download::Download::new(request).to_file(&target).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert_eq!(emu.faults().fired(id) - before, 2);
    // Without the fault the same call writes the whole file.
    emu.faults().remove(id);
    assert_eq!(root.item_by_path("cut.bin").download_to_file(&target).await.unwrap(), data.len() as u64);
    assert!(std::fs::read(&target).unwrap() == data);
    // And a file source uploads it back.
    let back = root.item_by_path("back.bin").upload(FileSource::open(&target).await.unwrap()).send().await.unwrap();
    assert_eq!(back.size, Some(data.len() as i64));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_cut_off_download_resumes_from_the_first_missing_byte() {
    let (emu, _client, root) = setup().await;
    let len = 20 * MIB + 3;
    let data = generated(11, len);
    root.item_by_path("resume.bin").upload(data.clone()).send().await.unwrap();
    emu.clear_requests();
    // The first two ranges stop halfway (the emulator sends half the body, then closes).
    let id = emu.faults().add(FaultRule::truncate_body().path_prefix("/_emulator/download/").next(2));
    let mut d = root.item_by_path("resume.bin").download().chunk_size(4 * MIB);
    let mut got = Vec::new();
    while let Some(chunk) = d.next_chunk().await {
        got.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(emu.faults().fired(id), 2);
    assert_eq!(got.len(), len);
    assert!(got == data, "the resumed bytes join up");
    let ranges = download_ranges(&emu);
    let r = |a: usize, b: usize| format!("bytes={a}-{}", b - 1);
    assert_eq!(
        ranges,
        [
            r(0, 4 * MIB),
            r(2 * MIB, 6 * MIB),
            r(4 * MIB, 8 * MIB),
            r(8 * MIB, 12 * MIB),
            r(12 * MIB, 16 * MIB),
            r(16 * MIB, 20 * MIB),
            r(20 * MIB, len),
        ]
    );
    emu.assert_no_violations();
}

#[tokio::test]
async fn a_stalled_download_times_out_and_resumes() {
    let emu = Emulator::start().await.expect("emulator");
    let app = emu.app().clone();
    let credential = ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
        .with_authority_host(emu.login_base_url());
    let client = GraphClient::builder()
        .base_url(emu.base_url())
        .credential(credential)
        .timeout(Some(std::time::Duration::from_millis(500)))
        .build()
        .unwrap();
    let root = client.users().by_id(&emu.signed_in_user().id).drive().root();
    let data = generated(12, MIB);
    root.item_by_path("slow.bin").upload(data.clone()).send().await.unwrap();
    // The first answer sends 64 KiB, then waits 5 s before each next 64 KiB: longer than the
    // client's timeout, so the download gives up on it and asks for the rest.
    let slow = || FaultRule::slow_body(64 * 1024, std::time::Duration::from_secs(5));
    let id = emu.faults().add(slow().path_prefix("/_emulator/download/").next(1));
    let started = std::time::Instant::now();
    assert!(download_all(&root.item_by_path("slow.bin")).await == data);
    assert_eq!(emu.faults().fired(id), 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "{:?}", started.elapsed());
    // Always stalled: a Timeout error once the retries are spent, not a short download.
    emu.faults().add(slow().path_prefix("/_emulator/download/").always());
    let mut d = root.item_by_path("slow.bin").download();
    let mut n = 0;
    let err = loop {
        match d.next_chunk().await {
            Some(Ok(c)) => n += c.len(),
            Some(Err(e)) => break e,
            None => panic!("a stalled download ended without an error"),
        }
    };
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(n < MIB);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_mib_up_and_down_without_holding_the_file() {
    let (emu, _client, root) = setup().await;
    let len: u64 = 100 * MIB as u64;
    let mut expected = Hash::new();
    let mut g = Generator::new(10, len);
    for _ in 0..len {
        expected.update(&[g.next_byte()]);
    }
    let item = root.item_by_path("huge/100.bin").upload_reader(Generator::new(10, len), len).send().await.unwrap();
    assert_eq!(item.size, Some(len as i64));
    let mut d = root.item_by_path("huge/100.bin").download();
    let mut got = Hash::new();
    let mut largest = 0;
    while let Some(chunk) = d.next_chunk().await {
        let chunk = chunk.unwrap();
        largest = largest.max(chunk.len());
        got.update(&chunk);
    }
    assert_eq!(got, expected);
    assert!(largest < msgraph::download::DEFAULT_CHUNK, "pieces as they arrive, not whole ranges: {largest}");
    // Ranges double while they stream: 8, 16, 32, then the last 44 MiB (of at most 64).
    let ranges = download_ranges(&emu);
    let r = |a: usize, b: usize| format!("bytes={}-{}", a * MIB, b * MIB - 1);
    assert_eq!(ranges, [r(0, 8), r(8, 24), r(24, 56), r(56, 100)]);
    // The buffered way (the generated `content_stream()`) keeps the 64 MiB response cap that
    // `download()` does not have.
    let e = root.item_by_path("huge/100.bin").content_stream().send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{e}");
    let puts = uploads(&emu).into_iter().filter(|r| r.method == "PUT").count();
    assert_eq!(puts as u64, len.div_ceil(10 * CHUNK_UNIT as u64));
    emu.assert_no_violations();
}

#[tokio::test]
async fn a_user_photo_value_is_stored_and_read_back() {
    let (emu, client, _root) = setup().await;
    let user = client.users().by_id(&emu.signed_in_user().id);
    let e = user.photo().content().send().await.unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(404), Some("ImageNotFound")));
    let png = b"\x89PNG\r\n\x1a\nnot really".to_vec();
    user.photo().set_content(png.clone(), "image/png").send().await.unwrap();
    let r = user.photo().content().send().await.unwrap();
    assert_eq!((r.body(), r.headers().get("content-type")), (&png[..], Some("image/png")));
    let e = user.photo().set_content(b"x".to_vec(), "text/plain").send().await.unwrap_err();
    assert_eq!(e.status(), Some(400));
}
