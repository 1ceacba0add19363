//! Delegated sign-in against the emulator: authorization code + PKCE through the loopback
//! listener, refresh tokens and rotation, incremental scopes, the file token cache across
//! "runs", on-behalf-of, and claims challenges.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use msgraph_core::auth::{
    AuthorizationCodeCredential, DeviceCodeCredential, FileTokenCache, OnBehalfOfCredential, TokenProvider,
    TokenRequest,
};
use msgraph_core::client::Client;
use msgraph_core::error::ErrorKind;
use msgraph_emulator::{Emulator, TokenSpec};
use serde_json::Value;

const MEGAN: &str = "48d31887-5fad-4d73-a9f5-3c356e68a038";
const LEE: &str = "e5c1a5b2-7d6e-4f8a-9b0c-1d2e3f4a5b6c";

/// What the test browser does with the redirect the emulator answers before following it.
type Tamper = Arc<dyn Fn(String) -> Option<String> + Send + Sync>;

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A "browser": GETs the authorize URL (possibly edited), then delivers the redirect (possibly
/// edited, or not at all) to the app's loopback listener.
#[derive(Clone)]
struct Browser {
    opened: Arc<AtomicUsize>,
    urls: Arc<Mutex<Vec<String>>>,
    edit_url: Arc<dyn Fn(String) -> String + Send + Sync>,
    tamper: Tamper,
    before_delivery: Arc<dyn Fn() + Send + Sync>,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            opened: Arc::default(),
            urls: Arc::default(),
            edit_url: Arc::new(|u| u),
            tamper: Arc::new(Some),
            before_delivery: Arc::new(|| {}),
        }
    }

    fn callback(&self) -> impl Fn(&url::Url) + Send + Sync + 'static {
        let b = self.clone();
        move |url: &url::Url| {
            b.opened.fetch_add(1, Ordering::SeqCst);
            b.urls.lock().unwrap().push(url.to_string());
            let url = (b.edit_url)(url.to_string());
            let b = b.clone();
            tokio::spawn(async move {
                let r = http().get(&url).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 302, "{}", r.text().await.unwrap());
                let location = r.headers()["location"].to_str().unwrap().to_string();
                (b.before_delivery)();
                if let Some(location) = (b.tamper)(location) {
                    let _ = http().get(&location).send().await;
                }
            });
        }
    }

    fn opened(&self) -> usize {
        self.opened.load(Ordering::SeqCst)
    }
}

fn credential(emu: &Emulator, browser: &Browser) -> AuthorizationCodeCredential {
    AuthorizationCodeCredential::new(emu.tenant_id(), emu.app().client_id.clone(), browser.callback())
        .with_authority_host(emu.login_base_url())
        .with_timeout(Duration::from_secs(20))
}

fn client(emu: &Emulator, provider: impl TokenProvider + 'static) -> Client {
    Client::builder().base_url(emu.base_url()).credential(provider).build().unwrap()
}

async fn me(client: &Client) -> msgraph_core::error::Result<Value> {
    client.get::<Value>(&["me"]).send().await
}

fn scopes(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("msgraph-sign-in-{name}-{}", std::process::id()))
}

