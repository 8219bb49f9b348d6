//! A seeded, deterministic directory of any size: the same seed, size and reference
//! time give the same objects, ids and dates, so tests can count what an audit must
//! find. Credentials of every kind and age are mixed in, with the traps an audit must
//! not fall into: Application Proxy's `CWAP_AuthSecret` passwords, SAML signing pairs,
//! other tenants' applications, managed identities.

use time::{Duration, OffsetDateTime};

use super::view::key_identifier;
use super::{
    Directory, DirectoryApplication, DirectoryServicePrincipal, KeyCredential, Owner,
    PasswordCredential,
};

/// Microsoft's own tenant, the owner of first-party applications.
pub const MICROSOFT_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A whole number of days in `from..to`.
    fn days(&mut self, from: i64, to: i64) -> Duration {
        Duration::days(from + self.below((to - from).max(1) as u64) as i64)
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        out
    }

    fn guid(&mut self) -> String {
        crate::ids::guid_from_bytes(&self.bytes::<16>())
    }
}

fn certificate(rng: &mut Rng, now: OffsetDateTime, name: &str, usage: &str) -> KeyCredential {
    let end = now + rng.days(-400, 800);
    KeyCredential {
        key_id: rng.guid(),
        display_name: Some(format!("CN={name}")),
        custom_key_identifier: Some(key_identifier(&rng.bytes::<20>())),
        kind: "AsymmetricX509Cert".into(),
        usage: usage.into(),
        start: end - Duration::days(365),
        end,
    }
}

fn secret(rng: &mut Rng, now: OffsetDateTime, name: Option<&str>) -> PasswordCredential {
    let end = now + rng.days(-200, 700);
    let hint: String = (0..3)
        .map(|_| (b'a' + rng.below(26) as u8) as char)
        .collect();
    PasswordCredential {
        key_id: rng.guid(),
        display_name: name.map(str::to_owned),
        custom_key_identifier: None,
        hint,
        start: Some(end - Duration::days(730)),
        end: Some(end),
        secret: None,
    }
}

fn application_sp(
    app: &DirectoryApplication,
    id: String,
    tenant_id: &str,
) -> DirectoryServicePrincipal {
    DirectoryServicePrincipal {
        id,
        app_id: app.app_id.clone(),
        display_name: app.display_name.clone(),
        service_principal_type: "Application".into(),
        app_owner_organization_id: Some(tenant_id.to_owned()),
        key_credentials: Vec::new(),
        password_credentials: Vec::new(),
        preferred_token_signing_key_thumbprint: None,
    }
}

