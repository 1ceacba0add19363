//! Integration tests of the generated models and the table-driven codec, on real-looking
//! Microsoft Graph JSON: typed decoding, polymorphism through `…Kind` enums, lossless round trips
//! (unknown properties, annotations, explicit nulls, 7-digit fractions), enums and flags enums,
//! decode errors with JSON paths, PATCH/POST bodies, serde interop, Debug/PartialEq, phone
//! numbers and a large page.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::error::Error;
use std::time::Instant;

use msgraph::edm::{DateTimeOffset, Guid};
use msgraph::json::{self, DecodeError, Reader};
use msgraph::model::{self, AdditionalData, Codec, Flags, Model};
use msgraph::models::{
    AssignedLicense, AttestationLevel, AuthenticationFlow, AuthenticationMethodKind, AuthenticationMethodModes,
    AuthenticationMethodSignInState, AuthenticationPhoneType, AuthenticationStrengthRoot,
    ConditionalAccessTransferMethods, DirectoryObjectKind, EducationAssignmentResource, EducationLinkResource,
    EducationResourceKind, PasswordProfile, PhoneAuthenticationMethod, TimeOffRequest, User, UserKind,
};
use msgraph::{PhoneNumber, PhoneNumberError};
use serde_json::{json, Value};

type TestResult = Result<(), Box<dyn Error>>;

// ---- fixtures ---------------------------------------------------------------------------------

/// `GET /me/authentication/phoneMethods/{id}`, exactly as Graph documents it.
const PHONE: &str = r##"{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 2065555555","phoneType":"mobile","smsSignInState":"ready"}"##;

const PASSWORD: &str = r##"{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"28c10230-6103-485e-b985-444c60001490","password":null,"createdDateTime":"2021-03-24T04:28:06.8227543Z"}"##;

const FIDO2: &str = r##"{
    "@odata.type": "#microsoft.graph.fido2AuthenticationMethod",
    "id": "-2_GRUg2-KmQeuwi_QtGjA2",
    "displayName": "Red Key",
    "createdDateTime": "2020-08-10T06:44:09Z",
    "aaGuid": "2fc0579f-8113-47ea-b116-bb5a8db9202a",
    "model": "NFC Key",
    "attestationCertificates": ["dbe793efdf1945e2df25d93653a1e8a3268a9075", "c1f6b2a5e87d4b8f9e6a0d3c7b2e1f4a5d6c7b8e"],
    "attestationLevel": "attested"
}"##;

const AUTHENTICATOR: &str = r##"{
    "@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
    "id": "6d3b8e4e-3b9b-4a6a-9ad5-7b5e0a0c7a8f",
    "displayName": "iPhone 12 Pro",
    "deviceTag": "SoftwareTokenActivated",
    "phoneAppVersion": "6.2401.0119",
    "createdDateTime": "2023-01-18T20:31:52Z"
}"##;

/// A type this SDK version does not know: decodes as the base type, keeping everything.
const QUANTUM: &str = r##"{
    "@odata.type": "#microsoft.graph.quantumAuthenticationMethod",
    "id": "b0a1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",
    "createdDateTime": "2031-01-01T00:00:00.5Z",
    "entanglementId": "ent-42",
    "qubits": 128,
    "fidelity": 0.9987,
    "settings": {"mode": "superposition", "tags": ["a", "b"], "enabled": true, "backup": null}
}"##;

fn methods_page() -> String {
    format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users('adelev%40contoso.com')/authentication/methods","value":[{PHONE},{PASSWORD},{FIDO2},{AUTHENTICATOR},{QUANTUM}]}}"#
    )
}

/// `GET /users/{id}?$select=…&$expand=memberOf`, with the annotations and extension properties a
/// real tenant returns.
const USER: &str = r##"{
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,displayName,memberOf())/$entity",
    "@odata.etag": "W/\"JzEtVXNlciAgNDA0NDQwNDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQnJw==\"",
    "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
    "businessPhones": ["+1 425 555 0109", "+1 425 555 0110"],
    "displayName": "Adele Vance",
    "givenName": "Adele",
    "jobTitle": "Retail Manager",
    "mail": "AdeleV@contoso.com",
    "mobilePhone": null,
    "officeLocation": "18/2111",
    "preferredLanguage": "en-US",
    "surname": "Vance",
    "userPrincipalName": "AdeleV@contoso.com",
    "accountEnabled": true,
    "ageGroup": null,
    "assignedLicenses": [
        {"disabledPlans": ["a82fbf69-b4d7-49f4-83a6-915b2cf354f4"], "skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df"},
        {"disabledPlans": [], "skuId": "6fd2c87f-b296-42f0-b197-1e91e994b900"}
    ],
    "assignedPlans": [
        {"assignedDateTime": "2022-11-02T16:32:10Z", "capabilityStatus": "Enabled", "service": "exchange", "servicePlanId": "efb87545-963c-4e0d-99df-69c6916d9eb0"}
    ],
    "birthday": "0001-01-01T08:00:00Z",
    "city": "Redmond",
    "companyName": null,
    "country": "United States",
    "createdDateTime": "2019-08-19T19:51:16Z",
    "creationType": null,
    "department": "Retail",
    "deviceEnrollmentLimit": 5,
    "employeeHireDate": "2020-01-15T08:00:00Z",
    "employeeId": "1001",
    "employeeOrgData": {"division": "Retail", "costCenter": "CC-1234"},
    "employeeType": "Full-time",
    "identities": [
        {"signInType": "userPrincipalName", "issuer": "contoso.com", "issuerAssignedId": "AdeleV@contoso.com"},
        {"signInType": "federated", "issuer": "facebook.com", "issuerAssignedId": "5eecb0cd"}
    ],
    "lastPasswordChangeDateTime": "2023-06-01T17:05:41Z",
    "licenseAssignmentStates": [
        {"assignedByGroup": null, "disabledPlans": [], "error": "None", "lastUpdatedDateTime": "2023-06-01T17:05:41.1234567Z", "skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df", "state": "Active"}
    ],
    "mailNickname": "AdeleV",
    "onPremisesExtensionAttributes": {
        "extensionAttribute1": "Dept-4410", "extensionAttribute2": null, "extensionAttribute3": null,
        "extensionAttribute4": null, "extensionAttribute5": null, "extensionAttribute6": null,
        "extensionAttribute7": null, "extensionAttribute8": null, "extensionAttribute9": null,
        "extensionAttribute10": null, "extensionAttribute11": null, "extensionAttribute12": null,
        "extensionAttribute13": null, "extensionAttribute14": null, "extensionAttribute15": "Badge-7"
    },
    "onPremisesSyncEnabled": null,
    "passwordPolicies": "DisablePasswordExpiration",
    "passwordProfile": {"forceChangePasswordNextSignIn": false, "forceChangePasswordNextSignInWithMfa": false, "password": null},
    "postalCode": "98052",
    "proxyAddresses": ["SMTP:AdeleV@contoso.com", "smtp:adele@contoso.onmicrosoft.com"],
    "showInAddressList": true,
    "signInActivity": {"lastSignInDateTime": "2024-05-10T14:47:26Z", "lastSignInRequestId": "3a4b5c6d-0000-4000-8000-1234567890ab"},
    "state": "WA",
    "streetAddress": "205 108th Ave NE, Suite 400",
    "usageLocation": "US",
    "userType": "Member",
    "extension_9d2b1e0ac5f04d2d8f5a1c6e3b7d4f21_costCenter": "CC-1234",
    "manager@odata.navigationLink": "https://graph.microsoft.com/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/manager",
    "memberOf@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
    "memberOf": [
        {
            "@odata.type": "#microsoft.graph.group",
            "id": "02bd9fd6-8f93-4758-87c3-1fb73740a315",
            "createdDateTime": "2017-07-31T18:56:16Z",
            "description": "Welcome to the HR Taskforce team.",
            "displayName": "HR Taskforce",
            "groupTypes": ["Unified"],
            "mail": "HRTaskforce@contoso.com",
            "mailEnabled": true,
            "mailNickname": "HRTaskforce",
            "securityEnabled": false,
            "visibility": "Private",
            "resourceProvisioningOptions": ["Team"]
        },
        {
            "@odata.type": "#microsoft.graph.directoryRole",
            "id": "1e8e9f2f-4a30-4b5b-8f2a-e6e3a0b9c8d7",
            "deletedDateTime": null,
            "description": "Can read everything that a Global Administrator can, but not update anything.",
            "displayName": "Global Reader",
            "roleTemplateId": "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
        },
        {
            "@odata.type": "#microsoft.graph.someFutureDirectoryObject",
            "id": "9f0e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f",
            "futureProp": {"x": 1}
        }
    ]
}"##;

// ---- helpers ----------------------------------------------------------------------------------

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Codec output as a `serde_json::Value` (also checks the codec writes valid JSON).
fn encoded<T: Codec>(value: &T) -> Value {
    let text = json::to_string(value);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("codec wrote invalid JSON ({e}): {text}"))
}

/// `value` with `"@odata.type": "#{odata_type}"` added (what the codec writes for derived types
/// whose base is used polymorphically when the input had none).
fn with_odata_type(mut value: Value, odata_type: &str) -> Value {
    value.as_object_mut().unwrap().insert("@odata.type".into(), json!(format!("#{odata_type}")));
    value
}

/// A Graph collection page (`{"@odata.context":…,"@odata.nextLink":…,"value":[…]}`) walked with
/// the pull reader; errors inside `value` get `$.value[i]…` paths.
#[derive(Debug)]
struct Page<T> {
    context: Option<String>,
    next_link: Option<String>,
    value: Vec<T>,
}

