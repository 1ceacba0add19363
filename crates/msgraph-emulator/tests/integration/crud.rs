//! Item 3: the generic store, query options and server-driven paging.
use super::common::*;
use msgraph_emulator::Emulator;
use serde_json::json;

fn new_user(n: usize) -> serde_json::Value {
    json!({
        "accountEnabled": true,
        "displayName": format!("Test User {n:02}"),
        "mailNickname": format!("test{n}"),
        "userPrincipalName": format!("test{n}@contoso.onmicrosoft.com"),
        "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"},
        "jobTitle": if n % 2 == 0 { "Engineer" } else { "Designer" },
    })
}

#[tokio::test]
async fn create_get_patch_delete() {
    let t = T::new().await;
    let r = t.post("/users", new_user(1)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.json();
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "server-assigned GUID");
    assert!(v["@odata.context"].as_str().unwrap().ends_with("$metadata#users/$entity"));
    assert!(v.get("passwordProfile").is_none(), "secrets are not returned");
    assert!(v["createdDateTime"].is_string());
    assert_eq!(r.header("location").unwrap(), format!("{}/users/{id}", t.emu.base_url()));
    // GET it back.
    let g = t.get(&format!("/users/{id}")).await.json();
    assert_eq!(g["displayName"], "Test User 01");
    // PATCH merges: 204, other properties kept, null clears.
    let r = t.patch(&format!("/users/{id}"), json!({"jobTitle": "Lead", "officeLocation": "B1"})).await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    let g = t.get(&format!("/users/{id}")).await.json();
    assert_eq!(
        (g["jobTitle"].as_str(), g["officeLocation"].as_str(), g["displayName"].as_str()),
        (Some("Lead"), Some("B1"), Some("Test User 01"))
    );
    assert_eq!(t.patch(&format!("/users/{id}"), json!({"officeLocation": null})).await.status, 204);
    assert!(t.get(&format!("/users/{id}")).await.json()["officeLocation"].is_null());
    // The key cannot change.
    assert_eq!(t.patch(&format!("/users/{id}"), json!({"id": "other"})).await.status, 400);
    // DELETE: 204, then 404.
    assert_eq!(t.delete(&format!("/users/{id}")).await.status, 204);
    assert_eq!(t.get(&format!("/users/{id}")).await.status, 404);
    assert_eq!(t.delete(&format!("/users/{id}")).await.status, 404);
    // Creating on a single entity: 405. PUT on an entity replaces it, its body checked as for
    // PATCH.
    assert_eq!(t.post(&format!("/users/{ADELE}"), json!({})).await.status, 405);
    assert_eq!(t.send("PUT", &format!("/users/{ADELE}"), Some(json!({"bogus": 1})), &[]).await.status, 400);
    // Deleting a singleton: 405.
    assert_eq!(t.delete("/me").await.status, 405);
}

