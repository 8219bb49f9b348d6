//! Token audiences: which resources the stand-in's Entra ID issues tokens for, and which
//! of them ARM and Graph accept. One leaf, read by the token endpoint and by both APIs.

/// ARM's public resources (`docs/azure.md` § Clouds); ARM also accepts the stand-in's
/// own URL.
const ARM_RESOURCES: [&str; 2] = [
    "https://management.azure.com",
    "https://management.core.windows.net",
];

/// Graph's resource in each cloud (public, US Government L4 and L5, China); a Graph
/// token must be for one of them or for the stand-in's own URL.
const GRAPH_AUDIENCES: [&str; 4] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
];

/// Whether the token endpoint issues tokens for `resource`: the stand-in's own URL (it
/// serves ARM and Graph too), ARM's or Graph's.
pub(crate) fn is_known_resource(resource: &str, base_url: &str) -> bool {
    let resource = resource.trim_end_matches('/');
    is_arm_audience(resource, base_url) || is_graph_audience(resource, base_url)
}

/// Whether `url` is the stand-in's own URL under any of the names its certificate holds
/// (`127.0.0.1`, `localhost`, `[::1]`, on the port of `base_url`): a client may name
/// Graph by one and ARM by another, so that their token scopes differ as in Azure.
fn is_own_url(url: &str, base_url: &str) -> bool {
    let url = url.trim_end_matches('/').to_ascii_lowercase();
    if url == base_url.trim_end_matches('/').to_ascii_lowercase() {
        return true;
    }
    let Some(port) = base_url.rsplit(':').next() else {
        return false;
    };
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|host| url == format!("https://{host}:{port}"))
}

/// Whether ARM accepts a token for `audience` (its public audiences or its own URL).
pub(crate) fn is_arm_audience(audience: &str, base_url: &str) -> bool {
    let audience = audience.trim_end_matches('/');
    is_own_url(audience, base_url)
        || ARM_RESOURCES
            .iter()
            .any(|r| r.eq_ignore_ascii_case(audience))
}

/// Whether Graph accepts a token for `audience`.
pub(crate) fn is_graph_audience(audience: &str, base_url: &str) -> bool {
    let audience = audience.trim_end_matches('/');
    is_own_url(audience, base_url)
        || GRAPH_AUDIENCES
            .iter()
            .any(|a| a.eq_ignore_ascii_case(audience))
}
