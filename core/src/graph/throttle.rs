//! How patient certtool is with a throttling Graph (`docs/graph.md` "Throttling"): a
//! policy, the budget one operation spends under it, and what it saw, so a listing that
//! gives up can say so instead of ending short.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

/// The function that waits: tokio's timer, or a test's recording stand-in.
type SleepFn = dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync;

/// Something that waits for a duration. Injectable so tests can record the waits Graph
/// asked for without spending them.
#[derive(Clone)]
pub struct Sleeper(Arc<SleepFn>);

impl std::fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sleeper")
    }
}

impl Default for Sleeper {
    fn default() -> Self {
        Sleeper::new(|d| Box::pin(tokio::time::sleep(d)))
    }
}

impl Sleeper {
    /// A sleeper that calls `f` for every wait.
    pub fn new(
        f: impl Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync + 'static,
    ) -> Self {
        Sleeper(Arc::new(f))
    }

    /// Waits `duration`.
    pub async fn sleep(&self, duration: Duration) {
        (self.0)(duration).await
    }
}

/// How one Graph operation (a whole listing, one `$batch` call, one write) behaves when
/// throttled.
#[derive(Debug, Clone)]
pub struct ThrottlePolicy {
    /// The most time one operation spends waiting on 429s (and, for reads, 503/504 and
    /// dropped connections). A wait that would go past it is not started: the operation
    /// stops there and says why.
    pub budget: Duration,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// The first back-off when Graph names no `Retry-After`; it doubles each time.
    pub base_delay: Duration,
    /// No back-off of ours is longer (a `Retry-After` is honoured as sent, within the
    /// budget).
    pub max_backoff: Duration,
    /// From this `x-ms-throttle-limit-percentage` on (0.8 = 80 % of the limit used),
    /// the next request waits [`Self::slow_down_delay`] first.
    pub slow_down_at: f64,
    /// The pause before the next request once the limit is nearly used.
    pub slow_down_delay: Duration,
    /// Sends `x-ms-throttle-priority: low`: Graph throttles such requests first, which
    /// suits a nightly job that must not starve interactive users of the tenant.
    pub low_priority: bool,
    /// Who waits.
    pub sleeper: Sleeper,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            budget: Duration::from_secs(300),
            max_attempts: 8,
            base_delay: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            slow_down_at: 0.8,
            slow_down_delay: Duration::from_secs(1),
            low_priority: false,
            sleeper: Sleeper::default(),
        }
    }
}

/// What throttling cost one operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ThrottleStats {
    /// Answers that were 429 (whole requests and `$batch` sub-requests).
    pub throttled: u32,
    /// Time spent waiting because of them, in milliseconds.
    pub waited_ms: u64,
    /// Times a request was delayed because `x-ms-throttle-limit-percentage` was high.
    pub slowed_down: u32,
    /// The highest `x-ms-throttle-limit-percentage` seen.
    pub peak_limit_percentage: Option<f64>,
}

/// The budget of one operation under a [`ThrottlePolicy`].
#[derive(Debug)]
pub(crate) struct Budget {
    pub policy: ThrottlePolicy,
    spent: Duration,
    pub stats: ThrottleStats,
    /// The `Retry-After` of the last 429 (for the report when the budget ran out).
    pub last_retry_after: Option<Duration>,
    /// Set after an answer near the limit: wait before the next request.
    pace_next: bool,
}

impl Budget {
    pub fn new(policy: &ThrottlePolicy) -> Self {
        Budget {
            policy: policy.clone(),
            spent: Duration::ZERO,
            stats: ThrottleStats::default(),
            last_retry_after: None,
            pace_next: false,
        }
    }

    /// Our back-off before attempt `attempt + 1` (attempt counts from 1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.policy
            .base_delay
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(self.policy.max_backoff)
    }

    /// Waits `wait` if it fits in what is left of the budget; false (without waiting)
    /// when it does not.
    pub async fn wait(&mut self, wait: Duration) -> bool {
        let Some(total) = self.spent.checked_add(wait) else {
            return false;
        };
        if total > self.policy.budget {
            return false;
        }
        self.spent = total;
        self.stats.waited_ms = self.spent.as_millis().try_into().unwrap_or(u64::MAX);
        self.policy.sleeper.sleep(wait).await;
        true
    }

    /// Notes an answer's `x-ms-throttle-limit-percentage` (Graph sends it as a fraction,
    /// 0.8, or as a percentage, 80; both are read as a fraction).
    pub fn observe(&mut self, headers: &reqwest::header::HeaderMap) {
        let Some(value) = headers
            .get("x-ms-throttle-limit-percentage")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
        else {
            return;
        };
        let fraction = if value > 1.0 { value / 100.0 } else { value };
        let peak = self.stats.peak_limit_percentage.get_or_insert(fraction);
        *peak = peak.max(fraction);
        if fraction >= self.policy.slow_down_at {
            self.pace_next = true;
        }
    }

    /// Before a request: pauses once if the last answer said the limit is nearly used.
    /// The pause is not charged to the budget (it is ours, not Graph's demand).
    pub async fn pace(&mut self) {
        if std::mem::take(&mut self.pace_next) {
            self.stats.slowed_down += 1;
            self.policy.sleeper.sleep(self.policy.slow_down_delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn recording() -> (Sleeper, Arc<Mutex<Vec<Duration>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = log.clone();
        let sleeper = Sleeper::new(move |d| {
            seen.lock().unwrap().push(d);
            Box::pin(async {})
        });
        (sleeper, log)
    }

    #[tokio::test]
    async fn waits_stop_at_the_budget_and_pacing_follows_the_limit_header() {
        let (sleeper, log) = recording();
        let policy = ThrottlePolicy {
            budget: Duration::from_secs(3),
            sleeper,
            ..ThrottlePolicy::default()
        };
        let mut budget = Budget::new(&policy);
        assert!(budget.wait(Duration::from_secs(2)).await);
        assert!(
            !budget.wait(Duration::from_secs(2)).await,
            "past the budget"
        );
        assert!(budget.wait(Duration::from_secs(1)).await, "exactly fits");
        assert_eq!(budget.stats.waited_ms, 3000);

        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-ms-throttle-limit-percentage", "0.5".parse().unwrap());
        budget.observe(&headers);
        budget.pace().await;
        headers.insert("x-ms-throttle-limit-percentage", "85".parse().unwrap());
        budget.observe(&headers);
        budget.pace().await;
        budget.pace().await;
        assert_eq!(budget.stats.slowed_down, 1, "one pause per high answer");
        assert_eq!(budget.stats.peak_limit_percentage, Some(0.85));
        assert_eq!(
            *log.lock().unwrap(),
            [2, 1, 1].map(Duration::from_secs),
            "the refused wait was never slept"
        );
        assert_eq!(budget.backoff(1), Duration::from_secs(1));
        assert_eq!(budget.backoff(3), Duration::from_secs(4));
        assert_eq!(budget.backoff(30), Duration::from_secs(60));
    }
}
