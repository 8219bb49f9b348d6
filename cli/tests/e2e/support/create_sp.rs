//! Helpers shared by the `create sp` end-to-end and snapshot tests: a runner that may
//! create service principals, the stand-in it signs in to, and the command lines
//! (`create sp` as the runner or by device code, and `test arm` from the env file
//! `create sp` wrote) pointed at it.

use std::path::Path;
use std::time::Duration;

use certtool_standin::{App, ClientSecret, Config, RoleAssignment, StandIn, Subscription, Tenant};

use super::arm::{sub_scope, CLIENT, SECRET, TENANT};
use super::*;

/// The second subscription the runner may assign roles on.
pub const SUB2: &str = "00000000-0000-0000-0000-000000000002";

/// The variable `create sp` reads the runner's secret from, and its value.
pub const RUNNER_ENV: (&str, &str) = ("RUNNER_SECRET", SECRET);

/// A runner that may register applications and assign roles (User Access Administrator
/// with Reader's reads).
pub fn runner() -> App {
    App::new(CLIENT)
        .display_name("runner")
        .graph_permission("Application.ReadWrite.All")
        .secret(ClientSecret::new(SECRET, None))
        .role(RoleAssignment::new(
            sub_scope(SUB),
            ["*/read", "Microsoft.Authorization/*"],
        ))
        .role(RoleAssignment::new(
            sub_scope(SUB2),
            ["*/read", "Microsoft.Authorization/*"],
        ))
}

/// The stand-in with both subscriptions and `app` in the tenant, changed by `config`.
pub fn start_with(app: App, config: impl FnOnce(Config) -> Config) -> StandIn {
    StandIn::start(config(
        Config::new()
            .subscription(Subscription::new(SUB, "Production"))
            .subscription(Subscription::new(SUB2, "Staging"))
            .principal_replication_window(Duration::from_secs(60))
            .tenant(Tenant::new(TENANT).app(app)),
    ))
    .unwrap()
}

/// The stand-in with both subscriptions and `app` in the tenant.
pub fn start(app: App) -> StandIn {
    start_with(app, |c| c)
}

/// The flags that point certtool at `standin`: sign-in and ARM there, Graph at `graph`.
pub fn endpoints(standin: &StandIn, graph: &str) -> Vec<String> {
    let url = standin.url().to_string();
    vec![
        "--authority-host".into(),
        url.clone(),
        "--arm-endpoint".into(),
        format!("{url}/"),
        "--graph-endpoint".into(),
        graph.into(),
        "--ca-file".into(),
        s(standin.ca_pem_path()).into(),
    ]
}

/// `create sp` at `standin`, signed in as the runner with its secret from
/// [`RUNNER_ENV`]: the command line before a case's own arguments.
pub fn create_sp_args(standin: &StandIn) -> Vec<String> {
    let mut args = vec!["create".to_string(), "sp".into()];
    args.extend(endpoints(standin, standin.url()));
    args.extend(
        [
            "--tenant",
            TENANT,
            "--client-id",
            CLIENT,
            "--secret-env",
            RUNNER_ENV.0,
        ]
        .map(String::from),
    );
    args
}

/// `create sp` pointed at the stand-in, signed in as the runner with its secret.
pub fn create_sp(standin: &StandIn, extra: &[&str]) -> Run {
    let mut args = create_sp_args(standin);
    args.extend(extra.iter().map(|a| a.to_string()));
    certtool_with(&strs(&args), &[RUNNER_ENV], None)
}

/// `create sp --device-code` at the stand-in, Graph at `graph`: a person makes the
/// plainest secret service principal, its secret written to `secret`.
pub fn by_device_code(standin: &StandIn, graph: &str, secret: &Path) -> Run {
    let mut args: Vec<String> = ["create", "sp", "--device-code", "--tenant", TENANT]
        .map(String::from)
        .into();
    args.extend(endpoints(standin, graph));
    args.extend(
        secret_sp("by a person", s(secret))
            .into_iter()
            .map(String::from),
    );
    certtool(&strs(&args))
}

/// `test arm` at the stand-in with the credential of `env_file` (as `create sp
/// --env-file-out` wrote it), `extra` before `--allow-env-file-endpoints`.
pub fn test_arm_from(standin: &StandIn, env_file: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<String> = ["test", "arm", "--env-file", s(env_file)]
        .map(String::from)
        .into();
    args.extend(endpoints(standin, standin.url()));
    args.extend(extra.iter().map(|a| a.to_string()));
    args.push("--allow-env-file-endpoints".into());
    certtool(&strs(&args))
}

/// A creation's first arguments: the display name `name` and `role` on [`SUB`].
pub fn named<'a>(name: &'a str, role: &'a str) -> Vec<&'a str> {
    vec!["--name", name, "--subscription", SUB, "--role", role]
}

/// The plainest secret creation: `name`, Reader on [`SUB`], the secret written to `out`.
pub fn secret_sp<'a>(name: &'a str, out: &'a str) -> Vec<&'a str> {
    let mut args = named(name, "Reader");
    args.extend(["--credential", "secret", "--secret-out", out]);
    args
}

/// The plainest certificate creation: `name`, Reader on [`SUB`], the PFX (no password)
/// and `.cer` written in `dir`.
pub fn certificate_sp<'a>(name: &'a str, dir: &'a str) -> Vec<&'a str> {
    let mut args = named(name, "Reader");
    args.extend(["--out-dir", dir, "--no-password"]);
    args
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
