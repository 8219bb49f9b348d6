//! Tenant-wide listings, one page at a time (`docs/graph.md` "Paging"): a [`Pager`]
//! follows `@odata.nextLink` verbatim and hands out each page's items, so memory stays
//! at one page whatever the tenant's size; its [`Listing`] says whether every page was
//! read or, if not, why not.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::request::Repeat;
use super::throttle::{Budget, ThrottleStats};
use super::{
    Application, GraphClient, GraphError, GraphFault, ServicePrincipal, APPLICATION_SELECT,
    MAX_PAGE_SIZE, SERVICE_PRINCIPAL_LIST_SELECT,
};
use crate::http::Failure;
use crate::limits::MAX_GRAPH_PAGES;

/// Why a listing stopped before its last page.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PartialReason {
    /// Graph kept answering 429 and waiting more would pass the throttle budget (or the
    /// attempts ran out).
    Throttled {
        /// The last `Retry-After` Graph sent, in seconds.
        retry_after_secs: Option<u64>,
        /// The 429 answer.
        fault: GraphFault,
    },
    /// 403: the caller may not list these objects (e.g. no `Application.Read.All`).
    Denied(GraphFault),
    /// Another 4xx (a refused token, a query Graph does not support).
    Refused(GraphFault),
    /// 5xx, after the retries the budget allowed.
    Service(GraphFault),
    /// No answer (connection, TLS, timeout, a body over the size limit).
    Network(Failure),
    /// An answer that is not a page of these objects, or a `nextLink` certtool will not
    /// follow (another host, a loop, more than [`MAX_GRAPH_PAGES`] pages).
    Malformed {
        /// What was wrong.
        detail: String,
    },
    /// The caller stopped reading before the last page (see [`Pager::finish`]).
    NotRead {
        /// Pages read before it stopped.
        pages: u32,
    },
}

impl PartialReason {
    fn from_error(error: GraphError, budget: &Budget) -> Self {
        match error {
            GraphError::Service { fault, .. } if fault.status == 429 => PartialReason::Throttled {
                retry_after_secs: budget.last_retry_after.map(|d| d.as_secs()),
                fault,
            },
            GraphError::Service { fault, .. } => PartialReason::Service(fault),
            GraphError::Api(fault) if fault.status == 403 => PartialReason::Denied(fault),
            GraphError::Api(fault) => PartialReason::Refused(fault),
            GraphError::Network { failure, .. } => PartialReason::Network(failure),
            GraphError::Malformed(detail) => PartialReason::Malformed { detail },
        }
    }

    /// A plain-words cause and fix, for a listing of `what` (e.g. "service principals").
    pub fn explain(&self, what: &str) -> (String, String) {
        match self {
            PartialReason::Throttled { retry_after_secs, .. } => (
                format!(
                    "Graph throttled the listing of {what} longer than the wait budget allows{}",
                    retry_after_secs.map_or(String::new(), |s| format!(" (last Retry-After: {s} s)"))
                ),
                "run it again later (e.g. at night), or allow a longer wait budget".into(),
            ),
            PartialReason::Denied(fault) => (
                format!("Graph refused to list {what}: {} {}", fault.code, fault.message),
                "grant the app Application.Read.All (admin consent); with Application.ReadWrite.OwnedBy only owned objects are listed".into(),
            ),
            PartialReason::Refused(fault) => (
                format!("Graph refused the listing of {what}: {} {}", fault.code, fault.message),
                "check the token is for Microsoft Graph of this cloud".into(),
            ),
            PartialReason::Service(fault) => (
                format!("Graph failed while listing {what}: {} {}", fault.code, fault.message),
                "try again later; quote the request id to Microsoft support if it persists".into(),
            ),
            PartialReason::Network(failure) => failure.explain("Microsoft Graph"),
            PartialReason::Malformed { detail } => (
                format!("a page of {what} could not be read: {detail}"),
                "check the Graph endpoint points at Microsoft Graph".into(),
            ),
            PartialReason::NotRead { pages } => (
                format!("the listing of {what} was stopped after {pages} page(s), before its end"),
                "read the listing to its end".into(),
            ),
        }
    }
}

/// How a listing ended.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    /// Pages read.
    pub pages: u32,
    /// Objects handed out.
    pub items: u64,
    /// What throttling cost.
    pub throttling: ThrottleStats,
    /// `None`: every page was read. Otherwise the listing is **partial**: the objects
    /// handed out are only some of the tenant's, and this says why.
    pub partial: Option<PartialReason>,
}

