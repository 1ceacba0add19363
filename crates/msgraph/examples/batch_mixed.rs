//! The query queue: queue reads and writes, commit them with one `execute_query()` (sent as
//! JSON `$batch`), then read every query's own outcome from its handle.
//!
//! Queued here: add a mobile phone for Nestor, read Alex, rename Lee, list groups, enable SMS
//! sign-in on Nestor's new phone *after* the create succeeded (`then`), and enable SMS sign-in on
//! Adele's office phone — which Graph refuses: that error lands on that handle only.
//!
//! Runs against the embedded Graph emulator, no configuration needed.
//!
//! Run: `cargo run --example batch_mixed`

use msgraph::auth::ClientSecretCredential;
use msgraph::models::{AuthenticationPhoneType, PhoneAuthenticationMethod, User};
use msgraph::{GraphClient, PhoneNumber};

/// Graph gives phone methods fixed ids by type.
const MOBILE_ID: &str = "3179e48a-750b-4051-897c-87b9720928f7";
const OFFICE_ID: &str = "e37fc753-ff3b-4958-9484-eaa9425c82bc";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = msgraph_emulator::Emulator::start().await?;
    let app = emu.app().clone();
    let credential = ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
        .with_authority_host(emu.login_base_url());
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build()?;
    let users = client.users();
    let nestor_phones = users.by_id("NestorW@contoso.onmicrosoft.com").authentication().phone_methods();

    // Nothing is sent while queueing: each add_query returns a typed handle.
    let mobile = PhoneAuthenticationMethod {
        phone_number: Some(PhoneNumber::parse("+1 4255550177")?.into()), // validated here
        phone_type: Some(AuthenticationPhoneType::Mobile),
        ..Default::default()
    };
    let create = client.add_query(nestor_phones.create(&mobile));
    let alex =
        client.add_query(users.by_id("AlexW@contoso.onmicrosoft.com").get().select(&["displayName", "jobTitle"]));
    let rename = User { display_name: Some("Lee Gu (Sales)".into()), ..Default::default() };
    let renamed = client.add_query(users.by_id("LeeG@contoso.onmicrosoft.com").update(&rename));
    let groups = client.add_query(client.groups().list().select(&["displayName"]));
    // Runs only after `create` succeeded (a `dependsOn` in the same, sequential, batch).
    let enable = create.then(nestor_phones.by_id(MOBILE_ID).enable_sms_sign_in());
    let office = client.add_query(
        users
            .by_id("AdeleV@contoso.onmicrosoft.com")
            .authentication()
            .phone_methods()
            .by_id(OFFICE_ID)
            .enable_sms_sign_in(),
    );
    println!("queued {} queries", client.queued_count());

    // One call sends everything; `Err` here only for failures that are not a query's own. The
    // create → enable chain travels in its own sequential batch, the rest in a parallel one.
    let summary = client.execute_query().await?;
    println!(
        "execute_query: {} queries, {} succeeded, {} failed, {} round trip(s) ({} $batch, {} direct)",
        summary.queries, summary.succeeded, summary.failed, summary.round_trips, summary.batches, summary.direct
    );

    // Every handle has its own outcome, typed.
    let phone = create.take()?;
    println!("create phone   -> {:?} {:?}", phone.id.as_deref(), phone.phone_number.as_deref());
    let alex = alex.take()?;
    println!("read Alex      -> {:?}, {:?} ({})", alex.display_name, alex.job_title, alex.odata_type());
    renamed.take()?;
    println!("rename Lee     -> ok (204)");
    let names: Vec<String> = groups.take()?.value.into_iter().filter_map(|g| g.display_name).collect();
    println!("list groups    -> {names:?}");
    enable.take()?;
    println!("enable SMS     -> ok (ran after the create)");
    match office.take() {
        Ok(()) => println!("office SMS     -> unexpectedly ok"),
        Err(e) => println!(
            "office SMS     -> HTTP {:?} {:?} (innerError code smsSignInNotSupported: {})",
            e.status(),
            e.code(),
            e.has_code("smsSignInNotSupported")
        ),
    }

    // Check the effect with a direct (unqueued) request.
    let after = nestor_phones.by_id(MOBILE_ID).get().send().await?;
    println!("Nestor's mobile now: sms sign-in {:?}", after.sms_sign_in_state);
    emu.assert_no_violations();
    Ok(())
}
