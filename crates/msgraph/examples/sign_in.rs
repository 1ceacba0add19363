//! Sign a person in: the authorization code flow with PKCE, as desktop and command-line apps
//! do it. The SDK listens on `127.0.0.1` (random port), hands the sign-in URL to a callback
//! (print it, or open a browser), checks the answer's `state`, redeems the code with the PKCE
//! verifier, and keeps the refresh token in a file cache: the second sign-in below is silent,
//! as the next run of your app would be.
//!
//! With no configuration it runs against the embedded Graph emulator, whose test browser plays
//! the user's browser (the user "signs in" with `approve_next_sign_in`). With `MSGRAPH_CLIENT_ID`
//! (a public client app registration with the redirect URI `http://localhost`, platform "Mobile
//! and desktop applications") and optionally `MSGRAPH_TENANT_ID` it signs you in to Microsoft
//! Graph: open the printed URL in your browser.
//!
//! Run: `cargo run --example sign_in`

use std::sync::Arc;

use msgraph::auth::{AuthorizationCodeCredential, FileTokenCache, Url};
use msgraph::GraphClient;
use msgraph_emulator::Emulator;

fn cache_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("msgraph-sign-in-example-{}", std::process::id()))
}

/// The app's credential on the emulator: its login host, its registered client, the cache.
fn credential(
    emu: &Emulator,
    cache: &Arc<FileTokenCache>,
    open: impl Fn(&Url) + Send + Sync + 'static,
) -> AuthorizationCodeCredential {
    AuthorizationCodeCredential::new(emu.tenant_id(), emu.app().client_id.clone(), open)
        .with_authority_host(emu.login_base_url())
        .with_cache(cache.clone())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let cache = Arc::new(FileTokenCache::new(cache_dir()));
    if let Some(client_id) = env("MSGRAPH_CLIENT_ID") {
        let tenant = env("MSGRAPH_TENANT_ID").unwrap_or_else(|| "organizations".into());
        let credential = AuthorizationCodeCredential::new(tenant, client_id, |url| {
            println!("Open this URL in your browser to sign in:\n\n  {url}\n");
        })
        .with_cache(cache);
        let client = GraphClient::builder().scopes(&["User.Read"]).credential(credential).build()?;
        let me = client.me().get().send().await?;
        println!("signed in as {}", me.user_principal_name.as_deref().unwrap_or_default());
        return Ok(());
    }

    let emu = Emulator::start().await?;
    println!("started the local Graph emulator at {}", emu.base_url());
    let user = emu.signed_in_user().user_principal_name;
    // What the user will do in the browser: sign in as `user` and consent.
    emu.approve_next_sign_in(&user)?;
    let browser = emu.browser();
    let open = move |url: &Url| {
        println!("sign-in URL: {}?…", url.as_str().split('?').next().unwrap_or_default());
        let browser = browser.clone();
        let url = url.to_string();
        tokio::spawn(async move {
            if let Err(e) = browser.open(&url).await {
                eprintln!("the browser failed: {e}");
            }
        });
    };
    // First run: the browser sign-in.
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential(&emu, &cache, open)).build()?;
    let me = client.me().get().send().await?;
    println!("signed in as {}", me.user_principal_name.as_deref().unwrap_or_default());

    // "Next run": a new client, the same cache: the refresh token signs in without a browser.
    let no_browser = |_: &Url| eprintln!("unexpected: a second browser sign-in");
    let client =
        GraphClient::builder().base_url(emu.base_url()).credential(credential(&emu, &cache, no_browser)).build()?;
    let me = client.me().get().select(&["displayName"]).send().await?;
    println!("signed in again silently: {}", me.display_name.as_deref().unwrap_or_default());

    let _ = std::fs::remove_dir_all(cache_dir());
    Ok(())
}