/// A page decoded strictly (the error paths tested here are those of values that do not fit).
fn decode_page<T: Codec>(bytes: &[u8]) -> Result<Page<T>, DecodeError> {
    let mut r = Reader::new(bytes).strict();
    let mut page = Page { context: None, next_link: None, value: Vec::new() };
    r.begin_object()?;
    while let Some(key) = r.next_key()? {
        match &*key {
            "@odata.context" => page.context = Some(String::decode(&mut r).map_err(|e| e.in_key(&key))?),
            "@odata.nextLink" => page.next_link = Some(String::decode(&mut r).map_err(|e| e.in_key(&key))?),
            "value" => page.value = Vec::<T>::decode(&mut r).map_err(|e| e.in_key(&key))?,
            _ => r.skip_value().map_err(|e| e.in_key(&key))?,
        }
    }
    r.finish()?;
    Ok(page)
}

/// The error of a strict decode (lenient decoding, the default, keeps a value that does not fit
/// its type in `additional_data` instead: see `msgraph-models/tests/decode_hardening.rs`).
fn decode_err<T: Codec + std::fmt::Debug>(text: &str) -> DecodeError {
    match json::from_str_strict::<T>(text) {
        Ok(v) => panic!("expected a decode error for {text}, got {v:?}"),
        Err(e) => e,
    }
}

fn guid(s: &str) -> Guid {
    Guid::parse_str(s).unwrap()
}

// ---- 1. a single phone method -----------------------------------------------------------------

#[test]
fn phone_method_decodes_typed_and_round_trips_exactly() -> TestResult {
    let p: PhoneAuthenticationMethod = json::from_str(PHONE)?;
    assert_eq!(p.id.as_deref(), Some("3179e48a-750b-4051-897c-87b9720928f7"));
    assert_eq!(p.phone_number.as_deref(), Some("+1 2065555555"));
    assert_eq!(p.phone_type, Some(AuthenticationPhoneType::Mobile));
    assert_eq!(p.sms_sign_in_state, Some(AuthenticationMethodSignInState::Ready));
    assert_eq!(p.created_date_time, None);
    // `@odata.type` is an annotation: kept in additional_data, nothing else is there.
    assert_eq!(p.additional_data.odata_type(), Some("#microsoft.graph.phoneAuthenticationMethod"));
    assert_eq!(p.additional_data.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["@odata.type"]);
    assert_eq!(p.additional_data.nulls().count(), 0);

    assert_eq!(encoded(&p), parse(PHONE));
    // Annotations first, then properties in schema order: the same order as Graph's, so even the
    // text is identical.
    assert_eq!(json::to_string(&p), PHONE);
    Ok(())
}

#[test]
fn phone_method_through_the_kind_enum() -> TestResult {
    let direct: PhoneAuthenticationMethod = json::from_str(PHONE)?;
    let kind: AuthenticationMethodKind = json::from_str(PHONE)?;
    assert_eq!(kind.odata_type(), "microsoft.graph.phoneAuthenticationMethod");
    match &kind {
        AuthenticationMethodKind::PhoneAuthenticationMethod(p) => assert_eq!(**p, direct),
        other => panic!("expected the phone variant, got {other:?}"),
    }
    assert_eq!(kind.as_model().additional_data().odata_type(), Some("#microsoft.graph.phoneAuthenticationMethod"));
    assert_eq!(encoded(&kind), parse(PHONE));
    assert_eq!(json::to_string(&kind), PHONE);
    Ok(())
}