impl Listing {
    /// True when every page was read.
    pub fn is_complete(&self) -> bool {
        self.partial.is_none()
    }
}

/// One page as Graph sends it.
#[derive(Deserialize)]
pub(super) struct Page<T> {
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
}

/// Reads a listing page by page. Get one from [`GraphClient::list_applications`],
/// [`GraphClient::list_service_principals`] or [`GraphClient::pager`].
#[derive(Debug)]
pub struct Pager<'c, T> {
    client: &'c GraphClient,
    next: Option<String>,
    budget: Budget,
    pages: u32,
    items: u64,
    partial: Option<PartialReason>,
    item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Pager<'_, T> {
    /// The next page's objects; `None` once the listing has ended (read
    /// [`Self::finish`] to learn whether it is complete).
    pub async fn next_page(&mut self) -> Option<Vec<T>> {
        let url = self.next.take()?;
        if self.pages as usize >= MAX_GRAPH_PAGES {
            self.stop(PartialReason::Malformed {
                detail: format!("the listing has more than {MAX_GRAPH_PAGES} pages"),
            });
            return None;
        }
        let answer = self
            .client
            .send_throttled(
                reqwest::Method::GET,
                &url,
                None,
                Repeat::Idempotent,
                &mut self.budget,
            )
            .await;
        let page: Page<T> = match answer.and_then(|a| {
            serde_json::from_slice(&a.body).map_err(|e| {
                GraphError::Malformed(format!("page {} is not a listing: {e}", self.pages + 1))
            })
        }) {
            Ok(page) => page,
            Err(error) => {
                let reason = PartialReason::from_error(error, &self.budget);
                self.stop(reason);
                return None;
            }
        };
        self.pages += 1;
        self.items += page.value.len() as u64;
        if let Some(next) = page.next_link.filter(|n| !n.is_empty()) {
            if !self.client.owns(&next) {
                self.stop(PartialReason::Malformed {
                    detail: format!("the nextLink leads outside {}", self.client.base()),
                });
            } else if next == url {
                self.stop(PartialReason::Malformed {
                    detail: "the nextLink repeats the page just read".into(),
                });
            } else {
                self.next = Some(next);
            }
        }
        Some(page.value)
    }

    fn stop(&mut self, reason: PartialReason) {
        self.next = None;
        self.partial = Some(reason);
    }

    /// Reads every remaining page, handing each page's objects to `each`, and returns
    /// how the listing ended.
    pub async fn for_each_page(mut self, mut each: impl FnMut(Vec<T>)) -> Listing {
        while let Some(items) = self.next_page().await {
            each(items);
        }
        self.finish()
    }

    /// How the listing ended (or stands, if pages remain unread: then it is not
    /// complete either, and says so).
    pub fn finish(self) -> Listing {
        let pages = self.pages;
        let partial = self
            .partial
            .or_else(|| self.next.map(|_| PartialReason::NotRead { pages }));
        Listing {
            pages: self.pages,
            items: self.items,
            throttling: self.budget.stats,
            partial,
        }
    }
}

impl GraphClient {
    /// Whether `url` is on this client's Graph endpoint (so the token may go there).
    pub(super) fn owns(&self, url: &str) -> bool {
        let base = format!("{}/", self.base).to_ascii_lowercase();
        url.to_ascii_lowercase().starts_with(&base)
    }

    /// A pager over `path_and_query` (e.g. `/v1.0/groups?$top=999`) on this Graph,
    /// under this client's throttle policy.
    pub fn pager<T: DeserializeOwned>(&self, path_and_query: &str) -> Pager<'_, T> {
        Pager {
            client: self,
            next: Some(format!("{}{path_and_query}", self.base)),
            budget: Budget::new(&self.throttle),
            pages: 0,
            items: 0,
            partial: None,
            item: PhantomData,
        }
    }

    /// Every application of the tenant with its credentials, [`MAX_PAGE_SIZE`] a page.
    pub fn list_applications(&self) -> Pager<'_, Application> {
        self.pager(&format!(
            "/v1.0/applications?$select={APPLICATION_SELECT}&$top={MAX_PAGE_SIZE}"
        ))
    }

    /// Every service principal of the tenant with its credentials, [`MAX_PAGE_SIZE`] a
    /// page.
    pub fn list_service_principals(&self) -> Pager<'_, ServicePrincipal> {
        self.pager(&format!(
            "/v1.0/servicePrincipals?$select={SERVICE_PRINCIPAL_LIST_SELECT}&$top={MAX_PAGE_SIZE}"
        ))
    }
}
