//! The flags of `create sp`, with the chosen product's defaults, checked before anything
//! is sent: the role (a name, or a custom role read from its policy JSON), the credential
//! (the certificate and PFX made as `generate` makes them), and where a secret goes.

use std::path::PathBuf;

use certtool_core::arm::{parse_role_definition, PermissionEntry, RoleDefinitionProperties};
use certtool_core::create::{secret_display_name, NewCertificate, NewCredential, RoleChoice};
use certtool_core::generate::{
    random_serial, safe_file_stem, self_signed, CertificateRequest, Validity,
};
use certtool_core::graph::FederatedIdentityCredential;
use certtool_core::ids::is_guid;
use certtool_core::pfx::{self, Profile};
use certtool_core::secret::Secret;
use certtool_core::{fsutil, keys};
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use time::OffsetDateTime;

use super::{CreateSpArgs, CredentialKind, Product};
use crate::error::{CliError, ExitKind};
use crate::io::is_dash;
use crate::password::new_password_flags_chain;

/// The role asked for.
pub enum Role {
    /// By name.
    Existing(String),
    /// Defined from a policy file.
    Custom(RoleDefinitionProperties),
}

/// The certificate made for the new app, and its PFX.
pub struct MadeCertificate {
    pub certificate: X509,
    pub key: PKey<Private>,
    pub pfx: zeroize::Zeroizing<Vec<u8>>,
    pub pfx_path: PathBuf,
    pub cer_path: PathBuf,
}

/// Everything resolved offline.
pub struct Plan {
    pub role: Role,
    pub kind: CredentialKind,
    pub certificate: Option<MadeCertificate>,
    pub secret_end: OffsetDateTime,
    pub secret_file: Option<PathBuf>,
    pub secret_name: String,
    pub federated: Option<FederatedIdentityCredential>,
}

impl Plan {
    /// The role as core takes it.
    pub fn role_choice(&self) -> RoleChoice {
        match &self.role {
            Role::Existing(name) => RoleChoice::Existing(name.clone()),
            Role::Custom(props) => RoleChoice::Custom(props.clone()),
        }
    }

    /// The credential as core takes it.
    pub fn credential<'a>(&'a self, args: &CreateSpArgs) -> NewCredential<'a> {
        match (self.kind, &self.certificate, &self.federated) {
            (CredentialKind::Certificate, Some(c), _) => {
                NewCredential::Certificate(NewCertificate {
                    certificate: &c.certificate,
                    key: &c.key,
                    pfx: &c.pfx,
                    pfx_path: c.pfx_path.clone(),
                    cer_path: c.cer_path.clone(),
                    alg: args.signin.alg.into(),
                })
            }
            (CredentialKind::Federated, _, Some(f)) => NewCredential::Federated(f.clone()),
            _ => NewCredential::Secret {
                display_name: self.secret_name.clone(),
                end: self.secret_end,
                file: self.secret_file.clone(),
            },
        }
    }
}

/// The credential a product's form takes when none is named: the forms of these
/// products ask for a client secret; otherwise a certificate.
fn default_kind(product: Option<Product>) -> CredentialKind {
    match product {
        None => CredentialKind::Certificate,
        Some(_) => CredentialKind::Secret,
    }
}

fn role(args: &CreateSpArgs) -> Result<Role, CliError> {
    if let Some(path) = &args.role_definition {
        let source = crate::io::Source::parse(path);
        let name = source.name();
        let bytes = source.read()?;
        let requirement = parse_role_definition(&bytes, &name)?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let root = value.get("properties").unwrap_or(&value);
        let text = |keys: &[&str]| {
            root.as_object().and_then(|o| {
                o.iter()
                    .find(|(k, _)| keys.iter().any(|w| k.eq_ignore_ascii_case(w)))
                    .and_then(|(_, v)| v.as_str().map(str::to_string))
            })
        };
        let Some(role_name) = text(&["roleName", "Name"]).filter(|n| !n.trim().is_empty()) else {
            return Err(CliError::new(
                ExitKind::Input,
                format!("{name}: the role definition has no Name (or roleName)"),
            )
            .fix("add \"Name\": \"…\" — a custom role's name is unique in the tenant"));
        };
        return Ok(Role::Custom(RoleDefinitionProperties {
            role_name: role_name.trim().to_string(),
            description: text(&["description", "Description"])
                .unwrap_or_else(|| format!("Made by certtool create sp for {}", args.name.trim())),
            kind: "CustomRole".into(),
            permissions: vec![PermissionEntry {
                actions: requirement.actions,
                not_actions: requirement.not_actions,
                data_actions: requirement.data_actions,
                not_data_actions: requirement.not_data_actions,
            }],
            assignable_scopes: Vec::new(),
        }));
    }
    match (&args.role, args.product) {
        (Some(name), _) if !name.trim().is_empty() => Ok(Role::Existing(name.trim().to_string())),
        (_, Some(Product::Cloudcraft)) => Ok(Role::Existing("Reader".into())),
        (_, Some(Product::Spot)) => Err(CliError::usage("--for spot needs --role-definition POLICY.json")
            .cause("Spot's guide creates a custom role from the JSON policy its console shows; certtool never picks a wider built-in role in its place")
            .fix("save the policy from Spot's console as spot-policy.json and pass --role-definition spot-policy.json")),
        _ => Err(CliError::usage("no role given")
            .fix("pass --role NAME (e.g. --role Reader) or --role-definition POLICY.json")),
    }
}

