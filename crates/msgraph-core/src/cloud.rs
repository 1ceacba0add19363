//! Microsoft Graph national clouds: their Graph and login hosts.

/// Microsoft Graph national clouds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum NationalCloud {
    /// `https://graph.microsoft.com`, login `https://login.microsoftonline.com`.
    #[default]
    Global,
    /// US Government L4 (GCC High): `https://graph.microsoft.us`, login
    /// `https://login.microsoftonline.us`.
    UsGovL4,
    /// US Government L5 (DoD): `https://dod-graph.microsoft.us`, login
    /// `https://login.microsoftonline.us`.
    UsGovL5Dod,
    /// China (operated by 21Vianet): `https://microsoftgraph.chinacloudapi.cn`, login
    /// `https://login.chinacloudapi.cn`.
    China,
}

impl NationalCloud {
    /// The Graph endpoint (no trailing slash, no version).
    pub fn graph_endpoint(&self) -> &'static str {
        match self {
            NationalCloud::Global => "https://graph.microsoft.com",
            NationalCloud::UsGovL4 => "https://graph.microsoft.us",
            NationalCloud::UsGovL5Dod => "https://dod-graph.microsoft.us",
            NationalCloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The Microsoft identity platform host.
    pub fn login_endpoint(&self) -> &'static str {
        match self {
            NationalCloud::Global => "https://login.microsoftonline.com",
            NationalCloud::UsGovL4 | NationalCloud::UsGovL5Dod => "https://login.microsoftonline.us",
            NationalCloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// `{graph endpoint}/.default`.
    pub fn default_scope(&self) -> String {
        format!("{}/.default", self.graph_endpoint())
    }
}
