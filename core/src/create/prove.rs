//! The proof: sign in as the new app with its new credential, retrying while Entra ID
//! has not replicated it (AADSTS700016 for the app, 7000215 for a secret, 700027 for a
//! certificate), then read each subscription and check the role's actions as
//! `test arm --require-…` does, retrying while the assignment has not applied — all
//! within one `--wait`.

use std::time::{Duration, Instant};

use crate::arm::{check_subscriptions, ArmClient, Requirement, RoleDefinition, Verdict};
use crate::entra::{CertificateKey, Credential, SignIn};
use crate::error::Result;

use super::{CreateFailure, CreateRequest, Creation, NewCredential, ProofGap, Step, StepStatus};

/// How the proof ended.
pub(super) enum Proof {
    /// It signed in and holds the role everywhere.
    Proven,
    /// A federated credential: nothing here can sign in with it.
    Impossible,
    /// The wait ran out first.
    OutOfTime(Box<CreateFailure>),
}

/// The requirement a role definition states: what the new principal must be granted.
pub fn requirement_of(definition: &RoleDefinition) -> Requirement {
    let mut req = Requirement {
        source: format!("role {}", definition.properties.role_name),
        ..Default::default()
    };
    for p in &definition.properties.permissions {
        req.actions.extend(p.actions.iter().cloned());
        req.not_actions.extend(p.not_actions.iter().cloned());
        req.data_actions.extend(p.data_actions.iter().cloned());
        req.not_data_actions
            .extend(p.not_data_actions.iter().cloned());
    }
    req
}

const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(10);

pub(super) async fn prove(
    run: &mut Creation,
    request: &CreateRequest<'_>,
    definition: &RoleDefinition,
    client_id: &str,
) -> Result<Proof> {
    let credential = match &request.credential {
        NewCredential::Federated(_) => {
            run.record(
                Step::ProveSignIn,
                StepStatus::Skipped,
                "a federated credential signs in only with a token from its issuer: run `certtool test arm` there (e.g. in the GitHub Actions job) to prove it",
            );
            return Ok(Proof::Impossible);
        }
        NewCredential::Certificate(c) => Credential::Certificate(CertificateKey {
            certificate: c.certificate,
            key: c.key,
            chain: &[],
            alg: c.alg,
            send_x5c: false,
        }),
        NewCredential::Secret { .. } => match &run.secret {
            Some(password) => Credential::Secret(&password.secret),
            None => unreachable!("addPassword succeeded before the proof"),
        },
    };
    let new = SignIn::new(
        request.http.clone(),
        request.policy.clone(),
        request.token_url.clone(),
        client_id,
        credential,
    )
    .clock(request.now);
    let started = Instant::now();
    let deadline = started + request.wait;
    let mut pause = FIRST_PAUSE;
    let token = loop {
        run.proof_attempts += 1;
        match new.token(&request.arm_scope).await? {
            Ok(token) => break token,
            Err(error) => {
                let why = new.explain(&error);
                if Instant::now() + pause >= deadline {
                    let waited = started.elapsed().as_secs();
                    let detail = format!(
                        "the new credential did not sign in within {} s ({} attempt(s)); last answer: {}",
                        request.wait.as_secs(),
                        run.proof_attempts,
                        why.answer()
                    );
                    run.record(Step::ProveSignIn, StepStatus::Failed, detail);
                    return Ok(Proof::OutOfTime(Box::new(CreateFailure::NotProven {
                        waited_secs: waited,
                        gap: ProofGap::SignIn(Box::new(why)),
                    })));
                }
                (request.progress)(&format!(
                    "waiting for Entra ID to replicate the new app ({}); {} s so far",
                    why.label(),
                    started.elapsed().as_secs()
                ));
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
        }
    };
    run.record(
        Step::ProveSignIn,
        StepStatus::Done,
        format!(
            "the new app signed in with its new credential (attempt {}, after {} s)",
            run.proof_attempts,
            started.elapsed().as_secs()
        ),
    );

    let arm = ArmClient::new(
        request.http.clone(),
        &request.arm,
        token,
        request.policy.clone(),
    );
    let requirements = [requirement_of(definition)];
    let mut pause = FIRST_PAUSE;
    loop {
        let checks =
            check_subscriptions(&arm, &request.subscriptions, None, &requirements, 8).await;
        let done = checks.iter().all(|c| c.verdict == Verdict::Ok);
        if done {
            run.record(
                Step::ProveRole,
                StepStatus::Done,
                format!(
                    "{} holds the actions of {} on {} subscription(s)",
                    client_id,
                    definition.properties.role_name,
                    checks.len()
                ),
            );
            run.checks = checks;
            return Ok(Proof::Proven);
        }
        if Instant::now() + pause >= deadline {
            let waiting: Vec<String> = checks
                .iter()
                .filter(|c| c.verdict != Verdict::Ok)
                .map(|c| format!("{} ({})", c.subscription_id, c.verdict))
                .collect();
            run.record(
                Step::ProveRole,
                StepStatus::Failed,
                format!(
                    "within {} s the role did not show on: {}",
                    request.wait.as_secs(),
                    waiting.join(", ")
                ),
            );
            run.checks = checks.clone();
            return Ok(Proof::OutOfTime(Box::new(CreateFailure::NotProven {
                waited_secs: started.elapsed().as_secs(),
                gap: ProofGap::Role(checks),
            })));
        }
        (request.progress)(&format!(
            "waiting for the role assignment to apply; {} s so far",
            started.elapsed().as_secs()
        ));
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}
