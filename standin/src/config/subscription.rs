//! Subscriptions and their cloud services.

use serde::Deserialize;

use super::Certificate;

/// A subscription, known to ASM (management certificates) and ARM (role assignments).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Subscription {
    /// Subscription id (a GUID).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Active or Disabled (or Warned, Deleted).
    pub state: SubscriptionState,
    /// Tenant the subscription belongs to; `None` means the first configured tenant.
    pub tenant_id: Option<String>,
    /// Registered management certificates (ASM accepts a client certificate whose SHA-1
    /// thumbprint matches one of these).
    pub management_certificates: Vec<Certificate>,
    /// Cloud services listed by List Hosted Services.
    pub hosted_services: Vec<HostedService>,
    /// Page size of List Hosted Services; more services than this are paged with
    /// `x-ms-continuation-token`. `None` lists all at once.
    pub hosted_services_page_size: Option<usize>,
}

impl Subscription {
    /// An active subscription without certificates or services.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Subscription {
            id: id.into(),
            name: name.into(),
            state: SubscriptionState::Active,
            tenant_id: None,
            management_certificates: Vec::new(),
            hosted_services: Vec::new(),
            hosted_services_page_size: None,
        }
    }

    /// Sets the state.
    pub fn state(mut self, state: SubscriptionState) -> Self {
        self.state = state;
        self
    }

    /// Sets the owning tenant.
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// Registers a management certificate.
    pub fn management_certificate(mut self, certificate: Certificate) -> Self {
        self.management_certificates.push(certificate);
        self
    }

    /// Adds a cloud service.
    pub fn hosted_service(mut self, service: HostedService) -> Self {
        self.hosted_services.push(service);
        self
    }

    /// Pages List Hosted Services by `size` entries.
    pub fn hosted_services_page_size(mut self, size: usize) -> Self {
        self.hosted_services_page_size = Some(size.max(1));
        self
    }
}

/// Subscription states, as ASM names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum SubscriptionState {
    /// Usable; ARM calls it `Enabled`.
    #[default]
    Active,
    /// ASM answers 403 SubscriptionDisabled.
    Disabled,
    /// Usable with a warning.
    Warned,
    /// Deleted.
    Deleted,
}

impl SubscriptionState {
    /// The ASM `SubscriptionStatus` text.
    pub fn asm_name(self) -> &'static str {
        match self {
            SubscriptionState::Active => "Active",
            SubscriptionState::Disabled => "Disabled",
            SubscriptionState::Warned => "Warned",
            SubscriptionState::Deleted => "Deleted",
        }
    }

    /// The ARM `state` text.
    pub fn arm_name(self) -> &'static str {
        match self {
            SubscriptionState::Active => "Enabled",
            other => other.asm_name(),
        }
    }
}

/// A cloud service (classic) listed by ASM.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HostedService {
    /// Service name.
    pub name: String,
    /// Region; sent instead of an affinity group.
    #[serde(default)]
    pub location: Option<String>,
    /// Affinity group (a GUID); sent when `location` is not set.
    #[serde(default)]
    pub affinity_group: Option<String>,
    /// Label (plain text; sent base64-encoded as ASM does). Defaults to the name.
    #[serde(default)]
    pub label: Option<String>,
    /// Description; absent ones are sent as `i:nil="true"`.
    #[serde(default)]
    pub description: Option<String>,
}

impl HostedService {
    /// A service in `location`.
    pub fn new(name: impl Into<String>, location: impl Into<String>) -> Self {
        HostedService {
            name: name.into(),
            location: Some(location.into()),
            affinity_group: None,
            label: None,
            description: None,
        }
    }
}
