//! The quickstart: sign a user in, list their phone methods,
//! add a mobile number if there is none, make sure SMS sign-in is enabled through the query
//! queue, and commit everything with one `execute_query()`.
//!
//! Graph registers a new mobile for SMS sign-in at once when the tenant's policy allows it (the
//! create answers `smsSignInState: ready`); `enableSmsSignIn` turns it on for a mobile that is
//! not (added while the policy forbade it, or disabled) and leaves a ready one as it is.
//!
//! With no configuration it starts the embedded Graph emulator on 127.0.0.1 and signs its
//! default user in with the authorization code flow (the emulator's test browser plays the
//! user's browser; see `examples/sign_in.rs`). With `MSGRAPH_TENANT_ID`, `MSGRAPH_CLIENT_ID` and `MSGRAPH_CLIENT_SECRET` set it talks to
//! the real Microsoft Graph (then set `MSGRAPH_USER` to the user's id or UPN: app-only tokens
//! have no `/me`).
//!
//! Run: `cargo run --example quickstart`

use msgraph::auth::{AuthorizationCodeCredential, ClientSecretCredential};
use msgraph::builders::UserBuilder;
use msgraph::models::{AuthenticationPhoneType, PhoneAuthenticationMethod};
use msgraph::{GraphClient, PhoneNumber};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    // Keep the emulator alive for the whole run.
    let mut _emulator = None;
    let (client, user): (GraphClient, UserBuilder) =
        match (env("MSGRAPH_TENANT_ID"), env("MSGRAPH_CLIENT_ID"), env("MSGRAPH_CLIENT_SECRET")) {
            (Some(tenant), Some(client_id), Some(secret)) => {
                println!("talking to Microsoft Graph (tenant {tenant})");
                let client = GraphClient::builder()
                    .credential(ClientSecretCredential::new(tenant, client_id, secret))
                    .build()?;
                let user = match env("MSGRAPH_USER") {
                    Some(u) => client.users().by_id(&u),
                    None => return Err("set MSGRAPH_USER to the user's id or userPrincipalName".into()),
                };
                (client, user)
            }
            _ => {
                let emu = msgraph_emulator::Emulator::start().await?;
                println!("started the local Graph emulator at {}", emu.base_url());
                // The user signs in (on the emulator: approved beforehand, its browser follows
                // the URL; with Microsoft Graph you would open the URL in a browser).
                emu.approve_next_sign_in(&emu.signed_in_user().user_principal_name)?;
                let browser = emu.browser();
                let credential =
                    AuthorizationCodeCredential::new(emu.tenant_id(), emu.app().client_id.clone(), move |url| {
                        let (browser, url) = (browser.clone(), url.to_string());
                        tokio::spawn(async move { browser.open(&url).await });
                    })
                    .with_authority_host(emu.login_base_url());
                let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build()?;
                let me = client.me().get().select(&["userPrincipalName"]).send().await?;
                println!("signed in as {}", me.user_principal_name.as_deref().unwrap_or_default());
                _emulator = Some(emu);
                let me = client.me();
                (client, me)
            }
        };

    let phones = user.authentication().phone_methods();
    let existing = phones.list().send().await?;
    println!("phone methods before: {}", existing.value.len());
    for p in &existing.value {
        println!("  {:?} {:?} sms: {:?}", p.phone_type, p.phone_number, p.sms_sign_in_state);
    }

    let mobile = match existing.value.iter().find(|p| p.phone_type == Some(AuthenticationPhoneType::Mobile)) {
        Some(m) => {
            println!("a mobile number is already registered");
            m.clone()
        }
        None => {
            let number = PhoneNumber::parse("+1 4255550199")?; // validated before anything is sent
            let body = PhoneAuthenticationMethod {
                phone_number: Some(number.into()),
                phone_type: Some(AuthenticationPhoneType::Mobile),
                ..Default::default()
            };
            let created = phones.create(&body).send().await?;
            println!(
                "added mobile {:?} (id {:?}, sms: {:?})",
                created.phone_number, created.id, created.sms_sign_in_state
            );
            created
        }
    };
    let id = mobile.id.clone().unwrap_or_default();

    // Queue the action and a read; one execute_query() sends them together as a $batch. Enabling
    // is idempotent: a mobile that is already ready stays ready.
    let enable = client.add_query(phones.by_id(&id).enable_sms_sign_in());
    let after = client.add_query(phones.list());
    let summary = client.execute_query().await?;
    println!("execute_query: {summary:?}");
    match enable.take() {
        Ok(()) => println!("SMS sign-in enabled"),
        Err(e) => println!("enabling SMS sign-in failed: {e}"),
    }
    for p in after.take()?.value {
        println!("  {:?} {:?} sms: {:?}", p.phone_type, p.phone_number, p.sms_sign_in_state);
    }
    Ok(())
}
