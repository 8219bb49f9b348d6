//! JUnit XML, as GitLab, Azure Pipelines and Jenkins read it: one test case per
//! credential (a failure when it has expired or expires within the window, skipped when
//! a rule excludes it), and one per listing, which errors when that part of the tenant
//! could not be read, so that a partial run never shows all green.

use std::fmt::Write;

use certtool_core::audit::{AuditedCredential, Rule, Status};

use super::report::{location, Report};

/// `text` for an XML attribute or element: markup escaped, and the characters XML 1.0
/// cannot carry at all (controls other than tab and line breaks) replaced.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn case(out: &mut String, r: &Report, c: &AuditedCredential) {
    let name = format!(
        "{} {} of {}",
        c.kind,
        c.key_id,
        if c.display_name.is_empty() {
            &c.app_id
        } else {
            &c.display_name
        }
    );
    let class = location(c.object_type, &c.app_id).replace('/', ".");
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\"",
        xml(&class),
        xml(&name)
    );
    let end = c.end.as_deref().unwrap_or("never");
    if !c.gated() {
        let _ = writeln!(
            out,
            "><skipped message=\"{}\"/></testcase>",
            xml(c.excluded_reason.as_deref().unwrap_or("excluded"))
        );
        return;
    }
    let rule = match c.status {
        Status::Ok => {
            let _ = writeln!(out, "/>");
            return;
        }
        Status::Expired => Rule::CredentialExpired,
        Status::Expiring => Rule::CredentialExpiring,
    };
    let message = match c.status {
        Status::Expired => format!("expired on {end}"),
        _ => format!(
            "expires on {end} ({} days left, within {})",
            c.days_left.unwrap_or(0),
            r.window_days
        ),
    };
    let _ = writeln!(
        out,
        ">\n      <failure type=\"{}\" message=\"{}\">{}\napp id {}, object id {}\nfix: {}</failure>\n    </testcase>",
        rule,
        xml(&message),
        xml(&message),
        xml(&c.app_id),
        xml(&c.object_id),
        xml(rule.fix())
    );
}

/// The report as JUnit XML.
pub fn render(r: &Report) -> String {
    let credentials = r.credentials;
    let failures = credentials
        .iter()
        .filter(|c| c.gated() && c.status != Status::Ok)
        .count();
    let skipped = credentials.iter().filter(|c| !c.gated()).count();
    let mut views = vec![("applications", r.listings.applications.is_some())];
    views.push((
        "service principals",
        r.listings.service_principals.is_some(),
    ));
    if r.listings.owners.is_some() || r.gaps.iter().any(|g| g.what == "owners") {
        views.push(("owners", true));
    }
    let signed_in = r.sign_in.ok;
    let errors = if signed_in { r.gaps.len() } else { views.len() };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"certtool audit\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        credentials.len() + views.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"directory view\" tests=\"{}\" failures=\"0\" errors=\"{errors}\" skipped=\"0\" timestamp=\"{}\">",
        views.len(),
        xml(&r.generated_at)
    );
    let _ = writeln!(
        out,
        "    <properties>\n      <property name=\"tenant_id\" value=\"{}\"/>\n      <property name=\"complete\" value=\"{}\"/>\n    </properties>",
        xml(&r.tenant_id),
        r.complete
    );
    for (what, _) in &views {
        let _ = write!(
            out,
            "    <testcase classname=\"entra.listing\" name=\"{what} read in full\""
        );
        let gap = r.gaps.iter().find(|g| g.what == *what);
        match (signed_in, gap, &r.sign_in.error) {
            (false, _, Some(e)) => {
                let _ = writeln!(
                    out,
                    ">\n      <error type=\"sign-in\" message=\"{}\">{}\nfix: {}</error>\n    </testcase>",
                    xml(&e.headline()),
                    xml(&e.cause),
                    xml(&e.fix)
                );
            }
            (_, Some(gap), _) => {
                let _ = writeln!(
                    out,
                    ">\n      <error type=\"incomplete\" message=\"{}\">{}\nfix: {}</error>\n    </testcase>",
                    xml(&gap.cause),
                    xml(&gap.cause),
                    xml(&gap.fix)
                );
            }
            _ => {
                let _ = writeln!(out, "/>");
            }
        }
    }
    let _ = writeln!(out, "  </testsuite>");
    let _ = writeln!(
        out,
        "  <testsuite name=\"credentials\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" timestamp=\"{}\">",
        credentials.len(),
        xml(&r.generated_at)
    );
    for c in credentials {
        case(&mut out, r, c);
    }
    let notes: Vec<String> = r
        .findings
        .iter()
        .filter(|f| matches!(f.rule, Rule::SecretNotCert | Rule::NoOwner))
        .map(|f| {
            format!(
                "{} {} ({}): {}",
                f.rule, f.display_name, f.app_id, f.message
            )
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(
            out,
            "    <system-out>{}</system-out>",
            xml(&notes.join("\n"))
        );
    }
    let _ = writeln!(out, "  </testsuite>\n</testsuites>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_cannot_break_the_document() {
        assert_eq!(
            xml("a<b>&\"'\u{1}\tz"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}\tz"
        );
    }
}