#[test]
fn derived_type_without_odata_type_gets_one_on_encode_and_kind_falls_back_to_base() -> TestResult {
    let bare = r#"{"id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 2065555555","phoneType":"office"}"#;

    // Decoded as the concrete type, the encoder adds the type annotation (the table says
    // `writes_odata_type`), so the result can be read back polymorphically.
    let p: PhoneAuthenticationMethod = json::from_str(bare)?;
    assert!(p.additional_data.is_empty());
    let out = json::to_string(&p);
    assert!(out.starts_with(r##"{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"##), "{out}");
    assert_eq!(parse(&out), with_odata_type(parse(bare), PhoneAuthenticationMethod::ODATA_TYPE));
    let back: AuthenticationMethodKind = json::from_str(&out)?;
    assert!(matches!(back, AuthenticationMethodKind::PhoneAuthenticationMethod(_)), "{back:?}");

    // Without `@odata.type`, the Kind cannot know: base type, derived properties kept as unknown.
    let kind: AuthenticationMethodKind = json::from_str(bare)?;
    let AuthenticationMethodKind::AuthenticationMethod(base) = &kind else { panic!("expected base, got {kind:?}") };
    assert_eq!(base.id.as_deref(), Some("3179e48a-750b-4051-897c-87b9720928f7"));
    assert_eq!(base.additional_data.get("phoneNumber"), Some(&json!("+1 2065555555")));
    assert_eq!(base.additional_data.get("phoneType"), Some(&json!("office")));
    assert_eq!(base.additional_data.odata_type(), None);
    // The base variant does not invent a type annotation.
    assert_eq!(encoded(&kind), parse(bare));
    Ok(())
}

// ---- 2. a page of authentication methods ------------------------------------------------------

#[test]
fn authentication_methods_page_decodes_every_variant() -> TestResult {
    let text = methods_page();
    let page: Page<AuthenticationMethodKind> = decode_page(text.as_bytes())?;
    assert_eq!(
        page.context.as_deref(),
        Some("https://graph.microsoft.com/v1.0/$metadata#users('adelev%40contoso.com')/authentication/methods")
    );
    assert_eq!(page.next_link, None);
    assert_eq!(page.value.len(), 5);

    let AuthenticationMethodKind::PhoneAuthenticationMethod(phone) = &page.value[0] else {
        panic!("value[0]: {:?}", page.value[0])
    };
    assert_eq!(phone.phone_type, Some(AuthenticationPhoneType::Mobile));

    let AuthenticationMethodKind::PasswordAuthenticationMethod(password) = &page.value[1] else {
        panic!("value[1]: {:?}", page.value[1])
    };
    assert_eq!(password.id.as_deref(), Some("28c10230-6103-485e-b985-444c60001490"));
    assert_eq!(password.password, None);
    assert!(password.additional_data.is_null("password"), "explicit null must be remembered");
    let created = password.created_date_time.expect("createdDateTime");
    assert_eq!(created.fraction_digits(), 7);
    assert_eq!(created.unix_timestamp(), 1_616_560_086);
    assert_eq!(created.as_offset_date_time().nanosecond(), 822_754_300);
    assert_eq!(created.to_string(), "2021-03-24T04:28:06.8227543Z");

    let AuthenticationMethodKind::Fido2AuthenticationMethod(fido) = &page.value[2] else {
        panic!("value[2]: {:?}", page.value[2])
    };
    assert_eq!(fido.display_name.as_deref(), Some("Red Key"));
    assert_eq!(fido.model.as_deref(), Some("NFC Key"));
    assert_eq!(fido.aa_guid.as_deref(), Some("2fc0579f-8113-47ea-b116-bb5a8db9202a"));
    assert_eq!(fido.attestation_level, Some(AttestationLevel::Attested));
    assert_eq!(
        fido.attestation_certificates.as_deref(),
        Some(
            &[
                "dbe793efdf1945e2df25d93653a1e8a3268a9075".to_string(),
                "c1f6b2a5e87d4b8f9e6a0d3c7b2e1f4a5d6c7b8e".into()
            ][..]
        )
    );
    assert_eq!(fido.created_date_time, Some("2020-08-10T06:44:09Z".parse::<DateTimeOffset>()?));
    assert_eq!(fido.passkey_type, None);

    let AuthenticationMethodKind::MicrosoftAuthenticatorAuthenticationMethod(app) = &page.value[3] else {
        panic!("value[3]: {:?}", page.value[3])
    };
    assert_eq!(app.display_name.as_deref(), Some("iPhone 12 Pro"));
    assert_eq!(app.device_tag.as_deref(), Some("SoftwareTokenActivated"));
    assert_eq!(app.phone_app_version.as_deref(), Some("6.2401.0119"));
    assert!(app.device.is_none());

    // Unknown future type: base variant, everything else kept.
    let AuthenticationMethodKind::AuthenticationMethod(quantum) = &page.value[4] else {
        panic!("value[4]: {:?}", page.value[4])
    };
    assert_eq!(page.value[4].odata_type(), "microsoft.graph.authenticationMethod");
    assert_eq!(quantum.id.as_deref(), Some("b0a1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"));
    assert_eq!(quantum.created_date_time.map(|t| t.to_string()).as_deref(), Some("2031-01-01T00:00:00.5Z"));
    let extra = &quantum.additional_data;
    assert_eq!(extra.odata_type(), Some("#microsoft.graph.quantumAuthenticationMethod"));
    assert_eq!(extra.get("entanglementId"), Some(&json!("ent-42")));
    assert_eq!(extra.get("qubits"), Some(&json!(128)));
    assert_eq!(extra.get("fidelity"), Some(&json!(0.9987)));
    assert_eq!(
        extra.get("settings"),
        Some(&json!({"mode": "superposition", "tags": ["a", "b"], "enabled": true, "backup": null}))
    );
    assert_eq!(extra.len(), 5);
    Ok(())
}

#[test]
fn authentication_methods_page_round_trips() -> TestResult {
    let text = methods_page();
    let input = parse(&text);
    let page: Page<AuthenticationMethodKind> = decode_page(text.as_bytes())?;

    for (i, method) in page.value.iter().enumerate() {
        assert_eq!(encoded(method), input["value"][i], "value[{i}] changed on the round trip");
    }
    let rebuilt = json!({
        "@odata.context": page.context,
        "value": page.value.iter().map(encoded).collect::<Vec<_>>(),
    });
    assert_eq!(rebuilt, input);

    // Text-level checks for what `Value` equality could hide.
    let password = json::to_string(&page.value[1]);
    assert!(password.contains(r#""password":null"#), "{password}");
    assert!(password.contains(r#""createdDateTime":"2021-03-24T04:28:06.8227543Z""#), "{password}");
    assert_eq!(
        password,
        r##"{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"28c10230-6103-485e-b985-444c60001490","createdDateTime":"2021-03-24T04:28:06.8227543Z","password":null}"##
    );
    let quantum = json::to_string(&page.value[4]);
    assert!(
        quantum.starts_with(r##"{"@odata.type":"#microsoft.graph.quantumAuthenticationMethod","id":"##),
        "{quantum}"
    );
    assert!(quantum.contains(r#""createdDateTime":"2031-01-01T00:00:00.5Z""#), "{quantum}");

    // And the whole `value` array with the codec's own Vec impl.
    let v = json::to_string(&page.value);
    let again: Vec<AuthenticationMethodKind> = json::from_str(&v)?;
    assert_eq!(again, page.value);
    Ok(())
}

#[test]
fn page_value_decodes_per_element_from_serde_json_values() -> TestResult {
    let input = parse(&methods_page());
    let items = input["value"].as_array().unwrap();
    let decoded: Vec<AuthenticationMethodKind> =
        items.iter().map(|v| json::from_str(&v.to_string())).collect::<Result<_, _>>()?;
    let kinds: Vec<&str> = decoded.iter().map(AuthenticationMethodKind::odata_type).collect();
    assert_eq!(
        kinds,
        [
            "microsoft.graph.phoneAuthenticationMethod",
            "microsoft.graph.passwordAuthenticationMethod",
            "microsoft.graph.fido2AuthenticationMethod",
            "microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
            "microsoft.graph.authenticationMethod",
        ]
    );
    Ok(())
}

// ---- 3. a full user ---------------------------------------------------------------------------

#[test]
fn full_user_decodes_typed_fields() -> TestResult {
    let user: User = json::from_str(USER)?;
    assert_eq!(user.id.as_deref(), Some("87d349ed-44d7-43e1-9a83-5f2406dee5bd"));
    assert_eq!(user.display_name.as_deref(), Some("Adele Vance"));
    assert_eq!(user.given_name.as_deref(), Some("Adele"));
    assert_eq!(user.surname.as_deref(), Some("Vance"));
    assert_eq!(user.mail.as_deref(), Some("AdeleV@contoso.com"));
    assert_eq!(user.user_principal_name.as_deref(), Some("AdeleV@contoso.com"));
    assert_eq!(user.business_phones, Some(vec!["+1 425 555 0109".to_string(), "+1 425 555 0110".to_string()]));
    assert_eq!(user.account_enabled, Some(true));
    assert_eq!(user.show_in_address_list, Some(true));
    assert_eq!(user.device_enrollment_limit, Some(5));
    assert_eq!(user.usage_location.as_deref(), Some("US"));
    assert_eq!(user.proxy_addresses.as_ref().map(Vec::len), Some(2));
    assert_eq!(user.proxy_addresses.as_ref().unwrap()[0], "SMTP:AdeleV@contoso.com");

    // Explicit nulls: field unset, null remembered.
    for wire in ["mobilePhone", "ageGroup", "companyName", "creationType", "onPremisesSyncEnabled"] {
        assert!(user.additional_data.is_null(wire), "{wire} should be an explicit null");
    }
    assert_eq!(user.additional_data.nulls().count(), 5);
    assert_eq!(user.age_group, None);
    assert_eq!(user.mobile_phone, None);
    assert!(!user.additional_data.is_null("faxNumber"), "absent is not null");

    // Guids.
    let licenses = user.assigned_licenses.as_ref().unwrap();
    assert_eq!(licenses.len(), 2);
    assert_eq!(licenses[0].sku_id, Some(guid("c7df2760-2c81-4ef7-b578-5b5392b571df")));
    assert_eq!(licenses[0].disabled_plans, Some(vec![guid("a82fbf69-b4d7-49f4-83a6-915b2cf354f4")]));
    assert_eq!(licenses[1].disabled_plans, Some(vec![]));
    assert_eq!(licenses[1].sku_id, Some(guid("6fd2c87f-b296-42f0-b197-1e91e994b900")));
    let plans = user.assigned_plans.as_ref().unwrap();
    assert_eq!(plans[0].service_plan_id, Some(guid("efb87545-963c-4e0d-99df-69c6916d9eb0")));

    // DateTimeOffsets.
    let created = user.created_date_time.unwrap();
    assert_eq!(created.unix_timestamp(), 1_566_244_276);
    assert_eq!(created.fraction_digits(), 0);
    assert_eq!(user.employee_hire_date, Some("2020-01-15T08:00:00Z".parse()?));
    assert_eq!(user.birthday.map(|b| b.as_offset_date_time().year()), Some(1));
    let lic_state = &user.license_assignment_states.as_ref().unwrap()[0];
    assert_eq!(lic_state.last_updated_date_time.unwrap().to_string(), "2023-06-01T17:05:41.1234567Z");
    assert_eq!(lic_state.assigned_by_group, None);
    assert!(lic_state.additional_data.is_null("assignedByGroup"));

    // Nested complex types.
    let ext = user.on_premises_extension_attributes.as_ref().unwrap();
    assert_eq!(ext.extension_attribute1.as_deref(), Some("Dept-4410"));
    assert_eq!(ext.extension_attribute15.as_deref(), Some("Badge-7"));
    assert_eq!(ext.extension_attribute2, None);
    assert_eq!(ext.additional_data.nulls().count(), 13);
    let profile = user.password_profile.as_ref().unwrap();
    assert_eq!(profile.force_change_password_next_sign_in, Some(false));
    assert_eq!(profile.force_change_password_next_sign_in_with_mfa, Some(false));
    assert!(profile.additional_data.is_null("password"));
    let identities = user.identities.as_ref().unwrap();
    assert_eq!(identities.len(), 2);
    assert_eq!(identities[1].sign_in_type.as_deref(), Some("federated"));
    assert_eq!(identities[1].issuer.as_deref(), Some("facebook.com"));
    assert_eq!(user.employee_org_data.as_ref().and_then(|o| o.cost_center.as_deref()), Some("CC-1234"));
    let sign_in = user.sign_in_activity.as_ref().unwrap();
    assert_eq!(sign_in.last_sign_in_date_time, Some("2024-05-10T14:47:26Z".parse()?));

    // Annotations and unknown (directory extension) properties.
    let extra = &user.additional_data;
    assert_eq!(extra.odata_etag(), Some("W/\"JzEtVXNlciAgNDA0NDQwNDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQnJw==\""));
    assert_eq!(extra.odata_type(), None);
    assert_eq!(extra.get("extension_9d2b1e0ac5f04d2d8f5a1c6e3b7d4f21_costCenter"), Some(&json!("CC-1234")));
    assert_eq!(
        extra.get("manager@odata.navigationLink"),
        Some(&json!("https://graph.microsoft.com/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/manager"))
    );
    assert!(extra.get("memberOf@odata.context").is_some());
    assert!(extra.get("@odata.context").is_some());
    assert_eq!(extra.len(), 5);

    // Expanded navigation through DirectoryObjectKind.
    let member_of = user.member_of.as_ref().unwrap();
    assert_eq!(member_of.len(), 3);
    let DirectoryObjectKind::Group(group) = &member_of[0] else { panic!("memberOf[0]: {:?}", member_of[0]) };
    assert_eq!(group.display_name.as_deref(), Some("HR Taskforce"));
    assert_eq!(group.group_types, Some(vec!["Unified".to_string()]));
    assert_eq!(group.mail_enabled, Some(true));
    assert_eq!(group.security_enabled, Some(false));
    assert_eq!(group.resource_provisioning_options, Some(vec!["Team".to_string()]));
    let DirectoryObjectKind::DirectoryRole(role) = &member_of[1] else { panic!("memberOf[1]: {:?}", member_of[1]) };
    assert_eq!(role.display_name.as_deref(), Some("Global Reader"));
    assert_eq!(role.role_template_id.as_deref(), Some("f2ef992c-3afb-46b9-b7cf-a126ee74c451"));
    assert!(role.additional_data.is_null("deletedDateTime"));
    let DirectoryObjectKind::DirectoryObject(future) = &member_of[2] else { panic!("memberOf[2]: {:?}", member_of[2]) };
    assert_eq!(future.id.as_deref(), Some("9f0e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"));
    assert_eq!(future.additional_data.get("futureProp"), Some(&json!({"x": 1})));
    Ok(())
}

#[test]
fn full_user_round_trips() -> TestResult {
    let user: User = json::from_str(USER)?;
    let out = encoded(&user);
    // Observed: `User` derives from `directoryObject`, which the schema uses polymorphically, so
    // its table has `writes_odata_type`: encoding adds `"@odata.type":"#microsoft.graph.user"`
    // when the input (a plain `GET /users/{id}`) had none. Apart from that, nothing is lost or
    // changed.
    assert_eq!(out, with_odata_type(parse(USER), User::ODATA_TYPE));
    let text = json::to_string(&user);
    assert!(text.contains(r#""birthday":"0001-01-01T08:00:00Z""#), "{text}");
    assert!(text.contains(r#""lastUpdatedDateTime":"2023-06-01T17:05:41.1234567Z""#), "{text}");
    assert!(text.contains(r#""ageGroup":null"#), "{text}");

    // Decoding the output again gives the same value plus the added annotation.
    let again: User = json::from_str(&text)?;
    assert_ne!(again, user);
    let mut expected = user.clone();
    expected.additional_data.insert("@odata.type", json!("#microsoft.graph.user"));
    assert_eq!(again, expected);

    // The same user as a directoryObject (e.g. an element of /groups/{id}/members).
    let as_object: DirectoryObjectKind = json::from_str(&text)?;
    let DirectoryObjectKind::User(u) = &as_object else { panic!("{as_object:?}") };
    assert_eq!(**u, again);
    assert_eq!(encoded(&as_object), out);
    Ok(())
}

#[test]
fn model_tables_are_consistent() {
    fn check(m: &dyn Model) {
        let info = m.model_info();
        let all = info.all_fields();
        for (i, (wire, _)) in all.iter().enumerate() {
            assert_eq!(info.index_of(wire), Some(i), "{}.{wire}", info.odata_type);
            assert!(m.field(i).is_some(), "{}.{wire} has no field accessor", info.odata_type);
        }
        assert!(m.field(all.len()).is_none());
        // The type's own fields come last, after every inherited one.
        assert_eq!(&all[all.len() - info.fields.len()..], info.fields);
        assert_eq!(info.index_of("noSuchProperty"), None);
        assert_eq!(info.index_of(""), None);
    }
    check(&User::default());
    check(&PhoneAuthenticationMethod::default());
    check(&TimeOffRequest::default());
    check(&AuthenticationStrengthRoot::default());
    check(&msgraph::models::Group::default());
    check(&msgraph::models::OnPremisesExtensionAttributes::default());

    let info = User::default().model_info();
    // Inherited properties come first; they are the base table's.
    assert_eq!(
        &info.all_fields()[..2],
        &[("id", model::FieldFlags::NONE), ("deletedDateTime", model::FieldFlags::NONE)]
    );
    assert!(info.has_flag(info.index_of("memberOf").unwrap(), model::FieldFlags::NAVIGATION));
    assert!(info.has_flag(info.index_of("memberOf").unwrap(), model::FieldFlags::COLLECTION));
    assert!(!info.has_flag(info.index_of("displayName").unwrap(), model::FieldFlags::COLLECTION));
    // ASCII order: `mailNickname` sorts before `mailboxSettings`.
    assert_eq!(info.wire_name(info.index_of("mailNickname").unwrap()), Some("mailNickname"));
    assert_eq!(info.wire_name(info.index_of("mailboxSettings").unwrap()), Some("mailboxSettings"));
}

// ---- 4. enums and flags -----------------------------------------------------------------------

#[test]
fn enum_unknown_members_are_kept_verbatim() -> TestResult {
    let text = PHONE.replace(r#""phoneType":"mobile""#, r#""phoneType":"futureValue""#);
    let p: PhoneAuthenticationMethod = json::from_str(&text)?;
    assert!(matches!(&p.phone_type, Some(AuthenticationPhoneType::Unrecognized(v)) if v.as_str() == "futureValue"));
    assert_eq!(p.phone_type.as_ref().unwrap().as_str(), "futureValue");
    assert_eq!(json::to_string(&p), text);

    // The schema's own `unknownFutureValue` sentinel is a regular member.
    let v: AuthenticationPhoneType = json::from_str(r#""unknownFutureValue""#)?;
    assert_eq!(v, AuthenticationPhoneType::UnknownFutureValue);
    Ok(())
}

#[test]
fn enum_members_decode_case_insensitively_and_encode_canonically() -> TestResult {
    let text = PHONE.replace(r#""phoneType":"mobile""#, r#""phoneType":"MOBILE""#);
    let p: PhoneAuthenticationMethod = json::from_str(&text)?;
    assert_eq!(p.phone_type, Some(AuthenticationPhoneType::Mobile));
    assert_eq!(json::to_string(&p), PHONE, "canonical member name on encode");

    assert_eq!(
        json::from_str::<AuthenticationPhoneType>(r#""AlternateMobile""#)?,
        AuthenticationPhoneType::AlternateMobile
    );
    assert_eq!(
        json::from_str::<AuthenticationMethodSignInState>(r#""PHONENUMBERNOTUNIQUE""#)?,
        AuthenticationMethodSignInState::PhoneNumberNotUnique
    );
    // Case-insensitive, but not fuzzy.
    assert!(matches!(
        json::from_str::<AuthenticationPhoneType>(r#""alternate_mobile""#)?,
        AuthenticationPhoneType::Unrecognized(v) if v == "alternate_mobile"
    ));
    Ok(())
}

#[test]
fn enum_as_str_from_str_display_and_serde() {
    use AuthenticationPhoneType as T;
    assert_eq!(T::AlternateMobile.as_str(), "alternateMobile");
    assert_eq!(T::Office.to_string(), "office");
    let pager = "pager".parse::<T>().unwrap();
    assert_eq!(format!("{pager}"), "pager");
    assert!(matches!(&pager, T::Unrecognized(v) if format!("{v} {v:?}") == r#"pager "pager""#));
    assert_eq!(format!("{pager:?}"), r#"Unrecognized("pager")"#);
    assert!(matches!(&pager, T::Unrecognized(v) if v.as_str() == "pager"));
    assert_eq!(pager.as_str(), "pager");
    assert_ne!(pager, "pagers".parse::<T>().unwrap());
    assert_eq!("office".parse::<T>(), Ok(T::Office));
    assert_eq!("Office".parse::<T>(), Ok(T::Office));
    assert_eq!("pager".parse::<T>(), Ok(pager.clone()));
    assert_eq!(T::ODATA_TYPE, "microsoft.graph.authenticationPhoneType");
    for member in [T::Mobile, T::AlternateMobile, T::Office, T::UnknownFutureValue] {
        assert_eq!(member.as_str().parse::<T>(), Ok(member.clone()));
        assert_eq!(json::to_string(&member), format!("\"{}\"", member.as_str()));
    }

    assert_eq!(serde_json::to_value(T::AlternateMobile).unwrap(), json!("alternateMobile"));
    assert_eq!(serde_json::from_value::<T>(json!("MOBILE")).unwrap(), T::Mobile);
    assert!(matches!(serde_json::from_value::<T>(json!("satellite")).unwrap(), T::Unrecognized(v) if v == "satellite"));
    assert!(serde_json::from_value::<T>(json!(3)).is_err());
}

#[test]
fn flags_enum_in_a_collection_property() -> TestResult {
    // GET /policies/authenticationStrengthPolicies root: combinations are flags sets.
    let text = r#"{"id":"authenticationStrengthRoot","combinations":["password,sms","fido2","windowsHelloForBusiness,quantumKey","Password,Voice"]}"#;
    let root: AuthenticationStrengthRoot = json::from_str(text)?;
    let combos = root.combinations.as_ref().unwrap();
    assert_eq!(combos.len(), 4);

    use AuthenticationMethodModes as M;
    assert_eq!(combos[0].iter().cloned().collect::<Vec<_>>(), [M::Password, M::Sms]);
    assert!(combos[0].contains(&M::Sms));
    assert!(!combos[0].contains(&M::Voice));
    assert_eq!(combos[1].len(), 1);
    assert!(combos[1].contains(&M::Fido2));
    // One unknown member: kept verbatim next to the known one.
    assert_eq!(combos[2].iter().cloned().collect::<Vec<_>>(), [M::WindowsHelloForBusiness, "quantumKey".parse::<M>()?]);
    assert_eq!(combos[2].to_string(), "windowsHelloForBusiness,quantumKey");
    // Case-insensitive per member; canonical on encode.
    assert_eq!(combos[3].iter().cloned().collect::<Vec<_>>(), [M::Password, M::Voice]);

    let out = json::to_string(&root);
    assert_eq!(
        out,
        r#"{"id":"authenticationStrengthRoot","combinations":["password,sms","fido2","windowsHelloForBusiness,quantumKey","password,voice"]}"#
    );
    Ok(())
}

#[test]
fn flags_enum_in_a_single_property() -> TestResult {
    let flow: AuthenticationFlow = json::from_str(r#"{"transferMethod":"deviceCodeFlow,authenticationTransfer"}"#)?;
    let set = flow.transfer_method.as_ref().unwrap();
    assert_eq!(set.len(), 2);
    assert!(set.contains(&ConditionalAccessTransferMethods::DeviceCodeFlow));
    assert!(set.contains(&ConditionalAccessTransferMethods::AuthenticationTransfer));
    assert!(!set.contains(&ConditionalAccessTransferMethods::None));
    assert_eq!(json::to_string(&flow), r#"{"transferMethod":"deviceCodeFlow,authenticationTransfer"}"#);

    // Building one by hand; duplicates are ignored; spaces around names are tolerated on decode.
    let mut set: Flags<ConditionalAccessTransferMethods> = Flags::new();
    assert!(set.insert(ConditionalAccessTransferMethods::AuthenticationTransfer));
    assert!(!set.insert(ConditionalAccessTransferMethods::AuthenticationTransfer));
    assert!(set.insert("carrierPigeon".parse()?));
    let flow = AuthenticationFlow { transfer_method: Some(set), ..Default::default() };
    assert_eq!(json::to_string(&flow), r#"{"transferMethod":"authenticationTransfer,carrierPigeon"}"#);
    let spaced: AuthenticationFlow =
        json::from_str(r#"{"transferMethod":" authenticationTransfer , carrierPigeon "}"#)?;
    assert_eq!(spaced, flow);
    let empty: AuthenticationFlow = json::from_str(r#"{"transferMethod":""}"#)?;
    assert!(empty.transfer_method.as_ref().unwrap().is_empty());
    assert_eq!(json::to_string(&empty), r#"{"transferMethod":""}"#);
    // A flags value must still be a string.
    let err = decode_err::<AuthenticationFlow>(r#"{"transferMethod":3}"#);
    assert_eq!(err.path(), "$.transferMethod");
    Ok(())
}

// ---- 5. bad input -----------------------------------------------------------------------------

#[test]
fn wrong_types_report_the_json_path() {
    let e = decode_err::<User>(r#"{"id":"1","accountEnabled":"yes"}"#);
    assert_eq!(e.path(), "$.accountEnabled");
    assert_eq!(e.message(), "expected a boolean, found a string");
    assert!(e.to_string().starts_with("at $.accountEnabled (byte "), "{e}");

    let e = decode_err::<PhoneAuthenticationMethod>(r#"{"phoneNumber":"+1 2065555555","phoneType": 5}"#);
    assert_eq!(e.path(), "$.phoneType");
    assert_eq!(e.message(), "expected a string, found a number");
    assert_eq!(e.offset(), 44, "offset of the offending value");
    assert_eq!(&r#"{"phoneNumber":"+1 2065555555","phoneType": 5}"#[e.offset()..], "5}");

    let e = decode_err::<User>(r#"{"businessPhones": "x"}"#);
    assert_eq!(e.path(), "$.businessPhones");
    assert_eq!(e.message(), "expected an array, found a string");

    let e = decode_err::<User>(r#"{"businessPhones": ["+1 425 555 0109", null]}"#);
    assert_eq!(e.path(), "$.businessPhones[1]");
    assert_eq!(e.message(), "expected a string, found null");

    let e = decode_err::<User>(
        r#"{"assignedLicenses":[{"disabledPlans":[],"skuId":"c7df2760-2c81-4ef7-b578-5b5392b571df"},{"disabledPlans":[],"skuId":"ENTERPRISEPACK"}]}"#,
    );
    assert_eq!(e.path(), "$.assignedLicenses[1].skuId");
    assert_eq!(e.message(), r#"invalid Edm.Guid "ENTERPRISEPACK""#);

    let e =
        decode_err::<User>(r#"{"assignedLicenses":[{"disabledPlans":["a82fbf69-b4d7-49f4-83a6-915b2cf354f4", 7]}]}"#);
    assert_eq!(e.path(), "$.assignedLicenses[0].disabledPlans[1]");

    let e = decode_err::<User>(r#"{"passwordProfile":{"forceChangePasswordNextSignIn":"true"}}"#);
    assert_eq!(e.path(), "$.passwordProfile.forceChangePasswordNextSignIn");

    let e = decode_err::<User>(r#"{"deviceEnrollmentLimit": 99999999999}"#);
    assert_eq!(e.path(), "$.deviceEnrollmentLimit");
    assert!(e.message().contains("Edm.Int32") && e.message().contains("out of range"), "{e}");
    let e = decode_err::<User>(r#"{"deviceEnrollmentLimit": 5.5}"#);
    assert!(e.message().contains("Edm.Int32"), "{e}");

    // Inside a polymorphic navigation collection.
    let e = decode_err::<User>(
        r##"{"memberOf":[{"@odata.type":"#microsoft.graph.group","id":"a"},{"@odata.type":"#microsoft.graph.group","mailEnabled":"no"}]}"##,
    );
    assert_eq!(e.path(), "$.memberOf[1].mailEnabled");

    let e = decode_err::<User>(r#"{"onPremisesExtensionAttributes":{"extensionAttribute1":1}}"#);
    assert_eq!(e.path(), "$.onPremisesExtensionAttributes.extensionAttribute1");
    // Keys that are not identifiers are quoted in the path.
    let e = decode_err::<User>(r#"{"id":"1","extension.weird \"key\"":{"a" 1}}"#);
    assert_eq!(e.path(), r#"$["extension.weird \"key\""]"#);

    // Not an object at all.
    let e = decode_err::<User>("[]");
    assert_eq!(e.path(), "$");
    assert_eq!(e.message(), "expected an object, found an array");
    let e = decode_err::<AuthenticationMethodKind>(r#""phone""#);
    assert_eq!(e.message(), "expected an object, found a string");
}

#[test]
fn errors_inside_a_page_have_full_paths() {
    let text = methods_page().replace(r#""attestationLevel": "attested""#, r#""attestationLevel": ["attested"]"#);
    let err = decode_page::<AuthenticationMethodKind>(text.as_bytes()).unwrap_err();
    assert_eq!(err.path(), "$.value[2].attestationLevel");
    assert_eq!(err.message(), "expected a string, found an array");
    assert_eq!(&text.as_bytes()[err.offset()..err.offset() + 2], b"[\"");
}

#[test]
fn invalid_date_time_offset_names_the_edm_type() {
    let e = decode_err::<User>(r#"{"createdDateTime":"2021-13-01T00:00:00Z"}"#);
    assert_eq!(e.path(), "$.createdDateTime");
    assert_eq!(e.message(), r#"invalid Edm.DateTimeOffset "2021-13-01T00:00:00Z": month out of range"#);

    for bad in ["yesterday", "2021-03-24", "2021-03-24T04:28:06", "2021-03-24 04:28:06Z", ""] {
        let text = format!(r#"{{"createdDateTime":"{bad}"}}"#);
        let e = decode_err::<PhoneAuthenticationMethod>(&text);
        assert_eq!(e.path(), "$.createdDateTime", "{bad}");
        assert!(e.message().starts_with("invalid Edm.DateTimeOffset"), "{bad}: {e}");
    }
    let e = decode_err::<PhoneAuthenticationMethod>(r#"{"createdDateTime":1616560086}"#);
    assert_eq!(e.message(), "expected a string, found a number");
}

#[test]
fn truncated_documents_are_errors_at_every_cut() {
    // Every proper prefix of valid documents fails (and never panics).
    for doc in [PHONE, PASSWORD, FIDO2, USER] {
        for cut in (0..doc.len()).filter(|&i| doc.is_char_boundary(i)) {
            let prefix = &doc[..cut];
            assert!(json::from_str::<AuthenticationMethodKind>(prefix).is_err(), "accepted {prefix:?}");
            assert!(json::from_str::<User>(prefix).is_err(), "accepted {prefix:?}");
        }
    }
    let e = decode_err::<User>(r#"{"displayName":"Adele"#);
    assert_eq!(e.message(), "unterminated string");
    let e = decode_err::<User>(r#"{"displayName":"Adele","#);
    assert_eq!(e.message(), "expected a string key in object");
    let e = decode_err::<User>("");
    assert_eq!(e.message(), "unexpected end of input");
}

#[test]
fn trailing_garbage_and_syntax_errors() {
    let e = decode_err::<PhoneAuthenticationMethod>(&format!("{PHONE} x"));
    assert_eq!(e.message(), "trailing characters after the JSON value");
    assert_eq!(e.offset(), PHONE.len() + 1);
    assert!(json::from_str::<PhoneAuthenticationMethod>(&format!("{PHONE}{PHONE}")).is_err());
    assert!(json::from_str::<AuthenticationMethodKind>(&format!("{PHONE},")).is_err());
    // Whitespace (and a BOM) around the value is fine.
    assert!(json::from_str::<PhoneAuthenticationMethod>(&format!(" \n{PHONE}\r\n\t")).is_ok());
    assert!(json::from_slice::<PhoneAuthenticationMethod>(&[b"\xEF\xBB\xBF", PHONE.as_bytes()].concat()).is_ok());

    for bad in [
        r#"{"id":"1",}"#,
        r#"{"id":"1" "displayName":"x"}"#,
        r#"{"id" "1"}"#,
        r#"{id:"1"}"#,
        r#"{"businessPhones":["a",]}"#,
        r#"{"businessPhones":["a" "b"]}"#,
        r#"{"accountEnabled":tru}"#,
        r#"{"deviceEnrollmentLimit":05}"#,
        r#"{"deviceEnrollmentLimit":-}"#,
        r#"{"extension_x":1.}"#,
        r#"{"extension_x":NaN}"#,
        "{\"displayName\":\"tab\there\"}",
        r#"{"displayName":"bad \q escape"}"#,
        r#"{"displayName":"\ud800 lone surrogate"}"#,
        r#"{"extension_x":{"a" 1}}"#,
        "{\"id\":\"1\"}}",
    ] {
        let res = json::from_str::<User>(bad);
        assert!(res.is_err(), "accepted {bad}");
        assert!(json::from_str::<DirectoryObjectKind>(bad).is_err(), "Kind accepted {bad}");
    }
}

#[test]
fn invalid_utf8_is_an_error() {
    let cases: [&[u8]; 5] = [
        b"{\"displayName\":\"Ad\xFFele\"}",
        b"{\"displayName\":\"Ad\xC3\x28le\"}",
        b"{\"display\xFFName\":\"Adele\"}",
        b"{\"extension_x\":{\"k\":\"v\xE2\x82\"}}",
        b"{\"displayName\":\"esc\\n\xFF\"}",
    ];
    for bytes in cases {
        let e = json::from_slice::<User>(bytes).unwrap_err();
        assert!(e.message().contains("UTF-8"), "{e}");
        assert!(json::from_slice::<DirectoryObjectKind>(bytes).is_err());
    }
    // Raw non-ASCII bytes outside a string.
    let e = json::from_slice::<User>(b"{\"accountEnabled\":\xC3\xA9}").unwrap_err();
    assert_eq!(e.path(), "$.accountEnabled");
    // Valid multi-byte UTF-8 and escapes are fine and round trip.
    let user: User = json::from_str(r#"{"displayName":"Zoë \u00c5ngström 😀 \"quoted\""}"#).unwrap();
    assert_eq!(user.display_name.as_deref(), Some("Zoë Ångström 😀 \"quoted\""));
    let back: User = json::from_str(&json::to_string(&user)).unwrap();
    assert_eq!(back.display_name, user.display_name);
}

#[test]
fn deep_nesting_is_rejected_without_overflow() {
    let depth = 200;
    let deep = format!(r#"{{"id":"1","extension_deep":{}{}}}"#, "[".repeat(depth), "]".repeat(depth));
    // The path names the innermost array that was one level too deep.
    let inner = "[0]".repeat(127);
    let e = decode_err::<User>(&deep);
    assert_eq!(e.path(), format!("$.extension_deep{inner}"));
    assert!(e.message().contains("nesting deeper than"), "{e}");
    // Also through a Kind (the `@odata.type` look-ahead scans the object first) and in a page.
    let e = decode_err::<DirectoryObjectKind>(&deep);
    assert!(e.message().contains("nesting deeper than"), "{e}");
    assert_eq!(e.path(), format!("$.extension_deep{inner}"));
    let page = format!(r#"{{"value":[{deep}]}}"#);
    let e = decode_page::<DirectoryObjectKind>(page.as_bytes()).unwrap_err();
    assert_eq!(e.path(), format!("$.value[0].extension_deep{}", "[0]".repeat(125)));

    // Very deep objects too, and a huge depth does not overflow the stack.
    let deep_objects = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    assert!(json::from_str::<User>(&deep_objects).is_err());
    assert!(json::from_str::<AuthenticationMethodKind>(&deep_objects).is_err());

    // Reasonable nesting in an unknown property is kept.
    let ok = format!(r#"{{"id":"1","extension_deep":{}{}}}"#, "[".repeat(100), "]".repeat(100));
    let user: User = json::from_str(&ok).unwrap();
    assert_eq!(encoded(&user), with_odata_type(parse(&ok), User::ODATA_TYPE));
}

#[test]
fn odd_but_valid_odata_type_annotations() -> TestResult {
    // A non-string `@odata.type` does not select a variant and is kept as data.
    let kind: AuthenticationMethodKind = json::from_str(r#"{"@odata.type":5,"id":"x"}"#)?;
    let AuthenticationMethodKind::AuthenticationMethod(base) = &kind else { panic!("{kind:?}") };
    assert_eq!(base.additional_data.get("@odata.type"), Some(&json!(5)));
    assert_eq!(encoded(&kind), json!({"@odata.type": 5, "id": "x"}));
    // `@odata.type` after the properties, and without the `#`.
    let kind: AuthenticationMethodKind =
        json::from_str(r#"{"id":"x","phoneType":"office","@odata.type":"microsoft.graph.phoneAuthenticationMethod"}"#)?;
    let AuthenticationMethodKind::PhoneAuthenticationMethod(p) = &kind else { panic!("{kind:?}") };
    assert_eq!(p.phone_type, Some(AuthenticationPhoneType::Office));
    // `@odata.type` nested deeper does not count.
    let kind: AuthenticationMethodKind =
        json::from_str(r##"{"id":"x","extension_x":{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod"}}"##)?;
    assert!(matches!(kind, AuthenticationMethodKind::AuthenticationMethod(_)), "{kind:?}");
    Ok(())
}

// ---- 6. request bodies ------------------------------------------------------------------------

#[test]
fn patch_body_with_explicit_null() {
    let mut patch = User { display_name: Some("Adele V.".into()), ..Default::default() };
    patch.additional_data.set_null("mobilePhone");
    assert!(patch.additional_data.is_null("mobilePhone"));

    // Observed: `User`'s table has `writes_odata_type: true` (user derives from directoryObject,
    // which is used polymorphically), so both the full encoding and the request body start with
    // `"@odata.type":"#microsoft.graph.user"` (Graph accepts the annotation in PATCH bodies).
    let expected = r##"{"@odata.type":"#microsoft.graph.user","displayName":"Adele V.","mobilePhone":null}"##;
    assert_eq!(json::to_string(&patch), expected);
    assert_eq!(model::to_request_body(&patch), expected);

    // A value set later wins over the null mark; unsetting the mark drops the null.
    patch.mobile_phone = Some("+1 425 555 0109".into());
    assert!(json::to_string(&patch).contains(r#""mobilePhone":"+1 425 555 0109""#));
    patch.mobile_phone = None;
    assert!(patch.additional_data.unset_null("mobilePhone"));
    assert_eq!(json::to_string(&patch), r##"{"@odata.type":"#microsoft.graph.user","displayName":"Adele V."}"##);

    // A complex type (no type annotation) with an explicit null.
    let mut profile = PasswordProfile { force_change_password_next_sign_in: Some(true), ..Default::default() };
    profile.additional_data.set_null("password");
    assert_eq!(json::to_string(&profile), r#"{"forceChangePasswordNextSignIn":true,"password":null}"#);
}

#[test]
fn many_explicit_nulls_come_back_in_table_order() {
    // More nulls than the encoder keeps on the stack (8), in an order unlike the table's, plus a
    // name the table does not know (kept as a mark, never written).
    let names = [
        "surname",
        "city",
        "mobilePhone",
        "companyName",
        "state",
        "jobTitle",
        "country",
        "department",
        "givenName",
        "postalCode",
        "officeLocation",
    ];
    let text = format!("{{{}}}", names.iter().map(|n| format!(r#""{n}":null"#)).collect::<Vec<_>>().join(","));
    let mut user: User = json::from_str(&text).unwrap();
    assert_eq!(user.additional_data.nulls().count(), names.len());
    assert_eq!(encoded(&user), with_odata_type(parse(&text), User::ODATA_TYPE));
    user.additional_data.set_null("notAProperty");
    user.city = Some("Redmond".into());
    let mut expected = with_odata_type(parse(&text), User::ODATA_TYPE);
    expected["city"] = json!("Redmond");
    assert_eq!(encoded(&user), expected);
    // Table order, not name order: the known properties keep their declaration order.
    let out = json::to_string(&user);
    let at = |n: &str| out.find(&format!(r#""{n}":"#)).unwrap();
    let info = model::Model::model_info(&user);
    let mut by_table: Vec<&str> = names.to_vec();
    by_table.sort_by_key(|n| info.index_of(n).unwrap());
    assert!(by_table.windows(2).all(|w| at(w[0]) < at(w[1])), "{out}");
}

#[test]
fn request_body_leaves_out_computed_properties() -> TestResult {
    // timeOffRequest: createdDateTime, senderUserId, managerUserId, … are `Read-only`
    // (Org.OData.Core.V1.Computed) in the schema.
    let info = TimeOffRequest::default().model_info();
    assert!(info.has_flag(info.index_of("createdDateTime").unwrap(), model::FieldFlags::COMPUTED));
    assert!(!info.has_flag(info.index_of("senderMessage").unwrap(), model::FieldFlags::COMPUTED));

    let mut req = TimeOffRequest {
        start_date_time: Some("2024-03-20T07:00:00Z".parse()?),
        end_date_time: Some("2024-03-20T15:00:00Z".parse()?),
        time_off_reason_id: Some("TOR_891045ca-b5d2-41f0-a8ef-0c3f5ed5b8d2".into()),
        ..Default::default()
    };
    // Inherited properties (from scheduleChangeRequest, changeTrackedEntity, entity) are set
    // through `DerefMut`.
    req.id = Some("SREQ_0b87dd20d18e4d87a8b2ee0f1c8f8f68".into());
    req.created_date_time = Some("2024-03-14T08:00:00.1234567Z".parse()?);
    req.sender_user_id = Some("a3601044-a1b5-438e-b742-f78d01d68a67".into());
    req.sender_message = Some("Dentist".into());
    req.additional_data.set_null("managerUserId");

    let full = parse(&json::to_string(&req));
    assert_eq!(full["createdDateTime"], json!("2024-03-14T08:00:00.1234567Z"));
    assert_eq!(full["senderUserId"], json!("a3601044-a1b5-438e-b742-f78d01d68a67"));
    assert_eq!(full["managerUserId"], Value::Null);
    assert!(full.as_object().unwrap().contains_key("managerUserId"));

    let body = parse(&model::to_request_body(&req));
    assert_eq!(
        body,
        json!({
            "id": "SREQ_0b87dd20d18e4d87a8b2ee0f1c8f8f68",
            "senderMessage": "Dentist",
            "endDateTime": "2024-03-20T15:00:00Z",
            "startDateTime": "2024-03-20T07:00:00Z",
            "timeOffReasonId": "TOR_891045ca-b5d2-41f0-a8ef-0c3f5ed5b8d2",
        })
    );
    Ok(())
}

#[test]
fn request_body_leaves_out_computed_properties_of_nested_values() -> TestResult {
    // POST /education/classes/{id}/assignments/{id}/resources with a resource read earlier: the
    // nested educationLinkResource's createdDateTime/lastModifiedDateTime are computed too.
    let mut resource =
        EducationLinkResource { link: Some("https://contoso.com/syllabus".into()), ..Default::default() };
    resource.display_name = Some("Syllabus".into());
    resource.created_date_time = Some("2024-01-02T03:04:05Z".parse()?);
    resource.last_modified_date_time = Some("2024-01-02T03:04:05Z".parse()?);
    let post = EducationAssignmentResource {
        distribute_for_student_work: Some(false),
        resource: Some(EducationResourceKind::from(resource)),
        ..Default::default()
    };
    let full = parse(&json::to_string(&post));
    assert_eq!(full["resource"]["createdDateTime"], json!("2024-01-02T03:04:05Z"));
    let body = parse(&model::to_request_body(&post));
    assert_eq!(
        body,
        json!({
            "distributeForStudentWork": false,
            "resource": {
                "@odata.type": "#microsoft.graph.educationLinkResource",
                "displayName": "Syllabus",
                "link": "https://contoso.com/syllabus",
            },
        })
    );
    // The full encoding after a request body is unaffected, and the writer's mode is restored.
    assert_eq!(parse(&json::to_string(&post)), full);
    let mut w = json::Writer::new();
    model::encode_model(&post, &mut w, model::EncodeMode::Request, false);
    assert!(!w.is_request_body());
    assert_eq!(parse(w.as_str()), body);
    Ok(())
}

// ---- 7. serde ---------------------------------------------------------------------------------

#[test]
fn serde_json_agrees_with_the_codec() -> TestResult {
    let phone: PhoneAuthenticationMethod = json::from_str(PHONE)?;
    assert_eq!(serde_json::to_value(&phone)?, encoded(&phone));
    assert_eq!(serde_json::to_string(&phone)?, PHONE);

    let v = parse(PHONE);
    let via_serde: PhoneAuthenticationMethod = serde_json::from_value(v.clone())?;
    assert_eq!(via_serde, phone);
    let via_serde_str: PhoneAuthenticationMethod = serde_json::from_str(PHONE)?;
    assert_eq!(via_serde_str, phone);

    let user: User = json::from_str(USER)?;
    assert_eq!(serde_json::to_value(&user)?, encoded(&user));
    let user_via_serde: User = serde_json::from_str(USER)?;
    assert_eq!(user_via_serde, user);

    // A Vec of polymorphic values through serde_json, out of a page `Value`.
    let page = parse(&methods_page());
    let methods: Vec<AuthenticationMethodKind> = serde_json::from_value(page["value"].clone())?;
    let codec_methods = decode_page::<AuthenticationMethodKind>(methods_page().as_bytes())?.value;
    assert_eq!(methods, codec_methods);
    assert!(matches!(methods[2], AuthenticationMethodKind::Fido2AuthenticationMethod(_)));
    assert_eq!(serde_json::to_value(&methods)?, page["value"]);
    let text = serde_json::to_string(&methods)?;
    let back: Vec<AuthenticationMethodKind> = serde_json::from_str(&text)?;
    assert_eq!(back, methods);
    Ok(())
}

#[test]
fn serde_errors_carry_the_codec_message() {
    // serde decodes through the lenient codec: a value that does not fit is kept aside.
    let user = serde_json::from_value::<User>(json!({"accountEnabled": "yes"})).unwrap();
    assert_eq!(user.account_enabled, None);
    assert_eq!(user.additional_data().get("accountEnabled"), Some(&json!("yes")));
    // What the codec refuses still fails, with the codec's message.
    let err = serde_json::from_value::<User>(json!([1])).unwrap_err();
    assert!(err.to_string().starts_with("at $ (byte 0): expected an object"), "{err}");
    // Without a type annotation the base type has no `phoneType`: kept as unknown, no error.
    let v = serde_json::from_value::<Vec<AuthenticationMethodKind>>(json!([{"phoneType": 1}])).unwrap();
    assert_eq!(v[0].as_model().additional_data().get("phoneType"), Some(&json!(1)));
}

// ---- 8. Debug and PartialEq -------------------------------------------------------------------

#[test]
fn debug_shows_only_set_fields_by_wire_name() -> TestResult {
    let phone: PhoneAuthenticationMethod = json::from_str(PHONE)?;
    let dbg = format!("{phone:?}");
    // Observed format: the OData type name (not the Rust name), then the set fields by wire name
    // as their `Option` (`Some(..)`), then additional_data, then `..`.
    assert!(dbg.starts_with("phoneAuthenticationMethod { id: Some(\"3179e48a-"), "{dbg}");
    assert!(dbg.ends_with(", .. }"), "{dbg}");
    for part in
        ["phoneNumber", "+1 2065555555", "phoneType: Some(Mobile)", "smsSignInState: Some(Ready)", "@odata.type"]
    {
        assert!(dbg.contains(part), "{part:?} missing from {dbg}");
    }
    for absent in ["createdDateTime", "created_date_time", "None", "phone_number"] {
        assert!(!dbg.contains(absent), "{absent:?} in {dbg}");
    }
    let empty = format!("{:?}", User::default());
    assert!(!empty.contains("displayName") && !empty.contains("None") && !empty.contains("additional_data"), "{empty}");
    assert!(empty.len() < 40, "a default User should print compactly: {empty}");
    // Pretty printing works too.
    assert!(
        format!("{phone:#?}").contains("\n    phoneNumber: Some(\n        \"+1 2065555555\",\n    ),"),
        "{phone:#?}"
    );
    Ok(())
}

#[test]
fn partial_eq_sees_every_field_and_additional_data() -> TestResult {
    let a: PhoneAuthenticationMethod = json::from_str(PHONE)?;
    let b: PhoneAuthenticationMethod = json::from_str(&json::to_string(&a))?;
    assert_eq!(a, b);
    assert_eq!(a, a.clone());

    let mut c = b.clone();
    c.phone_type = Some(AuthenticationPhoneType::Office);
    assert_ne!(a, c);
    let mut c = b.clone();
    c.created_date_time = Some("2021-03-24T04:28:06.8227543Z".parse()?);
    assert_ne!(a, c);
    let mut c = b.clone();
    c.additional_data.insert("extension_x", json!(1));
    assert_ne!(a, c);
    let mut c = b.clone();
    c.additional_data.set_null("createdDateTime");
    assert_ne!(a, c);
    let mut c = b.clone();
    c.additional_data.remove("@odata.type");
    assert_ne!(a, c);

    // Same instant, different text: representational equality (the fraction digits differ).
    let t1: DateTimeOffset = "2021-03-24T04:28:06.5Z".parse()?;
    let t2: DateTimeOffset = "2021-03-24T04:28:06.5000000Z".parse()?;
    let (mut p1, mut p2) = (PhoneAuthenticationMethod::default(), PhoneAuthenticationMethod::default());
    p1.created_date_time = Some(t1);
    p2.created_date_time = Some(t2);
    assert_ne!(p1, p2);

    let ka: AuthenticationMethodKind = json::from_str(PHONE)?;
    let kb: AuthenticationMethodKind = json::from_str(PHONE)?;
    assert_eq!(ka, kb);
    let kc: AuthenticationMethodKind = json::from_str(PASSWORD)?;
    assert_ne!(ka, kc);

    let mut extra = AdditionalData::default();
    assert!(extra.is_empty());
    extra.set_null("x");
    assert!(!extra.is_empty());
    assert_eq!(extra.len(), 0);
    Ok(())
}

// ---- 9. phone numbers -------------------------------------------------------------------------

#[test]
fn phone_number_validation() -> TestResult {
    let p = PhoneNumber::parse("+1 5555551234")?;
    assert_eq!((p.country_code(), p.number(), p.extension()), (1, "5555551234", None));
    assert_eq!(p.as_str(), "+1 5555551234");
    let p = PhoneNumber::parse("+1 5555551234x123")?;
    assert_eq!((p.country_code(), p.number(), p.extension()), (1, "5555551234", Some("123")));
    assert_eq!(p.to_string(), "+1 5555551234x123");
    assert_eq!(PhoneNumber::new(44, "2071234567", Some("9"))?.as_str(), "+44 2071234567x9");

    let cases: [(&str, PhoneNumberError); 10] = [
        ("", PhoneNumberError::Empty),
        ("5555551234", PhoneNumberError::MissingPlus { found: '5' }),
        (" +1 5555551234", PhoneNumberError::MissingPlus { found: ' ' }),
        ("+1 555-555-1234", PhoneNumberError::InvalidNumber { ch: '-', position: 6 }),
        ("+1 (555)5551234", PhoneNumberError::InvalidNumber { ch: '(', position: 3 }),
        ("+1", PhoneNumberError::MissingSpace),
        ("+1  5555551234", PhoneNumberError::ExtraSpace { position: 3 }),
        ("+1 555", PhoneNumberError::NumberLength { digits: 3 }),
        ("+1 5555551234x", PhoneNumberError::InvalidExtension { digits: 0 }),
        ("+1234 5555551234", PhoneNumberError::InvalidCountryCode { digits: 4, leading_zero: false }),
    ];
    for (input, expected) in cases {
        let err = PhoneNumber::parse(input).unwrap_err();
        assert_eq!(err, expected, "{input:?}");
        assert!(err.to_string().contains("expected format"), "{err}");
    }
    // The number as Graph returns it in the documented example is valid.
    let phone: PhoneAuthenticationMethod = json::from_str(PHONE)?;
    assert!(PhoneNumber::parse(phone.phone_number.as_deref().unwrap()).is_ok());
    // Through serde, invalid numbers are rejected with the same message.
    assert!(serde_json::from_value::<PhoneNumber>(json!("+1 555-555-1234")).is_err());
    assert_eq!(serde_json::from_value::<PhoneNumber>(json!("+1 5555551234"))?, PhoneNumber::parse("+1 5555551234")?);
    Ok(())
}

#[test]
fn phone_number_builds_a_post_body() -> TestResult {
    // POST /me/authentication/phoneMethods
    let new = PhoneAuthenticationMethod {
        phone_number: Some(PhoneNumber::parse("+1 2065555555x123")?.into()),
        phone_type: Some(AuthenticationPhoneType::Mobile),
        ..Default::default()
    };
    assert_eq!(
        model::to_request_body(&new),
        r##"{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","phoneNumber":"+1 2065555555x123","phoneType":"mobile"}"##
    );
    assert!(PhoneNumber::parse("+1 206 555 5555").is_err());
    Ok(())
}

// ---- 10. a large page -------------------------------------------------------------------------

fn synthetic_user(i: usize) -> Value {
    let guid = |salt: usize| {
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            i * 2_654_435_761 % 0xFFFF_FFFF,
            salt,
            i % 0xFFF,
            (i * 7) % 0xFFF,
            i * 31 + salt
        )
    };
    // 0 to 7 fraction digits, keeping trailing zeros (they must survive).
    let digits = i % 8;
    let fraction =
        if digits == 0 { String::new() } else { format!(".{:0digits$}", (i * 7919) % 10usize.pow(digits as u32)) };
    let mut u = json!({
        "id": guid(0),
        "displayName": format!("User {i:03} Ünïcödé \"q\""),
        "givenName": format!("Given{i}"),
        "surname": format!("Sur{i}"),
        "mail": format!("user{i}@contoso.com"),
        "userPrincipalName": format!("user{i}@contoso.onmicrosoft.com"),
        "businessPhones": (0..i % 3).map(|k| format!("+1 425 555 {:04}", (i + k) % 10_000)).collect::<Vec<_>>(),
        "accountEnabled": i % 7 != 0,
        "createdDateTime": format!("20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}Z", 10 + i % 15, 1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60),
        "assignedLicenses": (0..i % 4).map(|k| json!({"disabledPlans": (0..k).map(|d| guid(100 + d)).collect::<Vec<_>>(), "skuId": guid(10 + k)})).collect::<Vec<_>>(),
        "jobTitle": if i % 5 == 0 { Value::Null } else { json!(["Engineer", "Designer", "Manager"][i % 3]) },
        "usageLocation": "US",
    });
    let obj = u.as_object_mut().unwrap();
    if i % 10 == 0 {
        obj.insert("extension_0a1b2c3d_costCenter".into(), json!(format!("CC-{i}")));
    }
    if i % 11 == 0 {
        obj.insert("@odata.etag".into(), json!(format!("W/\"{i}\"")));
        obj.insert("passwordProfile".into(), json!({"forceChangePasswordNextSignIn": true, "password": null}));
    }
    if i % 13 == 0 {
        obj.insert(
            "memberOf".into(),
            json!([{"@odata.type": "#microsoft.graph.group", "id": guid(7), "displayName": format!("Group {i}")}]),
        );
    }
    u
}

#[test]
fn large_page_round_trips() -> TestResult {
    let users: Vec<Value> = (0..999).map(synthetic_user).collect();
    let input = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
        "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$top=999&$skiptoken=RFNwdAIAAQAAAB86dXNlcjk5OUBjb250b3NvLmNvbSlVc2VyXzk5OQ",
        "value": users,
    });
    let text = serde_json::to_string_pretty(&input)?;

    let started = Instant::now();
    let page: Page<User> = decode_page(text.as_bytes())?;
    let decoded_in = started.elapsed();
    assert_eq!(page.value.len(), 999);
    assert!(page.next_link.as_deref().unwrap().contains("$skiptoken="));

    let u = &page.value[998];
    assert_eq!(u.display_name.as_deref(), Some("User 998 Ünïcödé \"q\""));
    assert_eq!(u.business_phones.as_ref().map(Vec::len), Some(998 % 3));
    assert_eq!(u.account_enabled, Some(998 % 7 != 0));
    assert_eq!(page.value[0].additional_data.get("extension_0a1b2c3d_costCenter"), Some(&json!("CC-0")));
    assert!(page.value[0].additional_data.is_null("jobTitle"));
    assert!(matches!(page.value[13].member_of.as_deref(), Some([DirectoryObjectKind::Group(_)])));
    let digit_counts: std::collections::BTreeSet<u8> =
        page.value.iter().map(|u| u.created_date_time.unwrap().fraction_digits()).collect();
    assert_eq!(digit_counts.into_iter().collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5, 6, 7]);

    let started = Instant::now();
    let encoded_users: Vec<Value> = page.value.iter().map(encoded).collect();
    let encoded_in = started.elapsed();
    for (i, (got, want)) in encoded_users.iter().zip(input["value"].as_array().unwrap()).enumerate() {
        assert_eq!(got, &with_odata_type(want.clone(), User::ODATA_TYPE), "users[{i}]");
    }

    // The codec's Vec<User> on the bare array agrees with the page walk.
    let array_text = serde_json::to_string(&input["value"])?;
    let direct: Vec<User> = json::from_str(&array_text)?;
    assert_eq!(direct, page.value);
    eprintln!("999 users ({} bytes): decode {decoded_in:?}, encode {encoded_in:?}", text.len());
    Ok(())
}

// ---- misc: AssignedLicense built by hand ------------------------------------------------------

#[test]
fn hand_built_complex_value_encodes_guids_lowercase_hyphenated() {
    let lic = AssignedLicense {
        sku_id: Some(guid("C7DF2760-2C81-4EF7-B578-5B5392B571DF")),
        disabled_plans: Some(vec![]),
        ..Default::default()
    };
    assert_eq!(json::to_string(&lic), r#"{"disabledPlans":[],"skuId":"c7df2760-2c81-4ef7-b578-5b5392b571df"}"#);
    // Braced or uppercase input is accepted.
    let back: AssignedLicense = json::from_str(r#"{"skuId":"C7DF2760-2C81-4EF7-B578-5B5392B571DF"}"#).unwrap();
    assert_eq!(back.sku_id, lic.sku_id);
}

// ---- misc: Edm.Single / Edm.Double numbers ----------------------------------------------------

#[test]
fn single_precision_values_round_trip_as_written() -> TestResult {
    // Intune custom configuration: omaSettingFloatingPoint.value is Edm.Single (f32).
    let text = r##"{"@odata.type":"#microsoft.graph.omaSettingFloatingPoint","displayName":"Threshold","omaUri":"./Vendor/MSFT/Policy/Config/Custom/Threshold","value":0.1}"##;
    let setting: msgraph::models::OmaSettingFloatingPoint = json::from_str(text)?;
    assert_eq!(setting.value, Some(0.1f32));
    assert_eq!(json::to_string(&setting), text);
    for (input, expected) in [("1", "1.0"), ("-2.5", "-2.5"), ("3.4028235e38", "3.4028235e38"), ("1e-7", "1e-7")] {
        let t = text.replace(r#""value":0.1"#, &format!(r#""value":{input}"#));
        let s: msgraph::models::OmaSettingFloatingPoint = json::from_str(&t)?;
        assert_eq!(json::to_string(&s), text.replace(r#""value":0.1"#, &format!(r#""value":{expected}"#)));
    }
    // OData's special values are strings.
    let t = text.replace(r#""value":0.1"#, r#""value":"NaN""#);
    let s: msgraph::models::OmaSettingFloatingPoint = json::from_str(&t)?;
    assert!(s.value.is_some_and(f32::is_nan));
    assert_eq!(json::to_string(&s), t);
    Ok(())
}

// ---- inheritance by composition -----------------------------------------------------------------

const AGENT: &str = r##"{"@odata.type":"#microsoft.graph.agentUser","id":"a-1","displayName":"Build bot","agentIdentityBlueprintId":"bp-7","userPrincipalName":"bot@contoso.com"}"##;

#[test]
fn derived_types_hold_their_base_and_read_inherited_fields_through_deref() -> TestResult {
    // agentUser → user → directoryObject → entity: each level is stored once, in `base`.
    let agent: msgraph::models::AgentUser = json::from_str(AGENT)?;
    assert_eq!(agent.id.as_deref(), Some("a-1")); // entity, three levels up
    assert_eq!(agent.display_name.as_deref(), Some("Build bot")); // user
    assert_eq!(agent.base.base.base.id.as_deref(), Some("a-1"));
    // The wire shape is flat and unchanged: nothing lost, `@odata.type` first.
    assert_eq!(encoded(&agent), parse(AGENT));
    assert_eq!(json::to_string(&agent).find("@odata.type"), Some(2));

    // Writing an inherited field goes through `DerefMut` and is encoded like an own field.
    let mut user = User { display_name: Some("Adele".into()), ..Default::default() };
    user.id = Some("u-1".into());
    user.deleted_date_time = Some("2024-01-02T03:04:05Z".parse()?);
    let out = encoded(&user);
    assert_eq!(out["id"], json!("u-1"));
    assert_eq!(out["deletedDateTime"], json!("2024-01-02T03:04:05Z"));
    assert_eq!(out["displayName"], json!("Adele"));
    // Debug shows inherited fields with the own ones, and equality compares them.
    assert!(format!("{user:?}").starts_with(r#"user { id: Some("u-1"), deletedDateTime: Some("#), "{user:?}");
    let mut other = user.clone();
    other.id = Some("u-2".into());
    assert_ne!(user, other);
    // Unknown properties land in the one `additional_data`, at the root of the chain.
    let agent: msgraph::models::AgentUser = json::from_str(r#"{"id":"a-2","futureProperty":[1,2]}"#)?;
    assert_eq!(agent.additional_data.get("futureProperty"), Some(&json!([1, 2])));
    assert_eq!(agent.base.base.base.additional_data.len(), 1);
    Ok(())
}

#[test]
fn kind_enums_deref_to_their_base_convert_from_each_variant_and_downcast() -> TestResult {
    let page: Vec<UserKind> = json::from_str(&format!("[{AGENT},{}]", r#"{"id":"u-1","displayName":"Adele"}"#))?;
    // No match needed to read a base property of a mixed page.
    let names: Vec<&str> = page.iter().filter_map(|u| u.display_name.as_deref()).collect();
    assert_eq!(names, ["Build bot", "Adele"]);
    assert_eq!(page[0].odata_type(), "microsoft.graph.agentUser");
    // agentUser declares no properties of its own in v1.0: the extra one is kept as unknown.
    assert_eq!(
        page[0].as_agent_user().and_then(|a| a.additional_data.get("agentIdentityBlueprintId")),
        Some(&json!("bp-7"))
    );
    assert!(page[0].as_user().is_none());
    assert!(page[1].as_agent_user().is_none());
    assert_eq!(page[1].as_user().and_then(|u| u.id.as_deref()), Some("u-1"));

    // Writes through the wrapper land in whichever variant is held.
    let mut first = page[0].clone();
    first.job_title = Some("CI".into());
    assert_eq!(encoded(&first)["jobTitle"], json!("CI"));
    assert_eq!(encoded(&first)["@odata.type"], json!("#microsoft.graph.agentUser"));

    // `From` wraps any of the types; `into_…` gets it back or returns the value untouched.
    let agent = first.into_agent_user().map_err(|k| format!("not an agent: {k:?}"))?;
    assert_eq!(agent.job_title.as_deref(), Some("CI"));
    let wrapped = UserKind::from(agent.clone());
    assert!(matches!(&wrapped, UserKind::AgentUser(a) if **a == agent));
    let back = wrapped.into_user();
    assert!(back.is_err(), "an agentUser is not exactly a user");
    // A deeper wrapper reaches the same part: directoryObject's view of an agentUser.
    let object = DirectoryObjectKind::from(agent);
    assert_eq!(object.id.as_deref(), Some("a-1"));
    assert_eq!(object.odata_type(), "microsoft.graph.agentUser");
    // A mail recipient built without spelling the variant.
    let to: msgraph::models::RecipientKind = msgraph::models::Recipient::default().into();
    assert_eq!(to.odata_type(), "microsoft.graph.recipient");
    Ok(())
}
