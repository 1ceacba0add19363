//! Delegated sign-in on the emulator: `/me` needs a user, the authorization code flow with
//! PKCE, refresh-token rotation and consent, on-behalf-of, claims challenges.
use super::common::*;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use msgraph_emulator::{Emulator, TokenSpec};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

const REDIRECT: &str = "http://127.0.0.1:53682/";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn authorize_url(emu: &Emulator, scope: &str, state: &str, challenge: Option<&str>) -> String {
    let mut q = vec![
        ("client_id", emu.app().client_id.clone()),
        ("response_type", "code".into()),
        ("redirect_uri", REDIRECT.into()),
        ("scope", scope.into()),
        ("state", state.into()),
    ];
    if let Some(c) = challenge {
        q.push(("code_challenge", c.into()));
        q.push(("code_challenge_method", "S256".into()));
    }
    let query: String = url_encode(&q);
    format!("{}?{query}", emu.authorize_url())
}

fn url_encode(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&")
}

/// GETs the authorize URL and returns the query of the redirect.
async fn sign_in(url: &str) -> HashMap<String, String> {
    let r = no_redirects().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302, "{}", r.text().await.unwrap());
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(REDIRECT), "{loc}");
    let q = loc.split_once('?').unwrap().1;
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

async fn redeem(t: &T, code: &str, verifier: Option<&str>) -> (u16, Value) {
    let id = t.emu.app().client_id.clone();
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", id.as_str()),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    let r = t.http.post(t.emu.token_url()).form(&form).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn aadsts(v: &Value) -> u64 {
    v["error_codes"][0].as_u64().unwrap_or(0)
}

async fn me_with(t: &T, token: &str) -> (u16, Value) {
    let r = t.http.get(t.url("/me")).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn me_with_an_app_only_token_is_bad_request() {
    let t = T::new().await;
    let app_token = t.emu.issue_token();
    for path in ["/me", "/me/authentication/methods", "/me/displayName"] {
        let r = t.http.get(t.url(path)).bearer_auth(&app_token).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 400, "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "BadRequest");
        assert_eq!(v["error"]["message"], "/me request is only valid with delegated authentication flow.");
    }
    // Inside $batch too.
    let body = serde_json::json!({"requests": [{"id": "1", "method": "GET", "url": "/me"}]});
    let r = t.http.post(t.url("/$batch")).bearer_auth(&app_token).json(&body).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["responses"][0]["status"], 400);
    // A delegated token is the user.
    let lee = t.emu.issue_token_with(TokenSpec::user(LEE)).unwrap();
    assert_eq!(me_with(&t, &lee).await.1["id"], LEE);
}

#[tokio::test]
async fn authorization_code_with_pkce() {
    let t = T::new().await;
    t.emu.approve_next_sign_in(MEGAN).unwrap();
    let q = sign_in(&authorize_url(&t.emu, "User.Read offline_access", "xyz", Some(&challenge(VERIFIER)))).await;
    assert_eq!(q["state"], "xyz");
    let code = &q["code"];
    let (status, v) = redeem(&t, code, Some(VERIFIER)).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["refresh_token"].is_string(), "offline_access gives a refresh token");
    assert_eq!(me_with(&t, v["access_token"].as_str().unwrap()).await.1["id"], MEGAN);
    // Single use.
    let (status, v) = redeem(&t, code, Some(VERIFIER)).await;
    assert_eq!((status, v["error"].as_str(), aadsts(&v)), (400, Some("invalid_grant"), 54005));
}

#[tokio::test]
async fn pkce_mismatch_missing_verifier_and_expiry() {
    let t = T::new().await;
    let url = authorize_url(&t.emu, "User.Read", "s", Some(&challenge(VERIFIER)));
    t.emu.approve_next_sign_in(MEGAN).unwrap();
    let code = sign_in(&url).await["code"].clone();
    let (status, v) = redeem(&t, &code, Some("another-verifier-another-verifier-another-12")).await;
    assert_eq!((status, aadsts(&v)), (400, 501481), "{v}");
    let (status, v) = redeem(&t, &code, None).await;
    assert_eq!((status, aadsts(&v)), (400, 501481), "{v}");
    // Expired after 10 minutes.
    t.emu.approve_next_sign_in(MEGAN).unwrap();
    let code = sign_in(&url).await["code"].clone();
    t.emu.advance_clock(Duration::from_secs(601));
    let (status, v) = redeem(&t, &code, Some(VERIFIER)).await;
    assert_eq!((status, aadsts(&v)), (400, 70008), "{v}");
}

