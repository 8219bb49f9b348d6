//! `certtool audit` on a generated directory of thousands of objects: every page read
//! (`$top=999`, `@odata.nextLink` followed verbatim), the counts equal to the rules
//! applied independently here, and `--owners` over `$batch` (twenty at most a batch,
//! throttled sub-requests retried).

use std::collections::HashSet;

use certtool_standin::directory::DirectoryServicePrincipal;
use certtool_standin::{Directory, Times};
use serde_json::Value;
use time::OffsetDateTime;

use crate::support::audit::*;
use crate::support::*;

#[derive(Debug, Default, PartialEq)]
struct Expected {
    credentials: u64,
    expired: u64,
    expiring: u64,
    ok: u64,
    excluded: u64,
}

impl Expected {
    fn add(&mut self, end: Option<OffsetDateTime>, excluded: bool) {
        self.credentials += 1;
        let n = match end {
            _ if excluded => &mut self.excluded,
            Some(end) if end <= now() => &mut self.expired,
            Some(end) if (end - now()).whole_days() <= 30 => &mut self.expiring,
            _ => &mut self.ok,
        };
        *n += 1;
    }
}

/// The rules, written again from docs/audit.md: SAML `Verify` halves with a `Sign`
/// twin are not counted, `CWAP_AuthSecret` is excluded, other tenants' principals and
/// managed identities are skipped.
fn expected(directory: &Directory) -> Expected {
    let mut e = Expected::default();
    for app in &directory.applications {
        app.key_credentials
            .iter()
            .for_each(|k| e.add(Some(k.end), false));
        app.password_credentials
            .iter()
            .for_each(|p| e.add(p.end, false));
    }
    let audited = |sp: &&DirectoryServicePrincipal| {
        sp.service_principal_type != "ManagedIdentity"
            && sp.app_owner_organization_id.as_deref() == Some(TENANT)
    };
    for sp in directory.service_principals.iter().filter(audited) {
        for k in &sp.key_credentials {
            let twin = sp
                .key_credentials
                .iter()
                .any(|o| o.usage == "Sign" && o.custom_key_identifier == k.custom_key_identifier);
            if k.usage == "Verify" && twin {
                continue;
            }
            e.add(Some(k.end), false);
        }
        for p in &sp.password_credentials {
            e.add(p.end, p.display_name.as_deref() == Some("CWAP_AuthSecret"));
        }
    }
    e
}

fn counted(report: &Value) -> Expected {
    let mut e = Expected::default();
    for c in directory_credentials(report) {
        e.credentials += 1;
        let n = match (
            c["excluded"].as_bool().unwrap(),
            c["status"].as_str().unwrap(),
        ) {
            (true, _) => &mut e.excluded,
            (false, "expired") => &mut e.expired,
            (false, "expiring") => &mut e.expiring,
            _ => &mut e.ok,
        };
        *n += 1;
    }
    e
}

#[test]
fn thousands_of_objects_every_page_read_and_every_rule_counted() {
    let directory = Directory::generate(TENANT, 7, 2500, now());
    let want = expected(&directory);
    let sps = directory.service_principals.len() as u64;
    let standin = start(directory);
    let run = audit(&standin, &["--output", "json"]);
    run.assert_code(EXIT_OK);
    assert_no_secret(&run.stdout_text());
    let report = run.json();
    assert_eq!(report["complete"], true);
    assert_eq!(counted(&report), want);
    assert!(
        want.expired > 100 && want.expiring > 10 && want.excluded > 10,
        "{want:?}"
    );
    let counts = &report["counts"];
    assert_eq!(counts["applications"], 2501, "the auditor app too");
    assert_eq!(counts["service_principals"].as_u64().unwrap(), sps + 1);
    assert_eq!(report["listings"]["applications"]["pages"], 3);
    let lists: Vec<_> = standin
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1.0/applications")
        .collect();
    assert_eq!(lists.len(), 3);
    let first = lists[0].query.clone().unwrap();
    assert_eq!(
        first,
        "$select=id,appId,displayName,keyCredentials,passwordCredentials&$top=999"
    );
    for later in &lists[1..] {
        let q = later.query.clone().unwrap();
        assert!(
            q.starts_with(&format!("{first}&$skiptoken=")),
            "the nextLink, verbatim: {q}"
        );
    }
    let sp_query = standin
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1.0/servicePrincipals")
        .unwrap()
        .query
        .unwrap();
    assert!(
        sp_query.contains("servicePrincipalType,appOwnerOrganizationId")
            && sp_query.contains("preferredTokenSigningKeyThumbprint")
    );
}

#[test]
fn owners_are_asked_in_batches_of_twenty_and_throttled_answers_retried() {
    let directory = Directory::generate(TENANT, 11, 300, now()).throttle_batch(
        "/applications/",
        1,
        Times::Count(5),
    );
    let holding: Vec<&str> = directory
        .applications
        .iter()
        .filter(|a| !a.key_credentials.is_empty() || !a.password_credentials.is_empty())
        .map(|a| a.id.as_str())
        .collect();
    let without: HashSet<String> = holding
        .iter()
        .filter(|id| {
            directory
                .owners
                .get(&id.to_ascii_lowercase())
                .is_none_or(Vec::is_empty)
        })
        .map(|id| id.to_string())
        .collect();
    let asked = holding.len() + 1;
    let standin = start(directory);
    let run = audit(&standin, &["--output", "json", "--owners"]);
    run.assert_code(EXIT_OK);
    let report = run.json();
    assert_eq!(report["complete"], true);
    let owners = &report["listings"]["owners"];
    assert_eq!(owners["checked"], asked as u64);
    assert_eq!(owners["unknown"], 0);
    assert_eq!(owners["throttling"]["throttled"], 5);
    let flagged: HashSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "no-owner" && f["app_id"] != CLIENT)
        .map(|f| f["object_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!without.is_empty());
    assert_eq!(flagged, without);
    let batches: Vec<_> = standin
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1.0/$batch")
        .collect();
    for b in &batches {
        let body: Value = serde_json::from_str(&b.body).unwrap();
        let n = body["requests"].as_array().unwrap().len();
        assert!((1..=20).contains(&n), "{n}");
    }
    assert!(
        batches.len() > asked.div_ceil(20),
        "the throttled ones again"
    );
}
