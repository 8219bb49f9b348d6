//! State shared by the server's connections and the [`crate::StandIn`] handle.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};

use time::OffsetDateTime;

use crate::config::Config;
use crate::faults::{FaultRule, Times};
use crate::ids::random_hex;
use crate::Fault;

/// Which of the three Azure services a request was addressed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Legacy Service Management (`/{subscription}/…`).
    Asm,
    /// Entra ID token endpoint (`/{tenant}/oauth2/…`).
    Entra,
    /// Azure Resource Manager (`/subscriptions/…`).
    Arm,
    /// Microsoft Graph (`/v1.0/…`).
    Graph,
}

/// One request as the stand-in saw it, for tests to assert on.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RequestRecord {
    /// When it arrived (the stand-in's clock, offset included).
    pub at: OffsetDateTime,
    /// Which service the path belongs to.
    pub service: Service,
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Query string, without `?`.
    pub query: Option<String>,
    /// Request headers, names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// Request body as text (the token endpoint's form; may hold secrets: test use only).
    pub body: String,
    /// SHA-1 thumbprint (upper-case hex) of the TLS client certificate, if one was sent.
    pub client_thumbprint: Option<String>,
    /// Status answered; `None` when the connection was dropped.
    pub status: Option<u16>,
    /// The injected fault, if one was applied.
    pub fault: Option<Fault>,
}

impl RequestRecord {
    /// Whether the path matches `pattern`, with the rules of
    /// [`crate::StandIn::set_fault`] (`*` for one segment, prefix match).
    pub fn matches(&self, pattern: &str) -> bool {
        crate::faults::path_matches(pattern, &self.path)
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What an issued bearer token stands for.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub tenant_id: String,
    pub client_id: String,
    /// The resource the token was issued for, without a trailing `/`.
    pub audience: String,
    pub expires: OffsetDateTime,
    /// The application permissions (app roles) the token carries, fixed when issued.
    pub roles: Vec<String>,
}

/// Where a device code stands (`crate::device_code` serves them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DeviceState {
    Pending,
    /// Approved by the person the configured app with this client id stands for.
    Approved(String),
    Declined,
    /// A token was issued: the code cannot be used again.
    Redeemed,
}

/// One device code handed out.
#[derive(Clone, Debug)]
pub(crate) struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub tenant_id: String,
    pub client_id: String,
    pub resource: String,
    pub offline_access: bool,
    pub expires: OffsetDateTime,
    pub interval: u64,
    pub last_poll: Option<OffsetDateTime>,
    pub state: DeviceState,
}

/// Everything the server mutates, behind locks; one per stand-in.
pub(crate) struct Shared {
    pub config: RwLock<Config>,
    faults: Mutex<Vec<FaultRule>>,
    untrusted: Mutex<Option<Times>>,
    log: Mutex<Vec<RequestRecord>>,
    tokens: Mutex<HashMap<String, Grant>>,
    seen_jti: Mutex<HashSet<String>>,
    /// SHA-1 thumbprint of a certificate added over Graph → when Entra ID accepts it.
    replicated_at: Mutex<HashMap<String, OffsetDateTime>>,
    /// Client id (lower case) of an app made over Graph → when it can sign in.
    app_usable_at: Mutex<HashMap<String, OffsetDateTime>>,
    /// Object id (lower case) of a service principal made over Graph → when.
    principal_created_at: Mutex<HashMap<String, OffsetDateTime>>,
    /// Device codes handed out, and their state.
    device_codes: Mutex<Vec<DeviceCode>>,
    /// Refresh tokens → the grant they renew (another resource's token included).
    refresh_tokens: Mutex<HashMap<String, Grant>>,
    clock_offset_secs: AtomicI64,
}

