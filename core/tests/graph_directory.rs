//! The Graph directory seams against the stand-in: paging across many pages, throttling
//! honoured and bounded by the budget, partial listings with their reason, `$batch`
//! with answers out of order and a sub-request throttled, filtered lookups.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use certtool_core::entra::{request_token, ClientCredential, TokenRequest};
use certtool_core::graph::{
    BatchRequest, GraphClient, PartialReason, Sleeper, ThrottlePolicy, MAX_PAGE_SIZE,
};
use certtool_core::http::{client, HttpOptions, RetryPolicy};
use certtool_core::secret::Secret;
use certtool_standin::directory::service_principal_id;
use certtool_standin::{
    App, ClientSecret, Collection, Config, Directory, Owner, PageFault, StandIn, Tenant, Times,
};

const TENANT: &str = "11111111-1111-4111-8111-111111111111";
const CLIENT: &str = "22222222-2222-4222-8222-222222222222";
const SECRET: &str = "directory-secret";
/// Nothing here may take longer.
const DEADLINE: Duration = Duration::from_secs(90);

fn standin(permission: &str, directory: Directory) -> StandIn {
    let app = App::new(CLIENT)
        .display_name("auditor")
        .secret(ClientSecret::new(SECRET, None))
        .graph_permission(permission);
    StandIn::start(Config::new().tenant(Tenant::new(TENANT).app(app).directory(directory))).unwrap()
}

fn generated(apps: usize) -> Directory {
    Directory::generate(TENANT, 42, apps, time::OffsetDateTime::now_utc())
}

type Waits = Arc<Mutex<Vec<Duration>>>;

/// A Graph client signed in to the stand-in, whose waits are recorded, not slept.
async fn graph(standin: &StandIn, budget: Duration) -> (GraphClient, Waits) {
    let http = client(
        &HttpOptions {
            timeout: Some(Duration::from_secs(20)),
            extra_ca_pem: Some(standin.ca_pem().to_vec()),
        },
        None,
    )
    .unwrap();
    let secret = Secret::new(SECRET.into());
    let token_url = standin.token_url(TENANT);
    let token = request_token(
        &http,
        &TokenRequest {
            token_url: &token_url,
            client_id: CLIENT,
            scope: "https://graph.microsoft.com/.default",
            credential: ClientCredential::Secret(&secret),
            correlation_id: uuid_v4(),
        },
        &RetryPolicy::default(),
    )
    .await
    .unwrap()
    .unwrap();
    let waits: Waits = Arc::default();
    let seen = waits.clone();
    let throttle = ThrottlePolicy {
        budget,
        sleeper: Sleeper::new(move |d| {
            seen.lock().unwrap().push(d);
            Box::pin(async {})
        }),
        ..ThrottlePolicy::default()
    };
    let graph = GraphClient::new(http, standin.url(), token, RetryPolicy::default())
        .with_throttle(throttle);
    (graph, waits)
}

fn uuid_v4() -> uuid::Uuid {
    uuid::Uuid::new_v4()
}

async fn within_deadline<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(DEADLINE, f)
        .await
        .expect("the test ran past its deadline")
}

fn listing_requests(standin: &StandIn, collection: &str) -> usize {
    standin
        .requests()
        .iter()
        .filter(|r| r.path == format!("/v1.0/{collection}"))
        .count()
}

#[tokio::test]
async fn listings_stream_every_page_and_report_complete() {
    within_deadline(async {
        let standin = standin("Application.Read.All", generated(2500));
        let (graph, waits) = graph(&standin, Duration::from_secs(10)).await;
        let mut ids = std::collections::HashSet::new();
        let mut largest_page = 0;
        let listing = graph
            .list_applications()
            .for_each_page(|page| {
                largest_page = largest_page.max(page.len());
                ids.extend(page.into_iter().map(|a| a.id));
            })
            .await;
        assert!(listing.is_complete(), "{:?}", listing.partial);
        assert_eq!(
            (listing.pages, listing.items),
            (3, 2501),
            "2500 + the auditor"
        );
        assert_eq!(ids.len(), 2501, "no object twice");
        assert_eq!(largest_page, MAX_PAGE_SIZE as usize);
        assert!(waits.lock().unwrap().is_empty());

        let mut sps = graph.list_service_principals();
        let mut kinds = std::collections::BTreeMap::new();
        while let Some(page) = sps.next_page().await {
            for sp in page {
                *kinds
                    .entry((sp.is_managed_identity(), sp.is_foreign(TENANT)))
                    .or_insert(0) += 1;
            }
        }
        let listing = sps.finish();
        assert!(listing.is_complete());
        assert!(
            kinds[&(true, false)] > 0 && kinds[&(false, true)] > 0,
            "{kinds:?}"
        );
        assert_eq!(listing.items, kinds.values().sum::<u64>());
        let query = standin.requests().last().unwrap().query.clone().unwrap();
        assert!(
            query.contains("$skiptoken="),
            "the next link was followed: {query}"
        );
        assert!(query.contains("$select=id,appId,displayName,servicePrincipalType"));
    })
    .await
}

