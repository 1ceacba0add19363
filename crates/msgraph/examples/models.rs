//! Decodes a `/me/authentication/methods` page into typed models, prints what it found, and
//! builds a request body for a new mobile phone method with a validated phone number.
//!
//! Run: `cargo run -p msgraph --example models`

use msgraph::models::{
    AuthenticationMethodKind, AuthenticationMethodSignInState, AuthenticationPhoneType, PhoneAuthenticationMethod,
};
use msgraph::PhoneNumber;

const PAGE: &str = r##"{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('adele%40contoso.com')/authentication/methods",
  "value": [
    {"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "id": "3179e48a-750b-4051-897c-87b9720928f7",
     "phoneNumber": "+1 2065555555", "phoneType": "mobile", "smsSignInState": "ready"},
    {"@odata.type": "#microsoft.graph.passwordAuthenticationMethod", "id": "28c10230-6103-485e-b985-444c60001490",
     "password": null, "createdDateTime": "2021-03-24T04:28:06.8227543Z"},
    {"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "id": "-2_GRUg2-HYz6_1YG4YRAQ2",
     "displayName": "Red key", "model": "YubiKey 5 NFC", "aaGuid": "2fc0579f-8113-47ea-b116-bb5a8db9202a",
     "attestationCertificates": ["dbe793efdf1945e2df25d93653a1e8a3268a9075"], "attestationLevel": "attested",
     "createdDateTime": "2020-08-10T06:44:09Z"},
    {"@odata.type": "#microsoft.graph.quantumAuthenticationMethod", "id": "q-1", "qubits": 7}
  ]
}"##;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The page wrapper is plain JSON; each item is decoded by the typed, table-driven codec.
    let page: serde_json::Value = serde_json::from_str(PAGE)?;
    let items = page["value"].as_array().cloned().unwrap_or_default();
    for item in items {
        let method: AuthenticationMethodKind = msgraph::json::from_str(&item.to_string())?;
        match &method {
            AuthenticationMethodKind::PhoneAuthenticationMethod(p) => {
                let sms = matches!(p.sms_sign_in_state, Some(AuthenticationMethodSignInState::Ready));
                println!(
                    "phone  {:?} {:?} (SMS sign-in ready: {sms})",
                    p.phone_type.as_ref().map(|t| t.as_str()),
                    p.phone_number.as_deref()
                );
            }
            AuthenticationMethodKind::PasswordAuthenticationMethod(p) => {
                println!("password created {}", p.created_date_time.map(|t| t.to_string()).unwrap_or_default());
            }
            AuthenticationMethodKind::Fido2AuthenticationMethod(f) => {
                println!("fido2  {:?} ({:?})", f.display_name.as_deref(), f.model.as_deref());
            }
            other => {
                // Unknown derived types fall back to the base variant; nothing is lost.
                let m = other.as_model();
                println!(
                    "other  {} with {} unknown propert(ies): {}",
                    m.additional_data().odata_type().unwrap_or("?"),
                    m.additional_data().len(),
                    msgraph::json::to_string(&method)
                );
            }
        }
    }

    // A request body for POST /me/authentication/phoneMethods, with the number validated first.
    let number = PhoneNumber::parse("+1 4255550199")?;
    let new_method = PhoneAuthenticationMethod {
        phone_number: Some(number.into()),
        phone_type: Some(AuthenticationPhoneType::Mobile),
        ..Default::default()
    };
    println!("POST body: {}", msgraph::model::to_request_body(&new_method));

    match PhoneNumber::parse("+1 425-555-0199") {
        Ok(_) => println!("unexpectedly valid"),
        Err(e) => println!("rejected before sending: {e}"),
    }
    Ok(())
}
