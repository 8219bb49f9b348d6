//! `certtool audit`: each rule on a hand-made directory, the gate, every format (JUnit
//! parsed as XML, SARIF checked for the shape GitHub code scanning requires), `-o`, and
//! that no secret (the auditor's own, a directory secret's value or its hint) appears in
//! any output. Partial views: `audit_partial.rs`; paging, owners at scale: `audit_scale.rs`.

use serde_json::Value;

use crate::support::audit::*;
use crate::support::*;

fn json_of(standin: &certtool_standin::StandIn, extra: &[&str], code: i32) -> Value {
    let mut args = vec!["--output", "json"];
    args.extend_from_slice(extra);
    let run = audit(standin, &args);
    run.assert_code(code);
    assert_no_secret(&run.stdout_text());
    assert_no_secret(&run.stderr);
    run.json()
}

fn find<'a>(credentials: &'a [Value], key_id: &str) -> &'a Value {
    credentials
        .iter()
        .find(|c| c["key_id"] == key_id)
        .unwrap_or_else(|| panic!("{key_id} not listed: {credentials:#?}"))
}

#[test]
fn each_rule_on_a_hand_made_directory() {
    let standin = start(rules_directory());
    let report = json_of(&standin, &["--owners"], EXIT_OK);
    assert_eq!(report["complete"], true);
    assert_eq!(report["tenant_id"], TENANT);
    let listed = directory_credentials(&report);
    // Expired cert, expiring secret, healthy cert, the SAML pair once, CWAP excluded;
    // the foreign principal and the managed identity are skipped.
    assert_eq!(listed.len(), 5, "{listed:#?}");
    let expired = find(&listed, "d0000000-0000-4000-8000-000000000001");
    assert_eq!(expired["status"], "expired");
    assert_eq!(expired["kind"], "certificate");
    assert_eq!(expired["days_left"], -10);
    assert_eq!(expired["end"], "2026-02-19T00:00:00Z");
    assert_eq!(expired["object_id"], EXPIRED_APP);
    assert_eq!(expired["app_id"], client_of(EXPIRED_APP));
    assert_eq!(expired["display_name"], "expired-cert");
    assert_eq!(expired["excluded"], false);
    let secret = find(&listed, "e0000000-0000-4000-8000-000000000002");
    assert_eq!(
        (&secret["kind"], &secret["status"], &secret["days_left"]),
        (&"secret".into(), &"expiring".into(), &10.into())
    );
    assert_eq!(
        find(&listed, "d0000000-0000-4000-8000-000000000003")["status"],
        "ok"
    );
    let saml = find(&listed, "5a000000-0000-4000-8000-000000000031");
    assert_eq!(
        saml["paired_key_id"],
        "5b000000-0000-4000-8000-000000000032"
    );
    assert_eq!(
        (&saml["status"], &saml["object_type"]),
        (&"expiring".into(), &"service_principal".into())
    );
    assert!(!listed
        .iter()
        .any(|c| c["key_id"] == "5b000000-0000-4000-8000-000000000032"));
    let cwap = find(&listed, "f1000000-0000-4000-8000-000000000003");
    assert_eq!(
        (&cwap["excluded"], &cwap["status"]),
        (&true.into(), &"expired".into())
    );
    assert!(cwap["excluded_reason"]
        .as_str()
        .unwrap()
        .contains("CWAP_AuthSecret"));
    assert!(!listed
        .iter()
        .any(|c| c["object_id"] == FOREIGN_SP || c["object_id"] == MI_SP));
    let counts = &report["counts"];
    assert_eq!(
        (
            &counts["foreign_skipped"],
            &counts["managed_identities_skipped"]
        ),
        (&1.into(), &1.into())
    );
    // The listing is worst first.
    let days: Vec<i64> = report["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["excluded"] == false)
        .filter_map(|c| c["days_left"].as_i64())
        .collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "{days:?}");

    let findings: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["app_id"] != CLIENT)
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["object_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = |rule: &str, id: &str| (rule.to_owned(), id.to_owned());
    assert_eq!(
        findings,
        [
            expect("credential-expired", EXPIRED_APP),
            expect("credential-expiring", EXPIRING_APP),
            expect("credential-expiring", SAML_SP),
            expect("secret-not-cert", EXPIRING_APP),
            expect("no-owner", EXPIRING_APP),
        ]
    );
    // The auditor app holds a secret and has no owner either.
    assert_eq!(report["counts"]["findings"]["no-owner"], 2);
    assert_eq!(report["counts"]["findings"]["secret-not-cert"], 2);
    assert_eq!(report["exit_code"], 0);

    let foreign = json_of(&standin, &["--include-foreign"], EXIT_OK);
    let listed = directory_credentials(&foreign);
    assert_eq!(
        find(&listed, "f0000000-0000-4000-8000-000000000004")["status"],
        "expired"
    );
    assert!(
        !listed.iter().any(|c| c["object_id"] == MI_SP),
        "managed identities stay skipped"
    );
    assert!(
        foreign["listings"]["owners"].is_null(),
        "owners only with --owners"
    );
}