/// Resolves and checks the flags; makes the certificate and its PFX.
pub fn resolve(args: &CreateSpArgs, now: OffsetDateTime) -> Result<Plan, CliError> {
    if args.name.trim().is_empty() {
        return Err(CliError::usage("--name is empty"));
    }
    if let Some(bad) = args.subscription.iter().find(|s| !is_guid(s.trim())) {
        return Err(CliError::usage(format!(
            "--subscription {bad} is not a subscription ID (a GUID)"
        )));
    }
    let role = role(args)?;
    let kind = args.credential.unwrap_or(default_kind(args.product));
    let days = args.days.unwrap_or(match args.product {
        Some(Product::Cloudcraft) => 730,
        _ => 365,
    });
    if args.output.json() && is_dash(args.secret_out.as_deref()) {
        return Err(
            CliError::usage("--secret-out - cannot share stdout with --output json")
                .cause("one document per stream: the JSON report takes stdout")
                .fix("write the secret to a file (--secret-out FILE, 0600) or drop --output json"),
        );
    }
    for path in [
        args.env_file_out.as_ref(),
        args.secret_out.as_ref().filter(|p| !is_dash(Some(p))),
    ]
    .into_iter()
    .flatten()
    {
        fsutil::check_replaceable(path, false)?;
    }
    let mut plan = Plan {
        role,
        kind,
        certificate: None,
        secret_end: now + time::Duration::days(i64::from(days)),
        secret_file: args.secret_out.clone().filter(|p| !is_dash(Some(p))),
        secret_name: secret_display_name(now),
        federated: None,
    };
    match kind {
        CredentialKind::Secret => {
            if args.secret_out.is_none() && args.env_file_out.is_none() {
                return Err(CliError::usage("a client secret needs a destination")
                    .cause("Entra ID shows a new secret once; certtool writes it only where you say")
                    .fix("pass --secret-out FILE (0600), --secret-out - for stdout, or --env-file-out FILE"));
            }
        }
        CredentialKind::Federated => {
            let (Some(issuer), Some(subject)) = (&args.federated_issuer, &args.federated_subject)
            else {
                return Err(CliError::usage("--credential federated needs --federated-issuer and --federated-subject")
                    .fix("GitHub Actions: --federated-issuer https://token.actions.githubusercontent.com --federated-subject repo:ORG/REPO:ref:refs/heads/main"));
            };
            crate::signin::check_https(issuer, "federated issuer")?;
            plan.federated = Some(FederatedIdentityCredential {
                id: String::new(),
                name: safe_file_stem(&format!("certtool-{}", args.name.trim())),
                issuer: issuer.clone(),
                subject: subject.clone(),
                audiences: vec![args.federated_audience.clone()],
            });
        }
        CredentialKind::Certificate => plan.certificate = Some(certificate(args, now, days)?),
    }
    Ok(plan)
}

fn certificate(
    args: &CreateSpArgs,
    now: OffsetDateTime,
    days: u32,
) -> Result<MadeCertificate, CliError> {
    let stem = safe_file_stem(args.name.trim());
    let pfx_path = args.out_dir.join(format!("{stem}.pfx"));
    let cer_path = args.out_dir.join(format!("{stem}.cer"));
    for path in [&pfx_path, &cer_path] {
        fsutil::check_replaceable(path, false)?;
    }
    let what = format!("{stem}.pfx");
    let password = if args.no_password {
        Secret::empty()
    } else {
        let chain = new_password_flags_chain(
            args.new_password_env.as_deref(),
            args.new_password_file.as_deref(),
        )
        .or_prompt(
            format!("New password for {what}: "),
            args.signin.password.no_input,
        );
        match chain.resolve(&what)? {
            Some((password, _)) => password,
            None => {
                return Err(
                    CliError::usage(format!("{what} needs a password and none was given")).fix(
                        "give --new-password-env VAR or --new-password-file PATH, or --no-password",
                    ),
                )
            }
        }
    };
    let key = keys::generate_rsa(2048, false)?;
    let certificate = self_signed(
        &key,
        &CertificateRequest {
            common_name: args.name.trim().to_string(),
            validity: Validity::Days(days),
            now,
            serial: random_serial()?,
        },
    )?;
    let pfx = pfx::build(
        &key,
        &certificate,
        &[],
        Some(args.name.trim()),
        &password,
        Profile::Compat,
    )?;
    fsutil::create_private_dir(&args.out_dir)?;
    Ok(MadeCertificate {
        certificate,
        key,
        pfx,
        pfx_path,
        cer_path,
    })
}
