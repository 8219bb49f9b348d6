//! Faults injected on demand: per path pattern, for a number of requests.

use std::time::Duration;

/// What the stand-in does instead of (or before) answering normally.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// 429 Too Many Requests with `Retry-After: {retry_after_secs}`.
    TooManyRequests {
        /// Seconds sent in `Retry-After`.
        retry_after_secs: u64,
    },
    /// Answer with this status (500, 503, …) and the service's error body for it.
    Status(u16),
    /// Close the connection without answering.
    Drop,
    /// 307 Temporary Redirect to the same path on `base_url` (ASM sends these; a client
    /// must repeat the request there with the same client certificate).
    TemporaryRedirect {
        /// Scheme, host and port to redirect to, e.g. the stand-in's own URL.
        base_url: String,
    },
    /// 200 with an endless-looking body of `bytes` spaces, streamed in chunks without a
    /// `Content-Length` (a hostile or broken endpoint; a client must stop reading at its
    /// own limit).
    HugeBody {
        /// Bytes sent in all.
        bytes: u64,
    },
}

/// How many matching requests a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Times {
    /// The next matching request only.
    Once,
    /// The next `n` matching requests.
    Count(u32),
    /// Every matching request until cleared.
    Always,
}

impl Times {
    /// Counts one use; returns whether none is left.
    pub(crate) fn use_once(&mut self) -> bool {
        match self {
            Times::Once => true,
            Times::Count(n) => {
                *n = n.saturating_sub(1);
                *n == 0
            }
            Times::Always => false,
        }
    }
}

/// A fault waiting for matching requests.
#[derive(Clone, Debug)]
pub(crate) struct FaultRule {
    pattern: String,
    pub(crate) fault: Fault,
    remaining: Times,
}

impl FaultRule {
    pub(crate) fn new(pattern: &str, fault: Fault, times: Times) -> Self {
        FaultRule {
            pattern: pattern.to_owned(),
            fault,
            remaining: times,
        }
    }

    pub(crate) fn matches(&self, path: &str) -> bool {
        path_matches(&self.pattern, path)
    }
}

/// Whether `path` matches `pattern`: each pattern segment equals the path's segment at
/// the same place (ASCII case-insensitive) or is `*`, and the path may go on after the
/// pattern ends. `/` matches everything.
pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    let mut path = segments(path);
    segments(pattern).all(|want| match path.next() {
        Some(got) => want == "*" || want.eq_ignore_ascii_case(got),
        None => false,
    })
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// Takes the first rule matching `path` (in the order they were set), using it once.
pub(crate) fn take(rules: &mut Vec<FaultRule>, path: &str) -> Option<Fault> {
    let index = rules.iter().position(|r| r.matches(path))?;
    let fault = rules[index].fault.clone();
    if rules[index].remaining.use_once() {
        rules.remove(index);
    }
    Some(fault)
}

/// Counts down connections that get the server certificate from the other CA.
pub(crate) fn take_untrusted(remaining: &mut Option<Times>) -> bool {
    let Some(times) = remaining else {
        return false;
    };
    let used_up = times.use_once();
    if used_up {
        *remaining = None;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_segment_prefixes_with_wildcards() {
        let rule = FaultRule::new("/*/oauth2/v2.0/token", Fault::Drop, Times::Once);
        assert!(rule.matches("/tenant-a/oauth2/v2.0/token"));
        assert!(!rule.matches("/tenant-a/oauth2/token"));
        assert!(!rule.matches("/subscriptions/x"));
        let prefix = FaultRule::new("/subscriptions", Fault::Drop, Times::Once);
        assert!(prefix.matches("/subscriptions/1/providers/Microsoft.Authorization/permissions"));
        assert!(!prefix.matches("/subscriptionsX"));
        assert!(FaultRule::new("/", Fault::Drop, Times::Once).matches("/anything"));
    }

    #[test]
    fn counted_faults_are_used_up_in_order() {
        let mut rules = vec![
            FaultRule::new("/a", Fault::Status(500), Times::Count(2)),
            FaultRule::new("/a", Fault::Status(503), Times::Once),
        ];
        assert_eq!(take(&mut rules, "/a/b"), Some(Fault::Status(500)));
        assert_eq!(take(&mut rules, "/c"), None);
        assert_eq!(take(&mut rules, "/a"), Some(Fault::Status(500)));
        assert_eq!(take(&mut rules, "/a"), Some(Fault::Status(503)));
        assert_eq!(take(&mut rules, "/a"), None);
    }

    #[test]
    fn untrusted_certificate_countdown() {
        let mut remaining = Some(Times::Count(2));
        assert!(take_untrusted(&mut remaining));
        assert!(take_untrusted(&mut remaining));
        assert!(!take_untrusted(&mut remaining));
    }
}