#[test]
fn the_gate_trips_on_any_credential_within_the_window_and_excluded_ones_never_trip_it() {
    let standin = start(rules_directory());
    let run = audit(&standin, &[]);
    run.assert_code(EXIT_OK);
    let gate = audit(&standin, &["--fail-within-days", "30"]);
    gate.assert_code(EXIT_EXPIRY);
    gate.assert_stderr_contains("error: the certificate d0000000-0000-4000-8000-000000000001 of expired-cert (c0000000-0000-4000-8000-000000000001) expired on 2026-02-19T00:00:00Z, within the 30-day limit");
    gate.assert_stderr_contains("cause: 1 credential(s) expired, 2 expiring within 30 days");
    // The window follows the gate: nothing but the expired certificate within 5 days.
    let narrow = json_of(&standin, &["--fail-within-days", "5"], EXIT_EXPIRY);
    assert_eq!(narrow["counts"]["expiring"], 0);
    assert_eq!(narrow["window_days"], 5);
    assert_eq!(narrow["exit_code"], EXIT_EXPIRY);
    // Without the expired app, only the expired CWAP secret is past its end: excluded.
    let mut directory = rules_directory();
    directory.applications.retain(|a| a.id != EXPIRED_APP);
    let clean = start(directory);
    let ok = json_of(&clean, &["--fail-within-days", "0"], EXIT_OK);
    assert_eq!(ok["counts"]["expired"], 0);
    assert_eq!(ok["counts"]["excluded"], 1);
}

#[test]
fn text_is_a_table_worst_first_with_the_summary_line() {
    let standin = start(rules_directory());
    let run = audit(&standin, &["--owners"]);
    run.assert_code(EXIT_OK);
    let out = run.stdout_text();
    assert_no_secret(&out);
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("0000-4000-8000"))
        .collect();
    let first = rows
        .iter()
        .position(|l| l.contains("expired-cert"))
        .unwrap();
    let second = rows
        .iter()
        .position(|l| l.contains("expiring-secret"))
        .unwrap();
    assert!(first < second, "{out}");
    assert!(out.contains("excluded (listed, never gated):"), "{out}");
    assert!(
        out.contains("no-owner        application expiring-secret"),
        "{out}"
    );
    let last = out.lines().last().unwrap();
    assert!(last.starts_with("audit: 6 credential(s) in 4 application(s) and 4 service principal(s): 1 expired, 2 expiring within 30 days, 2 ok, 1 excluded; skipped 1 foreign service principal(s), 1 managed identity; complete"), "{last}");
}

#[test]
fn junit_has_one_testcase_per_credential_and_fails_the_ending_ones() {
    let standin = start(rules_directory());
    let run = audit(&standin, &["--output", "junit"]);
    run.assert_code(EXIT_OK);
    let text = run.stdout_text();
    assert_no_secret(&text);
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suite = root
        .children()
        .find(|n| n.attribute("name") == Some("credentials"))
        .unwrap();
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(
        cases.len(),
        6,
        "five of the directory and the auditor's secret"
    );
    assert_eq!(suite.attribute("tests"), Some("6"));
    let failing: Vec<_> = cases
        .iter()
        .filter_map(|c| c.children().find(|n| n.has_tag_name("failure")))
        .map(|f| f.attribute("type").unwrap())
        .collect();
    assert_eq!(
        failing,
        [
            "credential-expired",
            "credential-expiring",
            "credential-expiring"
        ]
    );
    assert_eq!(suite.attribute("failures"), Some("3"));
    let skipped: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("skipped")))
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(
        cases
            .iter()
            .any(|c| c.attribute("name").unwrap().contains("healthy <&> \"app\"")),
        "names survive escaping"
    );
    let view = root
        .children()
        .find(|n| n.attribute("name") == Some("directory view"))
        .unwrap();
    assert_eq!(view.attribute("errors"), Some("0"));
}