impl Directory {
    /// `applications` app registrations of `tenant_id` (nine in ten with a service
    /// principal), plus one other tenant's service principal per ten apps and one managed
    /// identity per twenty, with credentials dated around `now`, from `seed`.
    ///
    /// Credentials: certificates and secrets expired up to 400 days ago or valid up to 800
    /// days ahead, some apps with both or two of a kind (a rotation in progress), some
    /// with none, a few with a legacy `Symmetric` key or a secret ending in 2299. Traps
    /// on service principals: every 7th app's is a SAML app (a `Sign` + `Verify` pair
    /// with one `customKeyIdentifier`, named by `preferredTokenSigningKeyThumbprint`),
    /// every 11th an Application Proxy app (a `CWAP_AuthSecret` password); foreign
    /// service principals (Microsoft's tenant or others) and managed identities carry
    /// certificates, some expired. Every app has zero to two owners.
    pub fn generate(
        tenant_id: &str,
        seed: u64,
        applications: usize,
        now: OffsetDateTime,
    ) -> Directory {
        let mut rng = Rng(seed);
        let mut directory = Directory::default();
        for i in 0..applications {
            let name = format!("app-{i:05}");
            let mut app = DirectoryApplication {
                id: rng.guid(),
                app_id: rng.guid(),
                display_name: name.clone(),
                sign_in_audience: if rng.below(8) == 0 {
                    "AzureADMultipleOrgs"
                } else {
                    "AzureADMyOrg"
                }
                .into(),
                key_credentials: Vec::new(),
                password_credentials: Vec::new(),
                created: now - rng.days(30, 3000),
            };
            match rng.below(20) {
                0..=5 => app
                    .key_credentials
                    .push(certificate(&mut rng, now, &name, "Verify")),
                6..=10 => app
                    .password_credentials
                    .push(secret(&mut rng, now, Some("ci"))),
                11 | 12 => {
                    app.key_credentials
                        .push(certificate(&mut rng, now, &name, "Verify"));
                    app.password_credentials.push(secret(&mut rng, now, None));
                }
                13 | 14 => {
                    app.key_credentials
                        .push(certificate(&mut rng, now, &name, "Verify"));
                    app.key_credentials
                        .push(certificate(&mut rng, now, &name, "Verify"));
                }
                15 => {
                    let mut key = certificate(&mut rng, now, &name, "Verify");
                    key.kind = "Symmetric".into();
                    key.display_name = None;
                    app.key_credentials.push(key);
                }
                16 => {
                    let mut forever = secret(&mut rng, now, Some("never expires"));
                    forever.end = Some(OffsetDateTime::new_utc(
                        time::Date::from_calendar_date(2299, time::Month::December, 31)
                            .expect("a valid date"),
                        time::Time::MIDNIGHT,
                    ));
                    app.password_credentials.push(forever);
                }
                _ => {}
            }
            for _ in 0..rng.below(3) {
                let owner = if rng.below(3) == 0 {
                    Owner::ServicePrincipal(rng.guid())
                } else {
                    Owner::User(rng.guid())
                };
                directory.add_owner(&app.id, owner);
            }
            if rng.below(10) != 0 {
                let mut sp = application_sp(&app, rng.guid(), tenant_id);
                if i % 7 == 3 {
                    let thumbprint = rng.bytes::<20>();
                    let end = now + rng.days(-100, 1000);
                    for usage in ["Sign", "Verify"] {
                        sp.key_credentials.push(KeyCredential {
                            key_id: rng.guid(),
                            display_name: Some(format!(
                                "CN=Microsoft Azure Federated SSO Certificate ({name})"
                            )),
                            custom_key_identifier: Some(key_identifier(&thumbprint)),
                            kind: "AsymmetricX509Cert".into(),
                            usage: usage.into(),
                            start: end - Duration::days(1095),
                            end,
                        });
                    }
                    sp.preferred_token_signing_key_thumbprint =
                        Some(thumbprint.iter().map(|b| format!("{b:02X}")).collect());
                }
                if i % 11 == 5 {
                    let mut cwap = secret(&mut rng, now, Some("CWAP_AuthSecret"));
                    cwap.custom_key_identifier = Some(key_identifier(b"CWAP_AuthSecret"));
                    sp.password_credentials.push(cwap);
                }
                directory.service_principals.push(sp);
            }
            directory.applications.push(app);
        }
        for i in 0..applications / 10 {
            let owner = if i % 2 == 0 {
                MICROSOFT_TENANT.to_owned()
            } else {
                rng.guid()
            };
            let mut sp = DirectoryServicePrincipal {
                id: rng.guid(),
                app_id: rng.guid(),
                display_name: format!("foreign-{i:04}"),
                service_principal_type: "Application".into(),
                app_owner_organization_id: Some(owner),
                key_credentials: Vec::new(),
                password_credentials: Vec::new(),
                preferred_token_signing_key_thumbprint: None,
            };
            if i % 3 == 0 {
                sp.key_credentials
                    .push(certificate(&mut rng, now, &sp.display_name, "Verify"));
            }
            directory.service_principals.push(sp);
        }
        for i in 0..applications / 20 {
            let end = now + rng.days(-30, 90);
            let name = format!("mi-{i:04}");
            directory
                .service_principals
                .push(DirectoryServicePrincipal {
                    id: rng.guid(),
                    app_id: rng.guid(),
                    display_name: name.clone(),
                    service_principal_type: "ManagedIdentity".into(),
                    app_owner_organization_id: None,
                    key_credentials: vec![KeyCredential {
                        key_id: rng.guid(),
                        display_name: Some(format!("CN={name}")),
                        custom_key_identifier: Some(key_identifier(&rng.bytes::<20>())),
                        kind: "AsymmetricX509Cert".into(),
                        usage: "Verify".into(),
                        start: end - Duration::days(90),
                        end,
                    }],
                    password_credentials: Vec::new(),
                    preferred_token_signing_key_thumbprint: None,
                });
        }
        directory
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_directory_and_the_traps_are_there() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let a = Directory::generate("t", 7, 300, now);
        let b = Directory::generate("t", 7, 300, now);
        assert_eq!(a.applications, b.applications);
        assert_eq!(a.service_principals, b.service_principals);
        assert_ne!(
            Directory::generate("t", 8, 300, now).applications,
            a.applications
        );
        assert_eq!(a.applications.len(), 300);
        let sps = &a.service_principals;
        assert!(sps
            .iter()
            .any(|s| s.service_principal_type == "ManagedIdentity"));
        assert!(sps
            .iter()
            .any(|s| s.app_owner_organization_id.as_deref() == Some(MICROSOFT_TENANT)));
        assert!(sps.iter().any(|s| s
            .password_credentials
            .iter()
            .any(|p| p.display_name.as_deref() == Some("CWAP_AuthSecret"))));
        let saml = sps
            .iter()
            .find(|s| s.preferred_token_signing_key_thumbprint.is_some())
            .unwrap();
        assert_eq!(saml.key_credentials.len(), 2);
        assert_eq!(
            saml.key_credentials[0].custom_key_identifier,
            saml.key_credentials[1].custom_key_identifier
        );
        let keys = a.applications.iter().flat_map(|x| &x.key_credentials);
        assert!(keys.clone().any(|k| k.end < now) && keys.clone().any(|k| k.end > now));
        assert!(keys.clone().any(|k| k.kind == "Symmetric"));
        let ids: std::collections::HashSet<_> = a.applications.iter().map(|x| &x.id).collect();
        assert_eq!(ids.len(), 300, "ids are unique");
    }
}
