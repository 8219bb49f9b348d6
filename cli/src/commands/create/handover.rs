//! The hand-over: the values to copy into the product, named as its form names them, the
//! `--env-file-out` file that `certtool test arm --env-file` reads, the secret on stdout
//! for `--secret-out -`, and the command that checks it all later.

use certtool_core::create::State;
use certtool_core::fsutil::{write_atomic, FileSecrecy};

use super::outcome::{Context, Field, Report};
use super::Product;
use crate::error::CliError;

/// The form's labels: tenant, client id, subscription, secret, certificate.
fn labels(product: Option<Product>) -> [&'static str; 5] {
    match product {
        Some(Product::Octopus) => [
            "Tenant ID",
            "Application ID",
            "Subscription ID",
            "Application Password / Key",
            "Certificate (PFX)",
        ],
        Some(Product::Cloudcraft) => [
            "Directory ID",
            "Application ID",
            "Subscription ID",
            "Client secret",
            "Certificate (PFX)",
        ],
        Some(Product::Spot) => [
            "Directory (Tenant) ID",
            "Application (Client) ID",
            "Subscription ID",
            "Secret",
            "Certificate (PFX)",
        ],
        Some(Product::Cloudstudio) => [
            "Tenant ID",
            "Client ID",
            "Subscription ID",
            "Client Secret",
            "Certificate (PFX)",
        ],
        Some(Product::Terraform) => [
            "ARM_TENANT_ID",
            "ARM_CLIENT_ID",
            "ARM_SUBSCRIPTION_ID",
            "ARM_CLIENT_SECRET",
            "ARM_CLIENT_CERTIFICATE_PATH",
        ],
        None => [
            "tenant",
            "application (client) id",
            "subscription",
            "client secret",
            "certificate (PFX)",
        ],
    }
}

/// Whether the objects exist for the caller to use.
fn exists(state: State) -> bool {
    matches!(
        state,
        State::Proven | State::NotYetProven | State::CreatedUnproven | State::Kept
    )
}

fn absolute(path: &std::path::Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Fills the hand-over of `report` and writes `--env-file-out` and `--secret-out -`.
pub fn hand_over(report: &mut Report, cx: &Context) -> Result<(), CliError> {
    let c = &report.creation;
    let Some(client_id) = c.client_id.clone().filter(|_| exists(c.state)) else {
        return Ok(());
    };
    let [tenant, client, subscription, secret, certificate] = labels(cx.product);
    let mut fields = vec![
        Field {
            label: tenant.into(),
            value: cx.tenant.to_string(),
        },
        Field {
            label: client.into(),
            value: client_id.clone(),
        },
        Field {
            label: subscription.into(),
            value: cx.subscriptions.join(","),
        },
    ];
    let secret_place = match (&c.secret_file, cx.secret_out) {
        (Some(path), _) => Some(path.display().to_string()),
        (None, Some(p)) if crate::io::is_dash(Some(p)) && c.secret.is_some() => {
            Some("printed on stdout".into())
        }
        _ if c.secret.is_some() && cx.env_file_out.is_some() => cx
            .env_file_out
            .map(|p| format!("in {} (AZURE_CLIENT_SECRET)", p.display())),
        _ => None,
    };
    if let Some(place) = secret_place {
        fields.push(Field {
            label: secret.into(),
            value: place,
        });
    }
    if let Some(pfx) = &c.pfx {
        fields.push(Field {
            label: certificate.into(),
            value: pfx.display().to_string(),
        });
    }
    let mut lines = vec![
        format!("AZURE_TENANT_ID={}", cx.tenant),
        format!("AZURE_CLIENT_ID={client_id}"),
        format!(
            "AZURE_SUBSCRIPTION_ID={}",
            cx.subscriptions.first().map(String::as_str).unwrap_or("")
        ),
    ];
    match (&c.secret, &c.pfx) {
        (Some(password), _) => {
            lines.push(format!("AZURE_CLIENT_SECRET={}", password.secret.expose()))
        }
        (None, Some(pfx)) => lines.push(format!("AZURE_CLIENT_CERTIFICATE_PATH={}", absolute(pfx))),
        (None, None) => {}
    }
    let subs = cx.subscriptions.join(",");
    report.check = Some(match cx.env_file_out {
        Some(path) => format!(
            "certtool test arm --env-file {} --subscription {subs}",
            path.display()
        ),
        None => format!(
            "certtool test arm --tenant {} --client-id {client_id} --subscription {subs} …",
            cx.tenant
        ),
    });
    if let Some(path) = cx.env_file_out {
        let mut text = zeroize::Zeroizing::new(lines.join("\n"));
        text.push('\n');
        write_atomic(path, text.as_bytes(), FileSecrecy::Private, false)?;
        report.env_file = Some(path.display().to_string());
    }
    report.hand_over = fields;
    if let (Some(password), Some(p)) = (&report.creation.secret, cx.secret_out) {
        if crate::io::is_dash(Some(p)) {
            let mut value = zeroize::Zeroizing::new(password.secret.expose().to_string());
            value.push('\n');
            crate::io::write_stdout(value.as_bytes())?;
        }
    }
    Ok(())
}
