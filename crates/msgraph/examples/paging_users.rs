//! Paging: list users with `$filter`, `$count`, `$select` and a small `$top`, and follow
//! `@odata.nextLink` through every page — page by page with `next_page()`, or item by item with
//! `items()`.
//!
//! Runs against the embedded Graph emulator, no configuration needed.
//!
//! Run: `cargo run --example paging_users`

use msgraph::auth::ClientSecretCredential;
use msgraph::models::{PasswordProfile, User, UserKind};
use msgraph::GraphClient;

/// The display name of a user, whichever `@odata.type` it came back as (a `UserKind` derefs to
/// `User`, so an `agentUser` reads the same way).
fn name(user: &UserKind) -> &str {
    user.display_name.as_deref().unwrap_or("?")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The local emulator is both Graph and the identity platform.
    let emu = msgraph_emulator::Emulator::start().await?;
    let app = emu.app().clone();
    let credential = ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
        .with_authority_host(emu.login_base_url());
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build()?;

    // A few more users whose names start with "A", so there is something to page through.
    for (nick, display_name) in [("AaronK", "Aaron K"), ("AmiraS", "Amira S"), ("AnaP", "Ana P")] {
        let user = User {
            account_enabled: Some(true),
            display_name: Some(display_name.to_string()),
            mail_nickname: Some(nick.to_string()),
            user_principal_name: Some(format!("{nick}@contoso.onmicrosoft.com")),
            password_profile: Some(PasswordProfile { password: Some("xWwvJ]6NMw+bWH-d".into()), ..Default::default() }),
            ..Default::default()
        };
        client.users().create(&user).send().await?;
    }

    // `$count=true` on directory objects is an advanced query: the SDK adds
    // `ConsistencyLevel: eventual` by itself (and resends it with every next page).
    let request = client
        .users()
        .list()
        .filter("startswith(displayName,'A')")
        .select(&["id", "displayName", "userPrincipalName"])
        .order_by(&["displayName"])
        .count(true)
        .top(2);
    println!("GET {}", request.url());
    println!("ConsistencyLevel: {:?}", request.headers().get("consistencylevel"));

    // Page by page: `next_page()` follows @odata.nextLink exactly as the service sent it.
    let mut pages = request.pages();
    while let Some(page) = pages.next_page().await {
        let page = page?;
        let names: Vec<&str> = page.value.iter().map(name).collect();
        println!("page {}: {names:?} (more: {})", pages.pages_fetched(), page.next_link().is_some());
    }
    println!("@odata.count: {:?}, pages fetched: {}", pages.count(), pages.pages_fetched());

    // Item by item: `items()` hides the pages (it is also a `futures_core::Stream`).
    let everyone = client.users().list().select(&["displayName"]).top(3).items().collect_all().await?;
    println!("all users, 3 per page: {} users", everyone.len());

    // The emulator checks that the client followed Graph's protocol (links not re-encoded, ...).
    emu.assert_no_violations();
    println!("no protocol violations");
    Ok(())
}
