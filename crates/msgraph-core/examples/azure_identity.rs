//! Managed identity, workload identity and the Azure CLI through `azure_identity` (feature
//! `azure-identity`): each `azure_identity` credential becomes a token provider with
//! `AzureCoreCredential::new`.
//!
//! Compiled by the tests, not run (it needs Azure): on an Azure VM, App Service or Functions
//! host choose `managed`; on AKS with workload identity (the `AZURE_CLIENT_ID`,
//! `AZURE_TENANT_ID` and `AZURE_FEDERATED_TOKEN_FILE` variables the webhook sets) choose
//! `workload`; on a developer machine after `az login` choose `cli`.
//!
//! Run: `cargo run -p msgraph-core --features azure-identity --example azure_identity -- cli`
//!
//! Note: claims challenges (continuous access evaluation) cannot be passed to azure_core
//! credentials; see `msgraph_core::auth::AzureCoreCredential`.

use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use azure_identity::{AzureCliCredential, ManagedIdentityCredential, WorkloadIdentityCredential};
use msgraph_core::auth::AzureCoreCredential;
use msgraph_core::client::Client;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let which = std::env::args().nth(1).unwrap_or_else(|| "cli".into());
    let credential: Arc<dyn TokenCredential> = match which.as_str() {
        // System-assigned; set `user_assigned_id` in the options for a user-assigned identity.
        "managed" => ManagedIdentityCredential::new(None)?,
        "workload" => WorkloadIdentityCredential::new(None)?,
        "cli" => AzureCliCredential::new(None)?,
        other => return Err(format!("unknown credential {other:?}: managed, workload or cli").into()),
    };
    let client = Client::builder().credential(AzureCoreCredential::new(credential)).build()?;
    // App-only for managed and workload identity (no /me): list a few users.
    let users: serde_json::Value = client.get(&["users"]).query_param("$top", "3").send().await?;
    println!("{users}");
    Ok(())
}
