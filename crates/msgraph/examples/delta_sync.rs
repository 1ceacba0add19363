//! Delta sync: read every user once (a delta round, following nextLinks to the
//! `@odata.deltaLink`), keep the deltaLink, change some users, then poll the deltaLink to get
//! only what changed — created/updated users and removed ones (`DeltaItem::Removed`). Finally,
//! what an expired deltaLink looks like (`410 Gone` → `ErrorKind::ResyncRequired`).
//!
//! Runs against the embedded Graph emulator, no configuration needed.
//!
//! Run: `cargo run --example delta_sync`

use std::collections::BTreeMap;

use msgraph::auth::ClientSecretCredential;
use msgraph::models::{PasswordProfile, User, UserKind};
use msgraph::{DeltaItem, ErrorKind, GraphClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A page size of 2 so the first round spans several pages.
    let emu = msgraph_emulator::Emulator::builder().page_size(2).start().await?;
    let app = emu.app().clone();
    let credential = ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
        .with_authority_host(emu.login_base_url());
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build()?;

    // 1. The first round: every user, page after page, until the deltaLink.
    let mut pages = client.users().delta().select(&["displayName", "jobTitle"]).delta_pages();
    let mut local: BTreeMap<String, String> = BTreeMap::new(); // id → displayName: our "replica"
    while let Some(page) = pages.next_page().await {
        for item in page?.value {
            // A first round has no removals; the same user may come twice (keep the last).
            // A `UserKind` (a user or an agentUser) derefs to `User`.
            if let DeltaItem::Changed(mut u) = item {
                local.insert(u.id.take().unwrap_or_default(), u.display_name.take().unwrap_or_default());
            }
        }
    }
    let delta_link = pages.delta_link().ok_or("the round ended without a deltaLink")?.to_string();
    println!("first round: {} users in {} pages", local.len(), pages.pages_fetched());
    println!("deltaLink: {delta_link}");

    // 2. Changes made elsewhere: create one user, update one, delete one.
    let kim = User {
        account_enabled: Some(true),
        display_name: Some("Kim Akers".into()),
        mail_nickname: Some("KimA".into()),
        user_principal_name: Some("KimA@contoso.onmicrosoft.com".into()),
        password_profile: Some(PasswordProfile { password: Some("xWwvJ]6NMw+bWH-d".into()), ..Default::default() }),
        ..Default::default()
    };
    client.users().create(&kim).send().await?;
    let patch = User { job_title: Some("Head of Retail".into()), ..Default::default() };
    client.users().by_id("AlexW@contoso.onmicrosoft.com").update(&patch).send().await?;
    client.users().by_id("LeeG@contoso.onmicrosoft.com").delete().send().await?;

    // 3. Poll the stored deltaLink: only the changes come back (`delta_round` follows pages).
    let round = client.delta_from_link::<UserKind>(&delta_link).delta_round().await?;
    println!("changes since the deltaLink: {}", round.items.len());
    for item in &round.items {
        match item {
            DeltaItem::Changed(u) => {
                let id = u.id.clone().unwrap_or_default();
                let verb = if local.contains_key(&id) { "updated" } else { "created" };
                println!("  {verb}: {:?} (jobTitle {:?})", u.display_name, u.job_title);
                local.insert(id, u.display_name.clone().unwrap_or_default());
            }
            DeltaItem::Removed(r) => {
                let id = r.id.clone().unwrap_or_default();
                println!("  removed ({:?}): {id} was {:?}", r.reason, local.remove(&id));
            }
        }
    }
    println!("replica now has {} users", local.len());

    // Nothing changed since: an empty round with a new deltaLink.
    let quiet = client.delta_from_link::<UserKind>(&round.delta_link).delta_round().await?;
    println!("polling again: {} changes", quiet.items.len());

    // 4. Delta state can expire on the service side: 410 Gone / resyncRequired.
    emu.expire_delta_tokens();
    match client.delta_from_link::<UserKind>(&quiet.delta_link).delta_round().await {
        Err(e) if e.kind() == ErrorKind::ResyncRequired => {
            println!("expired deltaLink: {:?} {:?} -> start a new round from scratch", e.status(), e.code());
            let fresh = client.users().delta().select(&["displayName", "jobTitle"]).delta_round().await?;
            println!("new first round: {} users", fresh.items.len());
        }
        other => println!("unexpected: {other:?}"),
    }
    emu.assert_no_violations();
    Ok(())
}