#[tokio::test]
async fn user_and_group_rules() {
    let t = T::new().await;
    let mut u = new_user(2);
    u["userPrincipalName"] = json!("AdeleV@contoso.onmicrosoft.com");
    let r = t.post("/users", u).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("same value for property userPrincipalName"));
    let mut u = new_user(3);
    u["userPrincipalName"] = json!("x@not-our-domain.com");
    let r = t.post("/users", u).await;
    assert!(r.message().contains("verified domain"), "{}", r.text);
    let mut u = new_user(4);
    u.as_object_mut().unwrap().remove("passwordProfile");
    let r = t.post("/users", u).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("passwordProfile"));
    let r = t.patch(&format!("/users/{ALEX}"), json!({"userPrincipalName": "adelev@contoso.onmicrosoft.com"})).await;
    assert_eq!(r.status, 400);
    let r = t
        .post(
            "/groups",
            json!({"displayName": "G", "mailEnabled": false, "mailNickname": "g", "securityEnabled": true,
        "members@odata.bind": [format!("https://graph.microsoft.com/v1.0/directoryObjects/{LEE}")]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let gid = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(ids(&t.get(&format!("/groups/{gid}/members")).await.json()), vec![LEE.to_string()]);
    assert!(ids(&t.get(&format!("/users/{LEE}/memberOf")).await.json()).contains(&gid));
    let r = t.post("/groups", json!({"displayName": "G"})).await;
    assert_eq!(r.status, 400);
    // POST /directoryObjects with a user type lands in users.
    let mut u = new_user(5);
    u["@odata.type"] = json!("#microsoft.graph.user");
    let r = t.post("/directoryObjects", u).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(t.get(&format!("/users/{id}")).await.status, 200);
}

#[tokio::test]
async fn select_filter_orderby() {
    let t = T::new().await;
    let v = t.get("/users?$select=displayName,id&$filter=startswith(displayName,'a')").await.json();
    assert_eq!(ids(&v).len(), 2, "{v}");
    assert!(v["@odata.context"].as_str().unwrap().ends_with("$metadata#users(displayName,id)"));
    for u in v["value"].as_array().unwrap() {
        assert_eq!(u.as_object().unwrap().len(), 2, "{u}");
    }
    let f = |q: &str| {
        let q = q.to_string();
        let t = &t;
        async move {
            let r = t.get_eventual(&format!("/users?$select=displayName&$orderby=displayName&$filter={}", q)).await;
            assert_eq!(r.status, 200, "{q}: {}", r.text);
            r.json()["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["displayName"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(f("displayName eq 'Lee Gu'").await, vec!["Lee Gu"]);
    assert_eq!(f("department in ('Retail', 'Operations')").await, vec!["Adele Vance", "Nestor Wilke"]);
    assert_eq!(f("department eq 'Marketing' and jobTitle ne 'Marketing Manager'").await, vec!["Alex Wilber"]);
    assert_eq!(
        f("(givenName eq 'Lee' or givenName eq 'Megan') and accountEnabled eq true").await,
        vec!["Lee Gu", "Megan Bowen"]
    );
    assert_eq!(f("not(accountEnabled eq true)").await, vec!["Nestor Wilke"]);
    assert_eq!(f("endswith(mail,'b@contoso.onmicrosoft.com')").await, vec!["Megan Bowen"]);
    assert_eq!(f("createdDateTime gt 2021-03-24T04:30:00Z").await, vec!["Lee Gu", "Nestor Wilke"]);
    assert_eq!(f("businessPhones/any(p:startswith(p,'%2B1 9'))").await, vec!["Lee Gu"]);
    assert_eq!(f("id eq 87D349ED-44D7-43E1-9A83-5F2406DEE5BD").await, vec!["Adele Vance"]);
    assert_eq!(f("mobilePhone eq null and givenName eq 'Adele'").await, vec!["Adele Vance"]);
    // orderby desc + skip + top.
    let v = t.get("/users?$orderby=surname desc&$top=2&$skip=1&$select=surname").await.json();
    let names: Vec<&str> = v["value"].as_array().unwrap().iter().map(|u| u["surname"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Wilber", "Vance"]);
    // Polymorphic filter on the methods collection.
    let v = t.get("/me/authentication/phoneMethods?$filter=phoneType eq 'office'").await.json();
    assert_eq!(ids(&v), vec!["e37fc753-ff3b-4958-9484-eaa9425c82bc"]);
}

#[tokio::test]
async fn query_errors() {
    let t = T::new().await;
    let cases = [
        ("/users?$filter=displayName eq", "Syntax error at position 14"),
        ("/users?$filter=displayName eq 'open", "Unterminated string literal"),
        ("/users?$filter=nope eq 1", "Could not find a property named 'nope'"),
        ("/users?$filter=displayName add 1 eq 2", "'add' is not supported"),
        ("/users?$filter=foo(displayName)", "unknown function with name 'foo'"),
        ("/users?$filter=displayName gt 5", "Incompatible operand types"),
        ("/users?$select=nope", "Could not find a property named 'nope'"),
        ("/users?$orderby=nope", "Could not find a property named 'nope'"),
        ("/users?$top=-1", "non-negative integer"),
        ("/users?$top=1000", "between 1 and 999"),
        ("/users?$skip=x", "non-negative integer"),
        ("/users?$count=maybe", "not a valid count"),
        ("/users?$bogus=1", "'$bogus' is not supported"),
        ("/users?$top=1&$top=2", "more than once"),
        ("/me?$top=1", "only valid on collections"),
        ("/users?$skiptoken=forged", "$skiptoken is not valid"),
    ];
    for (q, msg) in cases {
        let r = t.get(q).await;
        assert_eq!(r.status, 400, "{q}: {}", r.text);
        assert_eq!(r.error_code(), "BadRequest", "{q}");
        assert!(r.message().contains(msg), "{q}: {}", r.message());
    }
    assert_eq!(t.get("/users?$expand=manager").await.status, 501);
    assert_eq!(t.get("/users?$apply=groupby((x))").await.status, 501);
    // Custom (non-$) parameters are ignored.
    assert_eq!(t.get("/users?foo=bar").await.status, 200);
}

#[tokio::test]
async fn advanced_queries_need_consistency_level() {
    let t = T::new().await;
    for q in [
        "/users?$filter=displayName ne 'x'",
        "/users?$filter=not(accountEnabled eq true)",
        "/users?$filter=endswith(mail,'x.com')",
        "/users?$count=true",
        "/users?$search=\"displayName:ad\"",
    ] {
        let r = t.get(q).await;
        assert_eq!(r.status, 400, "{q}");
        assert!(r.message().contains("ConsistencyLevel"), "{q}: {}", r.message());
        assert_eq!(t.get_eventual(q).await.status, 200, "{q} with the header");
    }
    let v = t.get_eventual("/users?$search=\"displayName:meg\"&$count=true").await.json();
    assert_eq!(ids(&v), vec![MEGAN.to_string()]);
    assert_eq!(v["@odata.count"], 1);
    let v = t
        .get_eventual("/users?$search=\"displayName:vance\" OR \"displayName:wilke\"&$orderby=displayName")
        .await
        .json();
    assert_eq!(ids(&v), vec![ADELE.to_string(), NESTOR.to_string()]);
    let r = t.get_eventual("/users?$search=displayName:meg").await;
    assert_eq!(r.status, 400);
    // Not needed outside the directory.
    let r = t.get("/me/authentication/methods?$count=true&$filter=id ne 'x'").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["@odata.count"], 6);
}

#[tokio::test]
async fn paging_follows_next_links() {
    let t = T::with(Emulator::builder().page_size(2)).await;
    for n in 0..7 {
        assert_eq!(t.post("/users", new_user(10 + n)).await.status, 201);
    }
    // 12 users, pages of 2.
    let first = t.get_eventual("/users?$count=true&$select=id").await.json();
    assert_eq!(first["@odata.count"], 12);
    let next = first["@odata.nextLink"].as_str().unwrap();
    assert!(next.starts_with(&format!("{}/users?", t.emu.base_url())), "{next}");
    assert!(next.contains("$count=true&$select=id&$skiptoken="), "{next}");
    let second = t.send("GET", next, None, &[("ConsistencyLevel", "eventual")]).await.json();
    assert!(second.get("@odata.count").is_none(), "count only on the first page");
    let (all, pages) = t.get_all("/users").await;
    assert_eq!((all.len(), pages), (12, 6));
    let mut seen: Vec<&str> = all.iter().map(|u| u["id"].as_str().unwrap()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 12);
    // $top is the page size; filter and orderby are kept across pages.
    let (all, pages) =
        t.get_all("/users?$top=5&$filter=startswith(displayName,'Test')&$orderby=displayName desc").await;
    assert_eq!((all.len(), pages), (7, 2));
    assert_eq!(all[0]["displayName"], "Test User 16");
    assert_eq!(all[6]["displayName"], "Test User 10");
    // Prefer: odata.maxpagesize sets the page size when there is no $top.
    let r = t.send("GET", "/users", None, &[("Prefer", "odata.maxpagesize=4")]).await;
    assert_eq!(r.json()["value"].as_array().unwrap().len(), 4);
    assert_eq!(r.header("preference-applied"), Some("odata.maxpagesize=4"));
    assert!(r.header("odata-version").is_some());
    // Tampered or cross-query tokens are rejected.
    let first = t.get("/users?$top=3").await.json();
    let next = first["@odata.nextLink"].as_str().unwrap().replace("$top=3", "$top=4");
    assert_eq!(t.send("GET", &next, None, &[]).await.status, 400);
    t.emu.clear_violations();
}

#[tokio::test]
async fn empty_pages_are_served() {
    let t = T::with(Emulator::builder().page_size(2).empty_pages(true)).await;
    let mut sizes = Vec::new();
    let mut next = Some(t.url("/users"));
    while let Some(url) = next {
        let v = t.send("GET", &url, None, &[]).await.json();
        sizes.push(v["value"].as_array().unwrap().len());
        next = v["@odata.nextLink"].as_str().map(String::from);
    }
    // 5 users: 2, empty, 2, empty, 1, empty (last page empty).
    assert_eq!(sizes, vec![2, 0, 2, 0, 1, 0]);
    t.emu.assert_no_violations();
}

#[tokio::test]
async fn contained_singletons_and_policy() {
    let t = T::new().await;
    let p = t.get("/authenticationMethodsPolicy").await.json();
    assert_eq!(p["policyVersion"], "1.5");
    let sms = t.get("/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms").await.json();
    assert_eq!(sms["@odata.type"], "#microsoft.graph.smsAuthenticationMethodConfiguration");
    let targets = t.get("/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms/microsoft.graph.smsAuthenticationMethodConfiguration/includeTargets").await;
    assert_eq!(targets.status, 200, "{}", targets.text);
    assert_eq!(targets.json()["value"][0]["id"], "all_users");
    // Other singletons exist, empty; writable.
    let r = t.get("/admin").await;
    assert_eq!(r.status, 200);
    // Contained single-valued navigation: read as empty before any write.
    let r = t.get(&format!("/users/{NESTOR}/authentication")).await;
    assert_eq!(r.status, 200);
    assert_eq!(t.get(&format!("/users/{NESTOR}/authentication/methods")).await.json()["value"], json!([]));
    // Deleting a user deletes what it contains.
    assert_eq!(t.delete(&format!("/users/{ALEX}")).await.status, 204);
    assert_eq!(t.get(&format!("/users/{ALEX}/authentication/phoneMethods")).await.status, 404);
}