#[tokio::test]
async fn declined_unapproved_and_login_hint() {
    let t = T::new().await;
    let url = authorize_url(&t.emu, "User.Read", "s1", None);
    t.emu.decline_next_sign_in();
    let q = sign_in(&url).await;
    assert_eq!((q["error"].as_str(), q["state"].as_str()), ("access_denied", "s1"));
    let q = sign_in(&url).await;
    assert_eq!(q["error"], "interaction_required");
    let q = sign_in(&format!("{url}&login_hint=LeeG%40contoso.onmicrosoft.com")).await;
    let (status, v) = redeem(&t, &q["code"], None).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(me_with(&t, v["access_token"].as_str().unwrap()).await.1["id"], LEE);
    // A non-loopback redirect URI is an error page, not a redirect.
    let bad = url.replace("http%3A%2F%2F127%2E0%2E0%2E1%3A53682%2F", "https%3A%2F%2Fevil%2Eexample%2F");
    assert_ne!(bad, url);
    let r = no_redirects().get(&bad).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn refresh_rotates_and_consent_is_incremental() {
    let t = T::new().await;
    t.emu.approve_next_sign_in(MEGAN).unwrap();
    let q = sign_in(&authorize_url(&t.emu, "User.Read offline_access", "s", None)).await;
    let (_, v) = redeem(&t, &q["code"], None).await;
    let r1 = v["refresh_token"].as_str().unwrap().to_string();
    let id = t.emu.app().client_id.clone();
    let refresh = |rt: String, scope: &'static str| {
        let t = &t;
        let id = id.clone();
        async move {
            let form = [
                ("grant_type", "refresh_token"),
                ("client_id", id.as_str()),
                ("refresh_token", rt.as_str()),
                ("scope", scope),
            ];
            let r = t.http.post(t.emu.token_url()).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, v) = refresh(r1.clone(), "User.Read").await;
    assert_eq!(status, 200, "{v}");
    let r2 = v["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2, "rotated");
    let (status, v) = refresh(r1, "User.Read").await;
    assert_eq!((status, v["error"].as_str()), (400, Some("invalid_grant")), "the old one is spent");
    // Scopes not consented to: consent_required, and the refresh token stays valid.
    let (status, v) = refresh(r2.clone(), "Mail.Read").await;
    assert_eq!((status, aadsts(&v), v["suberror"].as_str()), (400, 65001, Some("consent_required")), "{v}");
    let (status, _) = refresh(r2.clone(), "User.Read").await;
    assert_eq!(status, 200);
    // Revoked sessions.
    t.emu.revoke_refresh_tokens();
    let (status, v) = refresh(r2, "User.Read").await;
    assert_eq!((status, v["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn on_behalf_of() {
    let t = T::new().await;
    let app = t.emu.app().clone();
    let user_token = t.emu.issue_token_with(TokenSpec::user(LEE)).unwrap();
    let obo = |assertion: String, secret: String| {
        let t = &t;
        let id = app.client_id.clone();
        async move {
            let form = [
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
                ("assertion", assertion.as_str()),
                ("scope", "https://graph.microsoft.com/User.Read"),
                ("requested_token_use", "on_behalf_of"),
            ];
            let r = t.http.post(t.emu.token_url()).form(&form).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, v) = obo(user_token.clone(), app.client_secret.clone()).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(me_with(&t, v["access_token"].as_str().unwrap()).await.1["id"], LEE);
    let (status, v) = obo(user_token, "wrong".into()).await;
    assert_eq!((status, v["error"].as_str()), (401, Some("invalid_client")));
    let (status, v) = obo(t.emu.issue_token(), app.client_secret.clone()).await;
    assert_eq!((status, v["error"].as_str()), (400, Some("invalid_grant")), "an app-only assertion");
    let expired = t.emu.issue_token_with(TokenSpec::user(LEE).expired(Duration::from_secs(5))).unwrap();
    let (status, v) = obo(expired, app.client_secret.clone()).await;
    assert_eq!((status, aadsts(&v)), (400, 500133));
}

#[tokio::test]
async fn claims_challenge() {
    let t = T::new().await;
    let claims = r#"{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}"#;
    t.emu.require_claims(Some(claims));
    let lee = t.emu.issue_token_with(TokenSpec::user(LEE)).unwrap();
    let r = t.http.get(t.url("/me")).bearer_auth(&lee).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let www = r.headers()["www-authenticate"].to_str().unwrap().to_string();
    assert!(www.contains(r#"error="insufficient_claims""#), "{www}");
    assert!(www.contains(&format!(r#"claims="{}""#, STANDARD.encode(claims))), "{www}");
    // A token issued for the claims passes.
    let app = t.emu.app().clone();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
        ("scope", "https://graph.microsoft.com/.default"),
        ("claims", claims),
    ];
    let v: Value = t.http.post(t.emu.token_url()).form(&form).send().await.unwrap().json().await.unwrap();
    let r = t.http.get(t.url("/users")).bearer_auth(v["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    t.emu.require_claims(None);
    assert_eq!(me_with(&t, &lee).await.0, 200);
}

#[tokio::test]
async fn the_test_browser_follows_the_redirect_to_the_app() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = T::new().await;
    let app = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = app.local_addr().unwrap().port();
    let served = tokio::spawn(async move {
        let (mut s, _) = app.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).await.unwrap();
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await.unwrap();
        String::from_utf8_lossy(&buf[..n]).lines().next().unwrap().to_string()
    });
    t.emu.approve_next_sign_in(MEGAN).unwrap();
    let redirect = format!("http://127.0.0.1:{port}/");
    let url = authorize_url(&t.emu, "User.Read", "st", None).replace(
        &percent_encoding::utf8_percent_encode(REDIRECT, percent_encoding::NON_ALPHANUMERIC).to_string(),
        &percent_encoding::utf8_percent_encode(&redirect, percent_encoding::NON_ALPHANUMERIC).to_string(),
    );
    let visit = t.emu.browser().open(&url).await.unwrap();
    assert_eq!(visit.app_status, 200);
    assert!(visit.redirect.starts_with(&redirect) && visit.redirect.contains("state=st"), "{visit:?}");
    let line = served.await.unwrap();
    assert!(line.starts_with("GET /?code="), "{line}");
    // Only loopback addresses.
    assert!(t.emu.browser().open("http://example.com/").await.is_err());
}
