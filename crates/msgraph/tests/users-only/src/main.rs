//! A consumer that enables only the `users` API area of `msgraph`. Built and run on its own by
//! `.ci/run` (`cargo run -p msgraph-users-only`: inside `cargo test --workspace` the features of
//! all members are unified, so a separate invocation is where the reduced build is exercised). Exits
//! non-zero, naming the check, when something is wrong.

use msgraph::models::{AuthenticationMethodKind, PhoneAuthenticationMethod, User};
use msgraph::{GraphClient, Method};
use msgraph_core::auth::StaticTokenProvider;

fn check(ok: bool, what: &str, failures: &mut Vec<String>) {
    if !ok {
        failures.push(what.to_string());
    }
}

fn main() {
    let mut failures = Vec::new();

    // A user with navigation properties of areas that are compiled out (`messages` is mail,
    // `drive` is files): they decode into additional_data and survive a round trip.
    let json = r#"{"id":"u1","displayName":"Adele Vance","messages":[{"id":"m1","subject":"hi"}],"drive":{"id":"d1"},"authentication":{"id":"a1"}}"#;
    match msgraph::json::from_str::<User>(json) {
        Ok(user) => {
            check(user.display_name.as_deref() == Some("Adele Vance"), "displayName decodes", &mut failures);
            check(user.authentication.is_some(), "authentication (users area) is a typed field", &mut failures);
            check(user.additional_data.get("messages").is_some(), "messages kept in additional_data", &mut failures);
            check(user.additional_data.get("drive").is_some(), "drive kept in additional_data", &mut failures);
            let back = msgraph::json::to_string(&user);
            check(back.contains(r#""subject":"hi""#), "compiled-out property re-encoded", &mut failures);
        }
        Err(e) => failures.push(format!("user decodes: {e}")),
    }

    // Polymorphic authentication methods of the area are typed.
    let m = r##"{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"p1","phoneNumber":"+1 2065555555","phoneType":"mobile"}"##;
    match msgraph::json::from_str::<AuthenticationMethodKind>(m) {
        Ok(AuthenticationMethodKind::PhoneAuthenticationMethod(p)) => {
            check(p.phone_number.as_deref() == Some("+1 2065555555"), "phone number decodes", &mut failures)
        }
        Ok(other) => failures.push(format!("phone method decoded as {}", other.odata_type())),
        Err(e) => failures.push(format!("phone method decodes: {e}")),
    }

    // The area's builders and operations exist.
    match GraphClient::builder()
        .base_url("https://graph.microsoft.com/v1.0")
        .credential(StaticTokenProvider::new("test-token"))
        .build()
    {
        Ok(client) => {
            let phone = client.me().authentication().phone_methods().by_id("3179e48a-750b-4051-897c-87b9720928f7");
            let enable = phone.enable_sms_sign_in();
            check(enable.method() == Method::Post, "enableSmsSignIn is a POST", &mut failures);
            check(
                enable.url()
                    == "https://graph.microsoft.com/v1.0/me/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7/enableSmsSignIn",
                "enableSmsSignIn URL",
                &mut failures,
            );
            let body = PhoneAuthenticationMethod { phone_number: Some("+1 4255550100".into()), ..Default::default() };
            let create = client.users().by_id("adele@contoso.com").authentication().phone_methods().create(&body);
            check(create.method() == Method::Post, "create phone method is a POST", &mut failures);
        }
        Err(e) => failures.push(format!("client builds: {e}")),
    }

    if failures.is_empty() {
        println!("users-only consumer: all checks passed");
    } else {
        for f in &failures {
            eprintln!("FAILED: {f}");
        }
        std::process::exit(1);
    }
}