#[tokio::test]
async fn pkce_sign_in_then_silent() {
    let emu = Emulator::start().await.unwrap();
    emu.approve_next_sign_in(MEGAN).unwrap();
    let browser = Browser::new();
    let c = client(&emu, credential(&emu, &browser));
    assert_eq!(me(&c).await.unwrap()["id"], MEGAN);
    assert_eq!(browser.opened(), 1);
    let url = browser.urls.lock().unwrap()[0].clone();
    assert!(url.contains("code_challenge_method=S256") && url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"));
    assert!(url.contains("offline_access"));
    assert_eq!(me(&c).await.unwrap()["id"], MEGAN);
    assert_eq!(browser.opened(), 1, "no second sign-in");
    // The code exchange carried the verifier (the emulator checked it), not the log.
    let token_calls: Vec<_> = emu.requests().into_iter().filter(|r| r.target.ends_with("/token")).collect();
    assert_eq!(token_calls.len(), 1);
    emu.assert_no_violations();
}

#[tokio::test]
async fn wrong_state_is_an_error() {
    let emu = Emulator::start().await.unwrap();
    emu.approve_next_sign_in(MEGAN).unwrap();
    let mut browser = Browser::new();
    browser.tamper = Arc::new(|loc: String| {
        let i = loc.find("state=").unwrap();
        Some(format!("{}state=forged", &loc[..i]))
    });
    let e = me(&client(&emu, credential(&emu, &browser))).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert!(e.to_string().contains("state does not match"), "{e}");
    assert!(!emu.requests().iter().any(|r| r.target.ends_with("/token")), "the code was not redeemed");
}

#[tokio::test]
async fn error_redirect_is_an_error() {
    let emu = Emulator::start().await.unwrap();
    emu.decline_next_sign_in();
    let browser = Browser::new();
    let e = me(&client(&emu, credential(&emu, &browser))).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert!(e.to_string().contains("the sign-in failed: access_denied"), "{e}");
}

#[tokio::test]
async fn timeout_is_an_error() {
    let emu = Emulator::start().await.unwrap();
    emu.approve_next_sign_in(MEGAN).unwrap();
    let mut browser = Browser::new();
    browser.tamper = Arc::new(|_| None); // the browser never comes back
    let cred = credential(&emu, &browser).with_timeout(Duration::from_millis(500));
    let e = me(&client(&emu, cred)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("did not complete within"), "{e}");
}

#[tokio::test]
async fn reused_code_is_an_error() {
    let emu = Emulator::start().await.unwrap();
    emu.approve_next_sign_in(MEGAN).unwrap();
    emu.approve_next_sign_in(MEGAN).unwrap();
    // The first sign-in's redirect is kept, and replayed (with the second sign-in's state).
    let first: Arc<Mutex<Option<String>>> = Arc::default();
    let mut browser = Browser::new();
    let keep = first.clone();
    browser.tamper = Arc::new(move |loc: String| {
        let mut g = keep.lock().unwrap();
        match &*g {
            None => {
                *g = Some(loc.clone());
                Some(loc)
            }
            Some(old) => {
                let code = old.split("code=").nth(1).unwrap().split('&').next().unwrap();
                let state = loc.split("state=").nth(1).unwrap();
                let base = loc.split('?').next().unwrap();
                Some(format!("{base}?code={code}&state={state}"))
            }
        }
    });
    assert!(me(&client(&emu, credential(&emu, &browser))).await.is_ok());
    let e = me(&client(&emu, credential(&emu, &browser))).await.unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Auth, Some("invalid_grant")), "{e}");
    assert!(e.to_string().contains("AADSTS54005") || e.message().contains("AADSTS54005"), "{e}");
}

#[tokio::test]
async fn expired_code_is_an_error() {
    let emu = Arc::new(Emulator::start().await.unwrap());
    emu.approve_next_sign_in(MEGAN).unwrap();
    let mut browser = Browser::new();
    let e2 = emu.clone();
    browser.before_delivery = Arc::new(move || e2.advance_clock(Duration::from_secs(11 * 60)));
    let e = me(&client(&emu, credential(&emu, &browser))).await.unwrap_err();
    assert_eq!(e.code(), Some("invalid_grant"), "{e}");
    assert!(e.message().contains("AADSTS70008"), "{e}");
}