#[tokio::test]
async fn a_throttled_page_is_retried_after_its_retry_after() {
    within_deadline(async {
        let directory = generated(1500).fault_page(
            Collection::Applications,
            1,
            PageFault::TooManyRequests {
                retry_after_secs: 1,
            },
            Times::Count(2),
        );
        let standin = standin("Application.Read.All", directory);
        let (graph, waits) = graph(&standin, Duration::from_secs(10)).await;
        let listing = graph.list_applications().for_each_page(drop).await;
        assert!(listing.is_complete(), "{:?}", listing.partial);
        assert_eq!(listing.items, 1501);
        assert_eq!(listing.throttling.throttled, 2);
        assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(1); 2]);
        assert_eq!(
            listing_requests(&standin, "applications"),
            4,
            "2 pages + 2 retries"
        );
    })
    .await
}

#[tokio::test]
async fn the_real_sleeper_waits_what_graph_asks() {
    within_deadline(async {
        let directory = generated(10).fault_page(
            Collection::ServicePrincipals,
            0,
            PageFault::TooManyRequests {
                retry_after_secs: 1,
            },
            Times::Once,
        );
        let standin = standin("Application.Read.All", directory);
        let (graph, _) = graph(&standin, Duration::from_secs(5)).await;
        let graph = graph.with_throttle(ThrottlePolicy {
            budget: Duration::from_secs(5),
            low_priority: true,
            ..ThrottlePolicy::default()
        });
        let started = std::time::Instant::now();
        let listing = graph.list_service_principals().for_each_page(drop).await;
        assert!(listing.is_complete());
        assert!(started.elapsed() >= Duration::from_secs(1));
        assert!(standin
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/v1.0/"))
            .all(|r| r.header("x-ms-throttle-priority") == Some("low")));
    })
    .await
}

#[tokio::test]
async fn throttling_past_the_budget_makes_the_listing_partial() {
    within_deadline(async {
        let directory = generated(1500).fault_page(
            Collection::Applications,
            1,
            PageFault::TooManyRequests {
                retry_after_secs: 2,
            },
            Times::Always,
        );
        let standin = standin("Application.Read.All", directory);
        let (graph, waits) = graph(&standin, Duration::from_secs(3)).await;
        let mut handed = 0;
        let listing = graph
            .list_applications()
            .for_each_page(|p| handed += p.len())
            .await;
        assert_eq!(handed, 999, "the first page was handed out");
        assert_eq!(listing.items, 999);
        match &listing.partial {
            Some(PartialReason::Throttled {
                retry_after_secs,
                fault,
            }) => {
                assert_eq!(*retry_after_secs, Some(2));
                assert_eq!(
                    (fault.status, fault.code.as_str()),
                    (429, "TooManyRequests")
                );
            }
            other => panic!("expected throttled, got {other:?}"),
        }
        assert_eq!(
            *waits.lock().unwrap(),
            [Duration::from_secs(2)],
            "one wait fit in 3 s"
        );
        let (cause, fix) = listing.partial.as_ref().unwrap().explain("applications");
        assert!(cause.contains("Retry-After: 2 s"), "{cause}");
        assert!(fix.contains("budget"), "{fix}");
    })
    .await
}

#[tokio::test]
async fn a_listing_without_permission_is_partial_with_the_403() {
    within_deadline(async {
        let standin = standin("User.Read.All", generated(50));
        let (graph, _) = graph(&standin, Duration::from_secs(3)).await;
        let listing = graph.list_service_principals().for_each_page(drop).await;
        assert_eq!(listing.items, 0);
        match &listing.partial {
            Some(PartialReason::Denied(fault)) => {
                assert_eq!(fault.code, "Authorization_RequestDenied");
                assert!(fault.request_id.is_some());
            }
            other => panic!("expected denied, got {other:?}"),
        }
        assert!(listing
            .partial
            .unwrap()
            .explain("service principals")
            .1
            .contains("Application.Read.All"));
    })
    .await
}

