//! End-to-end tests of `certtool test arm`, where values come from: flags, the Azure SDK
//! and Terraform environment variables, a `.env` file, ARM_CLIENT_CERTIFICATE's base64.

use crate::support::arm::*;
use crate::support::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

#[test]
fn environment_variables_fill_in_and_flags_win() {
    let standin = start(reader_app());
    let bundle = fixture("rsa2048-bundle.pem");
    let run = test_arm(
        &standin,
        &["--tenant", TENANT],
        &[
            ("AZURE_TENANT_ID", "99999999-9999-9999-9999-999999999999"),
            ("AZURE_CLIENT_ID", CLIENT),
            ("AZURE_SUBSCRIPTION_ID", SUB),
            ("AZURE_CLIENT_CERTIFICATE_PATH", s(&bundle)),
        ],
    );
    run.assert_code(EXIT_OK)
        .assert_stderr_contains("tenant ID from flag --tenant")
        .assert_stderr_contains("client ID from environment variable AZURE_CLIENT_ID")
        .assert_stderr_contains("subscription ID from environment variable AZURE_SUBSCRIPTION_ID")
        .assert_stderr_contains("environment variable AZURE_CLIENT_CERTIFICATE_PATH");
}

#[test]
fn dotenv_file_with_terraform_names() {
    let standin = start(reader_app());
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join(".env");
    std::fs::write(
        &env_file,
        format!(
            "# pasted from the portal\nARM_TENANT_ID={TENANT}\nexport ARM_CLIENT_ID=\"{CLIENT}\"\n\
             ARM_SUBSCRIPTION_ID={SUB}\nARM_CLIENT_SECRET='{SECRET}'\n"
        ),
    )
    .unwrap();
    let run = test_arm(
        &standin,
        &["--env-file", s(&env_file), "--output", "json"],
        &[],
    );
    run.assert_code(EXIT_OK)
        .assert_stderr_contains(&format!("ARM_CLIENT_SECRET in {}", s(&env_file)))
        .assert_stderr_contains(&format!("ARM_TENANT_ID in {}", s(&env_file)));
    assert_no_secrets(&run);
    assert_eq!(run.json()["subscriptions"][0]["display_name"], "Production");

    // A certificate and its password from the file too; the environment still wins.
    std::fs::write(
        &env_file,
        format!(
            "AZURE_TENANT_ID=99999999-9999-9999-9999-999999999999\nAZURE_CLIENT_ID={CLIENT}\n\
             AZURE_SUBSCRIPTION_ID={SUB}\nAZURE_CLIENT_CERTIFICATE_PATH={}\n\
             AZURE_CLIENT_CERTIFICATE_PASSWORD={FIXTURE_PASS}\n",
            s(&fixture("rsa2048-legacy.pfx"))
        ),
    )
    .unwrap();
    let run = test_arm(
        &standin,
        &["--env-file", s(&env_file)],
        &[("AZURE_TENANT_ID", TENANT)],
    );
    run.assert_code(EXIT_OK)
        .assert_stderr_contains("tenant ID from environment variable AZURE_TENANT_ID")
        .assert_stderr_contains(&format!(
            "from AZURE_CLIENT_CERTIFICATE_PASSWORD in {}",
            s(&env_file)
        ));
    assert!(!run.stderr.contains(FIXTURE_PASS));
}

#[test]
fn arm_client_certificate_holds_a_base64_pfx() {
    let standin = start(reader_app());
    let pfx = std::fs::read(fixture("rsa2048-aes.pfx")).unwrap();
    let b64 = STANDARD.encode(pfx);
    let run = test_arm(
        &standin,
        &[],
        &[
            ("ARM_TENANT_ID", TENANT),
            ("ARM_CLIENT_ID", CLIENT),
            ("ARM_SUBSCRIPTION_ID", SUB),
            ("ARM_CLIENT_CERTIFICATE", &b64),
            ("ARM_CLIENT_CERTIFICATE_PASSWORD", FIXTURE_PASS),
        ],
    );
    run.assert_code(EXIT_OK)
        .assert_stderr_contains("ARM_CLIENT_CERTIFICATE (base64 PKCS#12)")
        .assert_stderr_contains("password for ARM_CLIENT_CERTIFICATE from environment variable ARM_CLIENT_CERTIFICATE_PASSWORD");
    assert!(!run.stderr.contains(FIXTURE_PASS));
    assert_eq!(
        assertions(&standin).len(),
        1,
        "one sign-in for the stand-in's one scope (ARM and Graph)"
    );
}

#[test]
fn missing_values_name_the_flag_and_the_variables() {
    let standin = start(reader_app());
    test_arm(
        &standin,
        &["--client-id", CLIENT, "--subscription", SUB],
        &[],
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("no tenant ID given")
    .assert_stderr_contains("AZURE_TENANT_ID or ARM_TENANT_ID");
    test_arm(&standin, &ids(), &[])
        .assert_code(EXIT_USAGE)
        .assert_stderr_contains("no credential given");
    // The same subscription twice is checked once.
    let run = test_arm(
        &standin,
        &with_ids(&[
            "--subscription",
            &SUB.to_uppercase(),
            "--secret-env",
            "S",
            "--output",
            "json",
        ]),
        &[("S", SECRET)],
    );
    run.assert_code(EXIT_OK);
    assert_eq!(run.json()["subscriptions"].as_array().unwrap().len(), 1);
}

#[test]
fn arm_environment_names_the_cloud() {
    let standin = start(reader_app());
    let run = test_arm(
        &standin,
        &with_ids(&["--secret-env", "S", "--output", "json"]),
        &[("S", SECRET), ("ARM_ENVIRONMENT", "usgovernment")],
    );
    run.assert_code(EXIT_OK)
        .assert_stderr_contains("cloud from environment variable ARM_ENVIRONMENT");
    let json = run.json();
    assert_eq!(json["cloud"], "AzureUSGovernment");
    // The flags still point at the stand-in: overrides win over the cloud's endpoints.
    assert_eq!(json["authority_host"], standin.url());
    test_arm(
        &standin,
        &with_ids(&["--secret-env", "S"]),
        &[("S", SECRET), ("ARM_ENVIRONMENT", "german")],
    )
    .assert_code(EXIT_USAGE)
    .assert_stderr_contains("closed in 2021");
}