#[tokio::test]
async fn pkce_mismatch_is_an_error() {
    let emu = Emulator::start().await.unwrap();
    emu.approve_next_sign_in(MEGAN).unwrap();
    let mut browser = Browser::new();
    // Someone swapped the challenge: the app's verifier does not match it.
    browser.edit_url = Arc::new(|u: String| {
        let i = u.find("code_challenge=").unwrap() + "code_challenge=".len();
        let j = u[i..].find('&').map_or(u.len(), |j| i + j);
        format!("{}{}{}", &u[..i], "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", &u[j..])
    });
    let e = me(&client(&emu, credential(&emu, &browser))).await.unwrap_err();
    assert_eq!(e.code(), Some("invalid_grant"), "{e}");
    assert!(e.message().contains("AADSTS501481"), "{e}");
}

#[tokio::test]
async fn refresh_rotation_and_invalid_grant() {
    let emu = Emulator::builder().token_lifetime(Duration::from_secs(60)).start().await.unwrap();
    emu.approve_next_sign_in(MEGAN).unwrap();
    let browser = Browser::new();
    let dir = temp_dir("rotation");
    let _ = std::fs::remove_dir_all(&dir);
    let cache = Arc::new(FileTokenCache::new(&dir));
    let cred = credential(&emu, &browser).with_cache(cache.clone());
    let read_rt = || {
        let f = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
        let v: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        v["refresh_token"].as_str().unwrap().to_string()
    };
    let s = scopes(&["User.Read"]);
    let t1 = cred.get_token(&TokenRequest::new(&s)).await.unwrap();
    let rt1 = read_rt();
    // The credential itself always refreshes (the client's access-token cache is not here).
    let t2 = cred.get_token(&TokenRequest::new(&s)).await.unwrap();
    assert_ne!(t1.token().expose(), t2.token().expose());
    let rt2 = read_rt();
    assert_ne!(rt1, rt2, "the new refresh token replaced the old one");
    assert_eq!(browser.opened(), 1);
    // Through a client: the cached access token expires (emulator clock and token lifetime),
    // the next request refreshes silently.
    let c = client(&emu, cred);
    assert_eq!(me(&c).await.unwrap()["id"], MEGAN);
    // Revoked: invalid_grant, an error that says to sign in again, and the cache is emptied.
    emu.revoke_refresh_tokens();
    let cred = credential(&emu, &browser).with_cache(cache.clone());
    let e = cred.get_token(&TokenRequest::new(&s)).await.unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Auth, Some("invalid_grant")));
    assert!(e.to_string().contains("sign in again"), "{e}");
    assert!(std::fs::read_dir(&dir).unwrap().next().is_none(), "the rejected refresh token is forgotten");
    // The next request signs in again.
    emu.approve_next_sign_in(MEGAN).unwrap();
    assert!(cred.get_token(&TokenRequest::new(&s)).await.is_ok());
    assert_eq!(browser.opened(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn incremental_scopes_sign_in_again_only_for_new_consent() {
    let emu = Emulator::start().await.unwrap();
    emu.approve_next_sign_in(MEGAN).unwrap();
    let browser = Browser::new();
    let cred = credential(&emu, &browser);
    cred.get_token(&TokenRequest::new(&scopes(&["User.Read"]))).await.unwrap();
    assert_eq!(browser.opened(), 1);
    // More scopes: the refresh token cannot give them (consent_required): a new sign-in for all.
    emu.approve_next_sign_in(MEGAN).unwrap();
    let t = cred.get_token(&TokenRequest::new(&scopes(&["Mail.Read"]))).await.unwrap();
    assert_eq!(browser.opened(), 2);
    let url = browser.urls.lock().unwrap()[1].clone();
    assert!(url.contains("User.Read") && url.contains("Mail.Read"), "{url}");
    assert!(scp(t.token().expose()).contains("Mail.Read"));
    // Both are consented now: silent for either.
    cred.get_token(&TokenRequest::new(&scopes(&["User.Read", "Mail.Read"]))).await.unwrap();
    cred.get_token(&TokenRequest::new(&scopes(&["User.Read"]))).await.unwrap();
    assert_eq!(browser.opened(), 2);
}

fn scp(jwt: &str) -> String {
    use base64::Engine as _;
    let p = jwt.split('.').nth(1).unwrap();
    let v: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
    v["scp"].as_str().unwrap_or("").to_string()
}

#[tokio::test]
async fn file_cache_second_run_is_silent() {
    let emu = Emulator::start().await.unwrap();
    let dir = temp_dir("second-run");
    let _ = std::fs::remove_dir_all(&dir);
    emu.approve_next_sign_in(LEE).unwrap();
    let browser = Browser::new();
    {
        let run1 = credential(&emu, &browser).with_cache(Arc::new(FileTokenCache::new(&dir)));
        assert_eq!(me(&client(&emu, run1)).await.unwrap()["id"], LEE);
    }
    // "Second run": a new credential, a new client, the same directory.
    let run2 = credential(&emu, &browser).with_cache(Arc::new(FileTokenCache::new(&dir)));
    assert_eq!(me(&client(&emu, run2)).await.unwrap()["id"], LEE);
    assert_eq!(browser.opened(), 1, "signed in silently with the refresh token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap();
            assert_eq!(f.metadata().unwrap().permissions().mode() & 0o777, 0o600);
            assert!(!f.file_name().to_string_lossy().contains(".tmp"));
        }
    }
    // Corrupt file: treated as empty, a new sign-in, which repairs it.
    for f in std::fs::read_dir(&dir).unwrap() {
        std::fs::write(f.unwrap().path(), b"{\"version\":1,\"refresh_tok").unwrap();
    }
    emu.approve_next_sign_in(LEE).unwrap();
    let run3 = credential(&emu, &browser).with_cache(Arc::new(FileTokenCache::new(&dir)));
    assert_eq!(me(&client(&emu, run3)).await.unwrap()["id"], LEE);
    assert_eq!(browser.opened(), 2);
    let run4 = credential(&emu, &browser).with_cache(Arc::new(FileTokenCache::new(&dir)));
    assert_eq!(me(&client(&emu, run4)).await.unwrap()["id"], LEE);
    assert_eq!(browser.opened(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn device_code_uses_the_cache_too() {
    let emu = Arc::new(Emulator::builder().device_code_interval(Duration::from_secs(1)).start().await.unwrap());
    let dir = temp_dir("device");
    let _ = std::fs::remove_dir_all(&dir);
    let shown = Arc::new(AtomicUsize::new(0));
    let make = || {
        let e = emu.clone();
        let shown = shown.clone();
        DeviceCodeCredential::new(emu.tenant_id().to_string(), emu.app().client_id.clone(), move |info| {
            shown.fetch_add(1, Ordering::SeqCst);
            e.approve_device_code(&info.user_code, LEE).unwrap();
        })
        .with_authority_host(emu.login_base_url())
        .with_cache(Arc::new(FileTokenCache::new(&dir)))
    };
    assert_eq!(me(&client(&emu, make())).await.unwrap()["id"], LEE);
    assert_eq!(me(&client(&emu, make())).await.unwrap()["id"], LEE);
    assert_eq!(shown.load(Ordering::SeqCst), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn on_behalf_of_with_a_secret() {
    let emu = Emulator::start().await.unwrap();
    let app = emu.app().clone();
    // The token the web API received from its caller.
    let incoming = emu.issue_token_with(TokenSpec::user(LEE)).unwrap();
    let obo = OnBehalfOfCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str(), incoming)
        .with_authority_host(emu.login_base_url());
    assert!(!format!("{obo:?}").contains(&app.client_secret));
    assert_eq!(me(&client(&emu, obo)).await.unwrap()["id"], LEE);
    let form = emu.requests().into_iter().find(|r| r.target.ends_with("/token")).unwrap();
    assert_eq!(form.status, 200);
    // An app-only token is not a user assertion.
    let obo = OnBehalfOfCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str(), emu.issue_token())
        .with_authority_host(emu.login_base_url());
    let e = me(&client(&emu, obo)).await.unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Auth, Some("invalid_grant")));
}

#[cfg(feature = "certificate")]
#[tokio::test]
async fn on_behalf_of_with_a_certificate() {
    use msgraph_core::auth::ClientCertificateCredential;
    const CERT: &[u8] = include_bytes!("../../msgraph-emulator/tests/fixtures/test-only-cert.der");
    const KEY: &[u8] = include_bytes!("../../msgraph-emulator/tests/fixtures/test-only-key.pk8.der");
    let emu = Emulator::start().await.unwrap();
    let app = emu.app().clone();
    emu.register_certificate(&app.client_id, CERT).unwrap();
    let cert = ClientCertificateCredential::from_der(&app.tenant_id, &app.client_id, CERT, KEY)
        .unwrap()
        .with_authority_host(emu.login_base_url());
    let incoming = emu.issue_token_with(TokenSpec::user(MEGAN)).unwrap();
    let obo = OnBehalfOfCredential::with_certificate(cert, incoming);
    assert_eq!(me(&client(&emu, obo)).await.unwrap()["id"], MEGAN);
}

const CLAIMS: &str = r#"{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}"#;

#[tokio::test]
async fn claims_challenge_with_authorization_code() {
    let emu = Emulator::start().await.unwrap();
    emu.approve_next_sign_in(MEGAN).unwrap();
    let browser = Browser::new();
    let c = client(&emu, credential(&emu, &browser));
    assert_eq!(me(&c).await.unwrap()["id"], MEGAN);
    emu.require_claims(Some(CLAIMS));
    // One 401 with the challenge, one refresh with the claims, one retry: no new sign-in.
    assert_eq!(me(&c).await.unwrap()["id"], MEGAN);
    assert_eq!(browser.opened(), 1);
    let graph: Vec<u16> =
        emu.requests().iter().filter(|r| r.target.starts_with("/v1.0/me")).map(|r| r.status).collect();
    assert_eq!(graph, [200, 401, 200]);
}

#[tokio::test]
async fn claims_challenge_with_on_behalf_of() {
    let emu = Emulator::start().await.unwrap();
    let app = emu.app().clone();
    let incoming = emu.issue_token_with(TokenSpec::user(LEE)).unwrap();
    let obo = OnBehalfOfCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str(), incoming)
        .with_authority_host(emu.login_base_url());
    emu.require_claims(Some(CLAIMS));
    let c = client(&emu, obo);
    assert_eq!(me(&c).await.unwrap()["id"], LEE);
    let graph: Vec<u16> =
        emu.requests().iter().filter(|r| r.target.starts_with("/v1.0/me")).map(|r| r.status).collect();
    assert_eq!(graph, [401, 200], "handled once");
}

#[tokio::test]
async fn me_with_an_app_only_token_is_bad_request() {
    let emu = Emulator::start().await.unwrap();
    let app = emu.app().clone();
    let cred =
        msgraph_core::auth::ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
            .with_authority_host(emu.login_base_url());
    let e = me(&client(&emu, cred)).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(400), Some("BadRequest")));
    assert_eq!(e.message(), "/me request is only valid with delegated authentication flow.");
}

#[tokio::test]
async fn claims_challenge_with_a_client_secret() {
    let emu = Emulator::start().await.unwrap();
    let app = emu.app().clone();
    let cred =
        msgraph_core::auth::ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
            .with_authority_host(emu.login_base_url());
    let c = client(&emu, cred);
    c.get::<Value>(&["users"]).send().await.unwrap();
    emu.require_claims(Some(CLAIMS));
    c.get::<Value>(&["users"]).send().await.unwrap();
    let graph: Vec<u16> =
        emu.requests().iter().filter(|r| r.target.starts_with("/v1.0/users")).map(|r| r.status).collect();
    assert_eq!(graph, [200, 401, 200]);
}