/// A poisoned lock only means a handler panicked; the data is still usable for tests.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn new(config: Config) -> Self {
        Shared {
            config: RwLock::new(config),
            faults: Mutex::default(),
            untrusted: Mutex::default(),
            log: Mutex::default(),
            tokens: Mutex::default(),
            seen_jti: Mutex::default(),
            replicated_at: Mutex::default(),
            app_usable_at: Mutex::default(),
            principal_created_at: Mutex::default(),
            device_codes: Mutex::default(),
            refresh_tokens: Mutex::default(),
            clock_offset_secs: AtomicI64::new(0),
        }
    }

    /// The stand-in's "now": the system clock plus the configured offset. Every time
    /// check (assertion window, secret and certificate expiry, token expiry) uses it.
    pub fn now(&self) -> OffsetDateTime {
        let offset = self.clock_offset_secs.load(Ordering::Relaxed);
        OffsetDateTime::now_utc() + time::Duration::seconds(offset)
    }

    pub fn set_clock_offset(&self, seconds: i64) {
        self.clock_offset_secs.store(seconds, Ordering::Relaxed);
    }

    pub fn config(&self) -> std::sync::RwLockReadGuard<'_, Config> {
        self.config.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn update_config(&self, change: impl FnOnce(&mut Config)) {
        change(&mut self.config.write().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn add_fault(&self, rule: FaultRule) {
        lock(&self.faults).push(rule);
    }

    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
        *lock(&self.untrusted) = None;
    }

    pub fn take_fault(&self, path: &str) -> Option<Fault> {
        crate::faults::take(&mut lock(&self.faults), path)
    }

    pub fn set_untrusted(&self, times: Times) {
        *lock(&self.untrusted) = Some(times);
    }

    pub fn take_untrusted(&self) -> bool {
        crate::faults::take_untrusted(&mut lock(&self.untrusted))
    }

    pub fn record(&self, record: RequestRecord) {
        lock(&self.log).push(record);
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.log).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.log).clear();
    }

    /// Issues an opaque bearer token for `grant`.
    pub fn issue_token(&self, grant: Grant) -> String {
        let token = format!("standin.{}", random_hex(32));
        lock(&self.tokens).insert(token.clone(), grant);
        token
    }

    pub fn grant(&self, token: &str) -> Option<Grant> {
        lock(&self.tokens).get(token).cloned()
    }

    /// Remembers that the certificate with `thumbprint` signs in only from `at`.
    pub fn replicate_at(&self, thumbprint: &str, at: OffsetDateTime) {
        lock(&self.replicated_at).insert(thumbprint.to_ascii_uppercase(), at);
    }

    /// Whether Entra ID already knows a certificate (one added over Graph may not yet).
    pub fn replicated(&self, thumbprint: &str) -> bool {
        lock(&self.replicated_at)
            .get(&thumbprint.to_ascii_uppercase())
            .is_none_or(|at| self.now() >= *at)
    }

    /// Remembers that the app `client_id`, made over Graph, signs in only from `at`.
    pub fn app_usable_at(&self, client_id: &str, at: OffsetDateTime) {
        lock(&self.app_usable_at).insert(client_id.to_ascii_lowercase(), at);
    }

    /// Whether Entra ID's sign-in already knows the app (one made a moment ago may not).
    pub fn app_usable(&self, client_id: &str) -> bool {
        lock(&self.app_usable_at)
            .get(&client_id.to_ascii_lowercase())
            .is_none_or(|at| self.now() >= *at)
    }

    /// Remembers when the service principal `object_id` was made.
    pub fn principal_created(&self, object_id: &str) {
        let now = self.now();
        lock(&self.principal_created_at).insert(object_id.to_ascii_lowercase(), now);
    }

    /// When the service principal `object_id` was made over Graph, if it was.
    pub fn principal_created_at(&self, object_id: &str) -> Option<OffsetDateTime> {
        lock(&self.principal_created_at)
            .get(&object_id.to_ascii_lowercase())
            .copied()
    }

    /// The device codes, locked.
    pub fn device_codes(&self) -> MutexGuard<'_, Vec<DeviceCode>> {
        lock(&self.device_codes)
    }

    /// Issues a refresh token renewing `grant` (for any resource).
    pub fn issue_refresh_token(&self, grant: Grant) -> String {
        let token = format!("standin-refresh.{}", random_hex(32));
        lock(&self.refresh_tokens).insert(token.clone(), grant);
        token
    }

    /// The grant a refresh token renews.
    pub fn refresh_grant(&self, token: &str) -> Option<Grant> {
        lock(&self.refresh_tokens).get(token).cloned()
    }

    /// Records `jti`; false when it was seen before.
    pub fn first_use_of_jti(&self, client_id: &str, jti: &str) -> bool {
        lock(&self.seen_jti).insert(format!("{client_id}\n{jti}"))
    }
}