#[tokio::test]
async fn owned_by_lists_only_owned_objects() {
    within_deadline(async {
        let mut directory = generated(300);
        let me = Owner::ServicePrincipal(service_principal_id(CLIENT));
        let owned: Vec<String> = directory.applications[10..13]
            .iter()
            .map(|a| a.id.clone())
            .collect();
        for id in &owned {
            directory.add_owner(id, me.clone());
        }
        let standin = standin("Application.ReadWrite.OwnedBy", directory);
        let (graph, _) = graph(&standin, Duration::from_secs(3)).await;
        let mut seen = Vec::new();
        let listing = graph
            .list_applications()
            .for_each_page(|p| seen.extend(p.into_iter().map(|a| a.id)))
            .await;
        assert!(listing.is_complete());
        assert_eq!(seen, owned);
    })
    .await
}

#[tokio::test]
async fn a_broken_page_makes_the_listing_partial() {
    within_deadline(async {
        let directory = generated(2500)
            .fault_page(Collection::Applications, 2, PageFault::Truncated, Times::Once)
            .fault_page(Collection::ServicePrincipals, 1, PageFault::Status(500), Times::Always);
        let standin = standin("Application.Read.All", directory);
        let (graph, _) = graph(&standin, Duration::from_secs(3)).await;
        let listing = graph.list_applications().for_each_page(drop).await;
        assert_eq!((listing.pages, listing.items), (2, 1998));
        assert!(
            matches!(&listing.partial, Some(PartialReason::Malformed { detail }) if detail.contains("page 3")),
            "{:?}",
            listing.partial
        );
        let listing = graph.list_service_principals().for_each_page(drop).await;
        assert_eq!(listing.pages, 1);
        assert!(
            matches!(&listing.partial, Some(PartialReason::Service(f)) if f.status == 500),
            "{:?}",
            listing.partial
        );
    })
    .await
}

#[tokio::test]
async fn batch_matches_answers_by_id_and_retries_only_throttled_sub_requests() {
    within_deadline(async {
        let base = generated(30);
        let ids: Vec<String> = base
            .applications
            .iter()
            .take(25)
            .map(|a| a.id.clone())
            .collect();
        let expected: Vec<usize> = ids
            .iter()
            .map(|id| {
                base.owners
                    .get(&id.to_ascii_lowercase())
                    .map_or(0, Vec::len)
            })
            .collect();
        assert!(expected.iter().any(|&n| n > 0) && expected.contains(&0));
        let directory =
            base.throttle_batch(&format!("/applications/{}/owners", ids[3]), 1, Times::Once);
        let standin = standin("Application.Read.All", directory);
        let (graph, waits) = graph(&standin, Duration::from_secs(5)).await;
        let requests: Vec<BatchRequest> = ids
            .iter()
            .map(|id| BatchRequest::get(format!("/applications/{id}/owners?$select=id")))
            .collect();
        let outcome = graph.batch(&requests).await.unwrap();
        assert_eq!(outcome.responses.len(), 25);
        for (i, response) in outcome.responses.iter().enumerate() {
            assert_eq!(response.status, 200, "request {i}");
            assert_eq!(
                response.body["value"].as_array().unwrap().len(),
                expected[i],
                "request {i} got its own answer"
            );
        }
        assert_eq!(outcome.throttling.throttled, 1);
        assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(1)]);
        let batches: Vec<_> = standin
            .requests()
            .into_iter()
            .filter(|r| r.path == "/v1.0/$batch")
            .collect();
        assert_eq!(batches.len(), 3, "20, then 5, then the throttled one again");
        let retried: serde_json::Value = serde_json::from_str(&batches[1].body).unwrap();
        assert_eq!(retried["requests"].as_array().unwrap().len(), 1);
        assert_eq!(retried["requests"][0]["id"], "4");
    })
    .await
}

#[tokio::test]
async fn lookups_by_name_quote_and_filter() {
    within_deadline(async {
        let mut directory = generated(20);
        directory.applications[4].display_name = "O'Brien & Sons".into();
        let wanted = (
            directory.applications[4].id.clone(),
            directory.applications[4].app_id.clone(),
        );
        let sp_of_wanted = directory
            .service_principals
            .iter()
            .filter(|s| s.app_id == wanted.1)
            .count();
        let standin = standin("Application.Read.All", directory);
        let (graph, _) = graph(&standin, Duration::from_secs(3)).await;
        let found = graph.applications_named("o'brien & sons").await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].id.clone(), found[0].app_id.clone()), wanted);
        assert!(graph.applications_named("nobody").await.unwrap().is_empty());
        assert_eq!(
            graph.service_principals_of(&wanted.1).await.unwrap().len(),
            sp_of_wanted
        );
    })
    .await
}
