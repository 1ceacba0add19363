//! Excel: read a worksheet range, update its values and read it back, through the typed
//! workbook builders (`…workbook().worksheets().by_id("Sheet1").range_with_address("A1:B2")`).
//!
//! The Graph emulator has no rules for workbooks (it answers `501` for them), so the example
//! registers the range's answers itself, through the emulator's mock API: this is how a test
//! covers its own code paths that the emulator does not model. One handler answers `GET` with
//! the cells it keeps, another takes the `PATCH` and keeps its values; afterwards the example
//! checks the `PATCH` body the emulator recorded, as a test would.
//!
//! Runs against the embedded Graph emulator, no configuration needed.
//!
//! Run: `cargo run --example excel_range`

use std::sync::{Arc, Mutex, PoisonError};

use msgraph::auth::ClientSecretCredential;
use msgraph::models::WorkbookRange;
use msgraph::GraphClient;
use msgraph_emulator::{Emulator, Mock, MockRequest, MockResponse};
use serde_json::{json, Value};

/// The workbook's driveItem id.
const WORKBOOK: &str = "01BYE5RZ6QN3ZWBTUFOFD3GSPGOHDJD36K";
/// The route of a range, as a mock template: `{…}` captures a segment or a parameter value.
const RANGE: &str = "/users/{user}/drive/items/{item}/workbook/worksheets/{sheet}/range(address='{address}')";

/// Graph's answer for a range: its address and cells.
fn range_json(req: &MockRequest, values: &Value) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.workbookRange",
        "address": format!("{}!{}", req.var("sheet").unwrap_or("?"), req.var("address").unwrap_or("?")),
        "rowCount": values.as_array().map_or(0, Vec::len),
        "columnCount": values.get(0).and_then(Value::as_array).map_or(0, Vec::len),
        "values": values,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = Emulator::start().await?;
    println!("started the local Graph emulator at {}", emu.base_url());

    // The cells of Sheet1!A1:B2, shared by the two mocks.
    let cells = Arc::new(Mutex::new(json!([["Fruit", "Qty"], ["Apples", 3]])));
    let read = {
        let cells = cells.clone();
        emu.mock(Mock::get(RANGE).respond_with(move |req| {
            let values = cells.lock().unwrap_or_else(PoisonError::into_inner).clone();
            MockResponse::json(200, range_json(req, &values))
        }))?
    };
    let write = {
        let cells = cells.clone();
        emu.mock(Mock::patch(RANGE).respond_with(move |req| {
            let Some(values) = req.json().and_then(|b| b.get("values").cloned()) else {
                return MockResponse::graph_error(400, "InvalidArgument", "The PATCH body has no 'values'.");
            };
            *cells.lock().unwrap_or_else(PoisonError::into_inner) = values.clone();
            MockResponse::json(200, range_json(req, &values))
        }))?
    };

    let app = emu.app().clone();
    let credential = ClientSecretCredential::new(&app.tenant_id, &app.client_id, app.client_secret.as_str())
        .with_authority_host(emu.login_base_url());
    let client = GraphClient::builder().base_url(emu.base_url()).credential(credential).build()?;
    let range = client
        .users()
        .by_id("AdeleV@contoso.onmicrosoft.com")
        .drive()
        .items()
        .by_id(WORKBOOK)
        .workbook()
        .worksheets()
        .by_id("Sheet1")
        .range_with_address("A1:B2");

    let before = range.get().send().await?;
    println!("read {}: {}", before.address.as_deref().unwrap_or("?"), before.values.clone().unwrap_or_default());

    let update = WorkbookRange { values: Some(json!([["Fruit", "Qty"], ["Apples", 5]])), ..Default::default() };
    range.update(&update).send().await?;
    let after = range.get().send().await?;
    println!("after the update: {}", after.values.clone().unwrap_or_default());

    // What a test asserts: how often each route was called and what the PATCH sent.
    read.assert_called(2);
    write.assert_called_once();
    let sent = write.last_request().ok_or("the PATCH was not recorded")?;
    let body = sent.json().ok_or("the PATCH body is not JSON")?;
    if body != json!({"values": [["Fruit", "Qty"], ["Apples", 5]]}) {
        return Err(format!("unexpected PATCH body: {body}").into());
    }
    println!("PATCH {} sent {body}", sent.path());
    println!("captured: sheet {}, address {}", sent.var("sheet").unwrap_or("?"), sent.var("address").unwrap_or("?"));
    emu.assert_no_violations();
    emu.shutdown().await;
    Ok(())
}