#[test]
fn sarif_has_the_shape_github_code_scanning_requires() {
    let standin = start(rules_directory());
    let run = audit(&standin, &["--output", "sarif", "--owners"]);
    run.assert_code(EXIT_OK);
    assert_no_secret(&run.stdout_text());
    let sarif = run.json();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "certtool");
    let ids: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "credential-expired",
            "credential-expiring",
            "secret-not-cert",
            "no-owner"
        ]
    );
    for rule in driver["rules"].as_array().unwrap() {
        assert!(rule["shortDescription"]["text"].is_string());
    }
    assert_eq!(runs[0]["invocations"][0]["executionSuccessful"], true);
    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 7, "{results:#?}");
    let mut prints = std::collections::HashSet::new();
    for result in results {
        let rule = result["ruleId"].as_str().unwrap();
        assert_eq!(ids[result["ruleIndex"].as_u64().unwrap() as usize], rule);
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            uri.starts_with("entra/applications/") || uri.starts_with("entra/servicePrincipals/"),
            "{uri}"
        );
        assert!(
            !uri.contains(':'),
            "a URL location makes the upload fail: {uri}"
        );
        assert!(result["properties"]["portal"]
            .as_str()
            .unwrap()
            .starts_with("https://portal.azure.com/#view/"));
        let print = result["partialFingerprints"]["certtoolCredential/v1"]
            .as_str()
            .unwrap();
        assert!(print.starts_with(result["properties"]["app_id"].as_str().unwrap()));
        assert!(
            prints.insert(print.to_owned()),
            "fingerprints are unique: {print}"
        );
    }
    let expired = results
        .iter()
        .find(|r| r["ruleId"] == "credential-expired")
        .unwrap();
    assert_eq!(
        expired["partialFingerprints"]["certtoolCredential/v1"],
        format!(
            "{}/d0000000-0000-4000-8000-000000000001",
            client_of(EXPIRED_APP)
        )
    );
    // The same tenant gives the same fingerprints the next night.
    let again = audit(&standin, &["--output", "sarif", "--owners"]).json();
    let prints_again: std::collections::HashSet<String> = again["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["certtoolCredential/v1"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(prints, prints_again);
}

#[test]
fn the_report_goes_to_a_file_atomically_and_an_existing_one_needs_force() {
    let standin = start(rules_directory());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("audit.sarif");
    let args = [
        "--fail-within-days",
        "30",
        "--output",
        "sarif",
        "-o",
        s(&out),
    ];
    let run = audit(&standin, &args);
    run.assert_code(EXIT_EXPIRY);
    assert!(run.stdout.is_empty());
    run.assert_stderr_contains("certtool: audit: 6 credential(s)");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_no_secret(&written);
    let sarif: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(sarif["runs"][0]["invocations"][0]["exitCode"], EXIT_EXPIRY);
    audit(&standin, &args)
        .assert_code(EXIT_USAGE)
        .assert_stderr_contains("already exists");
    let mut forced = args.to_vec();
    forced.push("--force");
    audit(&standin, &forced).assert_code(EXIT_EXPIRY);
    audit(&standin, &["-o", "json"])
        .assert_code(EXIT_USAGE)
        .assert_stderr_contains("--output json");
}

#[test]
fn a_refused_sign_in_is_exit_5_and_no_permission_to_list_is_exit_6() {
    let standin = start(rules_directory());
    let wrong = audit_with(
        &standin,
        &[],
        &[("AZURE_CLIENT_SECRET", "not-the-secret"), fake_now(NOW)],
    );
    wrong.assert_code(EXIT_REJECTED);
    wrong.assert_stderr_contains("AADSTS7000215");
    let unprivileged = start_with(auditor(""), rules_directory());
    let run = audit(
        &unprivileged,
        &["--output", "json", "--fail-within-days", "30"],
    );
    run.assert_code(EXIT_PERMISSION);
    run.assert_stderr_contains("error: Graph refused to list the tenant's applications");
    run.assert_stderr_contains("Application.Read.All");
    let report = run.json();
    assert_eq!(report["complete"], false);
    assert_eq!(report["exit_code"], EXIT_PERMISSION);
    assert_no_secret(&run.stderr);
}
