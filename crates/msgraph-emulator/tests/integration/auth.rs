//! Item 4: the token endpoint (secret, certificate assertion, device code, refresh) and token
//! validation on Graph endpoints.
use super::common::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use msgraph_emulator::{Emulator, TokenSpec, Violation};
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;

const CERT: &[u8] = include_bytes!("../fixtures/test-only-cert.der");
const KEY: &[u8] = include_bytes!("../fixtures/test-only-key.pk8.der");
const OTHER_CERT: &[u8] = include_bytes!("../fixtures/other-test-only-cert.der");
const OTHER_KEY: &[u8] = include_bytes!("../fixtures/other-test-only-key.pk8.der");

async fn token_req(t: &T, url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = t.http.post(url).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

fn aad_code(v: &Value) -> u64 {
    assert!(v["error"].is_string() && v["trace_id"].is_string() && v["correlation_id"].is_string(), "{v}");
    assert!(v["error_description"].as_str().unwrap().starts_with("AADSTS"), "{v}");
    v["error_codes"][0].as_u64().unwrap()
}

#[tokio::test]
async fn client_secret_flow() {
    let t = T::new().await;
    let app = t.emu.app().clone();
    let url = t.emu.token_url();
    let base = [
        ("grant_type", "client_credentials"),
        ("client_id", app.client_id.as_str()),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let mut ok = base.to_vec();
    ok.push(("client_secret", &app.client_secret));
    let (status, v) = token_req(&t, &url, &ok).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3599);
    assert_eq!(v["ext_expires_in"], 3599);
    let token = v["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(claims["appid"], app.client_id.as_str());
    assert_eq!(claims["tid"], app.tenant_id.as_str());
    assert_eq!(claims["aud"], "https://graph.microsoft.com");
    let r = t.http.get(t.url("/users")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // An app-only token has no "me".
    let r = t.http.get(t.url("/me")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // Also through the tenant's domain name.
    let by_domain = url.replace(&app.tenant_id, "contoso.onmicrosoft.com");
    assert_eq!(token_req(&t, &by_domain, &ok).await.0, 200);

    let mut wrong = base.to_vec();
    wrong.push(("client_secret", "nope"));
    let (status, v) = token_req(&t, &url, &wrong).await;
    assert_eq!((status, v["error"].as_str()), (401, Some("invalid_client")));
    assert_eq!(aad_code(&v), 7000215);
    let (status, v) = token_req(&t, &url, &base).await;
    assert_eq!((status, aad_code(&v)), (401, 7000216));
    let mut unknown = ok.clone();
    unknown[1] = ("client_id", "11111111-1111-1111-1111-111111111111");
    let (status, v) = token_req(&t, &url, &unknown).await;
    assert_eq!((status, v["error"].as_str(), aad_code(&v)), (400, Some("unauthorized_client"), 700016));
    let mut bad_scope = ok.clone();
    bad_scope[2] = ("scope", "User.Read");
    let (status, v) = token_req(&t, &url, &bad_scope).await;
    assert_eq!((status, v["error"].as_str(), aad_code(&v)), (400, Some("invalid_scope"), 1002012));
    let mut other_resource = ok.clone();
    other_resource[2] = ("scope", "https://vault.azure.net/.default");
    assert_eq!(token_req(&t, &url, &other_resource).await.1["error"], "invalid_resource");
    let (status, v) = token_req(&t, &url, &[("client_id", app.client_id.as_str())]).await;
    assert_eq!((status, aad_code(&v)), (400, 900144));
    let (_, v) = token_req(&t, &url, &[("grant_type", "password")]).await;
    assert_eq!(v["error"], "unsupported_grant_type");
    let (status, v) = token_req(&t, &url.replace(&app.tenant_id, "other-tenant"), &ok).await;
    assert_eq!((status, aad_code(&v)), (400, 90002));
    // JSON instead of a form.
    let r = t.http.post(&url).json(&json!({"grant_type": "client_credentials"})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // GET is not allowed.
    assert_eq!(t.http.get(&url).send().await.unwrap().status().as_u16(), 405);
    // Token requests are logged with their client id.
    assert!(t
        .emu
        .requests()
        .iter()
        .any(|r| r.target.ends_with("/oauth2/v2.0/token") && r.client_id.as_deref() == Some(app.client_id.as_str())));
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

struct Assertion {
    alg: &'static str,
    header: Value,
    claims: Value,
    key: &'static [u8],
}

impl Assertion {
    fn new(emu: &Emulator) -> Self {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let id = emu.app().client_id.clone();
        Assertion {
            alg: "RS256",
            header: json!({"alg": "RS256", "typ": "JWT", "x5t#S256": URL_SAFE_NO_PAD.encode(Sha256::digest(CERT))}),
            claims: json!({"aud": emu.token_url(), "iss": id, "sub": id, "jti": format!("{now}-{}", rand_suffix()), "nbf": now, "exp": now + 600}),
            key: KEY,
        }
    }

    fn sign(&self) -> String {
        let input = format!("{}.{}", b64(&self.header), b64(&self.claims));
        let key = rsa::RsaPrivateKey::from_pkcs8_der(self.key).unwrap();
        let sig = if self.alg == "RS256" {
            rsa::pkcs1v15::SigningKey::<Sha256>::new(key).sign(input.as_bytes()).to_vec()
        } else {
            let mut rng = rand::thread_rng();
            rsa::pss::SigningKey::<Sha256>::new(key).sign_with_rng(&mut rng, input.as_bytes()).to_vec()
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

async fn assert_with(t: &T, jwt: &str) -> (u16, Value) {
    let id = t.emu.app().client_id.clone();
    token_req(
        t,
        &t.emu.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("scope", "https://graph.microsoft.com/.default"),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", jwt),
        ],
    )
    .await
}

#[tokio::test]
async fn certificate_flow() {
    let t = T::new().await;
    let thumb = t.emu.register_certificate(&t.emu.app().client_id, CERT).unwrap();
    assert_eq!(thumb, URL_SAFE_NO_PAD.encode(Sha256::digest(CERT)));
    assert!(t.emu.register_certificate("nope", CERT).is_err());
    assert!(t.emu.register_certificate(&t.emu.app().client_id, b"not a cert").is_err());

    let a = Assertion::new(&t.emu);
    let jwt = a.sign();
    let (status, v) = assert_with(&t, &jwt).await;
    assert_eq!(status, 200, "{v}");
    let r = t.http.get(t.url("/users")).bearer_auth(v["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Replay of the same assertion (same jti).
    let (status, v) = assert_with(&t, &jwt).await;
    assert_eq!(status, 400, "{v}");
    assert!(v["error_description"].as_str().unwrap().contains("jti"));

    // PS256 works too.
    let mut a = Assertion::new(&t.emu);
    a.alg = "PS256";
    a.header["alg"] = json!("PS256");
    assert_eq!(assert_with(&t, &a.sign()).await.0, 200);

    // Wrong audience.
    let mut a = Assertion::new(&t.emu);
    a.claims["aud"] = json!("https://login.microsoftonline.com/x/oauth2/v2.0/token");
    let (status, v) = assert_with(&t, &a.sign()).await;
    assert_eq!(status, 400);
    assert!(v["error_description"].as_str().unwrap().contains("'aud'"), "{v}");
    // Expired, and not yet valid.
    let mut a = Assertion::new(&t.emu);
    a.claims["exp"] = json!(a.claims["nbf"].as_i64().unwrap() - 3600);
    let (status, v) = assert_with(&t, &a.sign()).await;
    assert_eq!((status, aad_code(&v)), (401, 700024));
    let mut a = Assertion::new(&t.emu);
    a.claims["nbf"] = json!(a.claims["nbf"].as_i64().unwrap() + 3600);
    assert_eq!(aad_code(&assert_with(&t, &a.sign()).await.1), 700024);
    // iss / sub must be the client id.
    let mut a = Assertion::new(&t.emu);
    a.claims["iss"] = json!("someone-else");
    assert_eq!(aad_code(&assert_with(&t, &a.sign()).await.1), 700021);
    let mut a = Assertion::new(&t.emu);
    a.claims["sub"] = json!("someone-else");
    assert_eq!(aad_code(&assert_with(&t, &a.sign()).await.1), 700021);
    // Thumbprint of an unregistered certificate.
    let mut a = Assertion::new(&t.emu);
    a.header["x5t#S256"] = json!(URL_SAFE_NO_PAD.encode(Sha256::digest(OTHER_CERT)));
    a.key = OTHER_KEY;
    let (status, v) = assert_with(&t, &a.sign()).await;
    assert_eq!((status, aad_code(&v)), (401, 700027));
    assert!(v["error_description"].as_str().unwrap().contains("key was not found"));
    // Registered thumbprint, but signed by another key.
    let mut a = Assertion::new(&t.emu);
    a.key = OTHER_KEY;
    let (status, v) = assert_with(&t, &a.sign()).await;
    assert_eq!((status, aad_code(&v)), (401, 700027));
    assert!(v["error_description"].as_str().unwrap().contains("signature"));
    // No thumbprint header.
    let mut a = Assertion::new(&t.emu);
    a.header.as_object_mut().unwrap().remove("x5t#S256");
    assert_eq!(assert_with(&t, &a.sign()).await.0, 400);
    // Legacy x5t (SHA-1) is accepted.
    let mut a = Assertion::new(&t.emu);
    a.header.as_object_mut().unwrap().remove("x5t#S256");
    a.header["x5t"] = json!(URL_SAFE_NO_PAD.encode(<sha1::Sha1 as Digest>::digest(CERT)));
    assert_eq!(assert_with(&t, &a.sign()).await.0, 200);
    // HS256 is refused; garbage is refused.
    let mut a = Assertion::new(&t.emu);
    a.header["alg"] = json!("HS256");
    assert_eq!(assert_with(&t, &a.sign()).await.0, 400);
    assert_eq!(aad_code(&assert_with(&t, "not.a.jwt").await.1), 50027);
    // Certificates can also come from the seed (base64 DER).
    let doc = format!(
        r#"{{"tenant": {{"id": "t2", "domains": ["x.com"]}}, "apps": [{{"clientId": "c2", "certificates": ["{}"]}}]}}"#,
        base64::engine::general_purpose::STANDARD.encode(CERT)
    );
    let t2 = T::with(Emulator::builder().seed_data(msgraph_emulator::SeedData::from_json(&doc).unwrap())).await;
    assert_eq!(assert_with(&t2, &Assertion::new(&t2.emu).sign()).await.0, 200);
}

#[tokio::test]
async fn device_code_flow() {
    let t = T::with(Emulator::builder().device_code_interval(Duration::from_secs(1))).await;
    let id = t.emu.app().client_id.clone();
    let dc_url = t.emu.device_code_url();
    let (status, dc) = token_req(
        &t,
        &dc_url,
        &[("client_id", &id), ("scope", "https://graph.microsoft.com/User.Read offline_access openid")],
    )
    .await;
    assert_eq!(status, 200, "{dc}");
    let user_code = dc["user_code"].as_str().unwrap().to_string();
    let device_code = dc["device_code"].as_str().unwrap().to_string();
    assert_eq!(dc["interval"], 1);
    assert_eq!(dc["expires_in"], 900);
    assert!(dc["message"].as_str().unwrap().contains(&user_code));
    assert!(dc["verification_uri"].as_str().unwrap().ends_with("/devicelogin"));
    assert_eq!(t.emu.pending_device_codes(), vec![user_code.clone()]);
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", id.as_str()),
        ("device_code", device_code.as_str()),
    ];
    let (status, v) = token_req(&t, &t.emu.token_url(), &poll).await;
    assert_eq!((status, v["error"].as_str()), (400, Some("authorization_pending")));
    // Polling again at once: slow_down, and the guard notes it.
    let (_, v) = token_req(&t, &t.emu.token_url(), &poll).await;
    assert_eq!(v["error"], "slow_down");
    assert!(matches!(t.emu.violations().as_slice(), [Violation::DeviceCodePolledTooFast { .. }]));
    t.emu.clear_violations();
    // Approve as Megan; the next poll (after the increased interval) returns tokens for her.
    assert!(t.emu.approve_device_code("WRONGCODE", "MeganB@contoso.onmicrosoft.com").is_err());
    assert!(t.emu.approve_device_code(&user_code, "nobody@contoso.onmicrosoft.com").is_err());
    t.emu.approve_device_code(&user_code, "MeganB@contoso.onmicrosoft.com").unwrap();
    t.emu.advance_clock(Duration::from_secs(7)); // past the slowed-down interval (1 s + 5 s)
    let (status, v) = token_req(&t, &t.emu.token_url(), &poll).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["scope"], "User.Read");
    assert!(v["refresh_token"].is_string() && v["id_token"].is_string());
    let token = v["access_token"].as_str().unwrap().to_string();
    let me: Value = t.http.get(t.url("/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["id"], MEGAN, "/me is the user who approved");
    // Redeemed codes cannot be reused.
    t.emu.advance_clock(Duration::from_secs(10));
    assert_eq!(token_req(&t, &t.emu.token_url(), &poll).await.1["error"], "invalid_grant");
    // Refresh token: new tokens, rotated.
    let rt = v["refresh_token"].as_str().unwrap().to_string();
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", id.as_str()),
        ("refresh_token", rt.as_str()),
        ("scope", "User.Read offline_access"),
    ];
    let (status, v2) = token_req(&t, &t.emu.token_url(), &refresh).await;
    assert_eq!(status, 200, "{v2}");
    assert_ne!(v2["refresh_token"], v["refresh_token"]);
    assert_eq!(token_req(&t, &t.emu.token_url(), &refresh).await.1["error"], "invalid_grant");

    // Declined.
    let (_, dc) = token_req(&t, &dc_url, &[("client_id", &id), ("scope", "User.Read")]).await;
    t.emu.decline_device_code(dc["user_code"].as_str().unwrap()).unwrap();
    let poll2 = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", id.as_str()),
        ("device_code", dc["device_code"].as_str().unwrap()),
    ];
    assert_eq!(token_req(&t, &t.emu.token_url(), &poll2).await.1["error"], "authorization_declined");
    // Expired.
    let (_, dc) = token_req(&t, &dc_url, &[("client_id", &id), ("scope", "User.Read")]).await;
    t.emu.advance_clock(Duration::from_secs(901));
    let poll3 = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", id.as_str()),
        ("device_code", dc["device_code"].as_str().unwrap()),
    ];
    assert_eq!(token_req(&t, &t.emu.token_url(), &poll3).await.1["error"], "expired_token");
    assert!(t.emu.pending_device_codes().is_empty());
    // The device login page approves too.
    let (_, dc) = token_req(&t, &dc_url, &[("client_id", &id), ("scope", "User.Read")]).await;
    let code = dc["user_code"].as_str().unwrap();
    let page =
        t.http.get(format!("{}/devicelogin", t.emu.login_base_url())).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(code));
    let r = t
        .http
        .post(format!("{}/devicelogin", t.emu.login_base_url()))
        .form(&[("user_code", code), ("user", "LeeG@contoso.onmicrosoft.com"), ("action", "approve")])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Done"));
    t.emu.advance_clock(Duration::from_secs(10));
    let poll4 = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", id.as_str()),
        ("device_code", dc["device_code"].as_str().unwrap()),
    ];
    let (status, v) = token_req(&t, &t.emu.token_url(), &poll4).await;
    assert_eq!(status, 200, "{v}");
    let me: Value = t
        .http
        .get(t.url("/me"))
        .bearer_auth(v["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], LEE);
    t.emu.assert_no_violations();
}

#[tokio::test]
async fn graph_rejects_bad_tokens() {
    let t = T::with(Emulator::builder().token_lifetime(Duration::from_secs(60))).await;
    let check = |r: reqwest::Response| async move {
        assert_eq!(r.status().as_u16(), 401);
        let www = r.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(www.starts_with("Bearer "), "{www}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");
        v["error"]["message"].as_str().unwrap().to_string()
    };
    let url = t.url("/me");
    assert_eq!(check(t.http.get(&url).send().await.unwrap()).await, "Access token is empty.");
    check(t.http.get(&url).bearer_auth("garbage").send().await.unwrap()).await;
    check(t.http.get(&url).header("authorization", "Basic abc").send().await.unwrap()).await;
    // A token from another emulator (other secret) is rejected.
    let other = Emulator::builder().seed(99).start().await.unwrap();
    check(t.http.get(&url).bearer_auth(other.issue_token()).send().await.unwrap()).await;
    // Tampered payload.
    let tok = t.emu.issue_token_with(TokenSpec::user(LEE)).unwrap();
    let mut parts: Vec<String> = tok.split('.').map(String::from).collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["appid"] = json!("evil");
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    check(t.http.get(&url).bearer_auth(parts.join(".")).send().await.unwrap()).await;
    assert!(t.emu.violations().is_empty());
    // Expired: the configured lifetime passes (emulator clock), 401 + a violation.
    let tok = t.emu.issue_token_with(TokenSpec::user(LEE)).unwrap();
    assert_eq!(t.http.get(&url).bearer_auth(&tok).send().await.unwrap().status().as_u16(), 200);
    t.emu.advance_clock(Duration::from_secs(61));
    let msg = check(t.http.get(&url).bearer_auth(&tok).send().await.unwrap()).await;
    assert!(msg.contains("expired"), "{msg}");
    assert!(matches!(&t.emu.violations()[..], [Violation::ExpiredTokenUsed { url, .. }] if url == "/v1.0/me"));
    // Explicitly expired tokens and delegated tokens from the API.
    let expired = t.emu.issue_token_with(TokenSpec::user(LEE).expired(Duration::from_secs(5))).unwrap();
    check(t.http.get(&url).bearer_auth(expired).send().await.unwrap()).await;
    let lee = t.emu.issue_token_with(TokenSpec::user("LeeG@contoso.onmicrosoft.com")).unwrap();
    let me: Value = t.http.get(&url).bearer_auth(lee).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["id"], LEE);
    assert!(t.emu.issue_token_with(TokenSpec::user("ghost")).is_err());
    assert!(t.emu.issue_token_with(TokenSpec::app().client_id("ghost")).is_err());
    // Requests without a token are logged as such.
    assert!(t.emu.requests().iter().any(|r| !r.authorization && r.status == 401));
}
