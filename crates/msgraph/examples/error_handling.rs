//! Typed errors: a 404, a Graph rule violation with its codes and ids, an invalid phone number
//! caught before anything is sent, a 429 retried after its `Retry-After`, and what a throttled
//! request looks like once the retries are used up (with a retry policy for that one request).
//!
//! Runs against the embedded Graph emulator (its fault injection plays the throttling service),
//! no configuration needed.
//!
//! Run: `cargo run --example error_handling`

use std::time::{Duration, Instant};

use msgraph::auth::StaticTokenProvider;
use msgraph::pipeline::RetryOptions;
use msgraph::{GraphClient, PhoneNumber};
use msgraph_emulator::{FaultRule, RetryAfter, TokenSpec};

/// Graph gives the office phone method this fixed id.
const OFFICE_ID: &str = "e37fc753-ff3b-4958-9484-eaa9425c82bc";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = msgraph_emulator::Emulator::start().await?;
    // `/me` needs a signed-in user: a delegated token the emulator issues for its default user
    // (examples/sign_in.rs shows a real sign-in).
    let token = emu.issue_token_with(TokenSpec::user(emu.signed_in_user().id))?;
    let credential = StaticTokenProvider::new(token);
    // The client's retry policy (the default: 3 retries) applies to every request that does not
    // bring its own.
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build()?;

    // 1. Not found: match on the kind and status, or on Graph's error code (never the message).
    let err = client.users().by_id("nobody@contoso.onmicrosoft.com").get().send().await.err().ok_or("found?")?;
    println!("1. missing user: kind {:?}, status {:?}, code {:?}", err.kind(), err.status(), err.code());
    println!("   message: {}", err.message());

    // 2. A Graph rule: SMS sign-in works on mobile phones only.
    let office = client.me().authentication().phone_methods().by_id(OFFICE_ID);
    let err = office.enable_sms_sign_in().send().await.err().ok_or("enabled?")?;
    let inner = err.graph_error().and_then(|g| g.inner_error.as_ref()).and_then(|i| i.code.clone());
    println!("2. SMS on an office phone: status {:?}, code {:?}, innerError.code {inner:?}", err.status(), err.code());
    println!("   has_code(\"smsSignInNotSupported\"): {}", err.has_code("smsSignInNotSupported"));
    println!(
        "   request-id {:?}, client-request-id {:?}, date {:?}",
        err.request_id(),
        err.client_request_id(),
        err.date()
    );
    println!("   Display: {err}");

    // 3. Invalid input never leaves the client: phone numbers are checked locally.
    emu.clear_requests();
    match PhoneNumber::parse("425-555-0100") {
        Ok(n) => println!("3. accepted {n}?"),
        Err(e) => println!("3. invalid phone number: {e} (requests sent: {})", emu.requests().len()),
    }

    // 4. Throttling: the next request gets 429 with `Retry-After: 1`; the client waits and retries.
    emu.clear_requests();
    emu.faults().add(FaultRule::throttle(RetryAfter::Seconds(1)).next(1));
    let started = Instant::now();
    let me = client.me().get().select(&["displayName"]).send().await?;
    let statuses: Vec<u16> = emu.requests().iter().map(|r| r.status).collect();
    println!(
        "4. throttled then retried: statuses {statuses:?}, took {:.1?}, got {:?}",
        started.elapsed(),
        me.odata_type()
    );

    // 5. Retries exhausted: the 429 comes back as the error, with its Retry-After. This one
    //    request has a retry policy of its own (one retry; `.no_retry()` for none); the client
    //    and its other requests keep theirs.
    emu.clear_requests();
    let rule = emu.faults().add(FaultRule::throttle(RetryAfter::Seconds(1)).next(5));
    let impatient = RetryOptions::new().max_retries(1);
    let err = client.me().get().retry(impatient).send().await.err().ok_or("not throttled?")?;
    println!(
        "5. gave up after {} tries: status {:?}, is_throttled {}, is_transient {}, retry_after {:?}, kind {:?}",
        emu.requests().len(),
        err.status(),
        err.is_throttled(),
        err.is_transient(),
        err.retry_after(),
        err.kind()
    );
    emu.faults().remove(rule); // the service calms down
    if err.is_throttled() {
        // Your own back-off: wait as long as the service asked, then try again.
        let wait = err.retry_after().unwrap_or(Duration::from_secs(1));
        tokio::time::sleep(wait).await;
        client.me().get().no_retry().send().await?;
        println!("   waited {wait:?} as asked, then the request succeeded");
    }

    // The client honoured every Retry-After (the emulator's protocol guard checks it).
    emu.assert_no_violations();
    println!("no protocol violations");
    Ok(())
}
