//! A client secret in a variable a flag names (`--secret-env VAR`): the environment,
//! then the `.env` file. The name is never shown: it may be the secret itself.

use certtool_core::secret::Secret;

use super::{CredentialSource, Found, Material};
use crate::envfile::EnvLookup;
use crate::error::CliError;
use crate::password::read::{check_env_name, env_not_set};

/// The variable `flag` names.
pub struct NamedVariable<'a> {
    flag: &'static str,
    var: &'a str,
}

impl<'a> NamedVariable<'a> {
    /// A client secret in the variable `var`, given with `flag`.
    pub fn secret(flag: &'static str, var: &'a str) -> Self {
        NamedVariable { flag, var }
    }
}

impl CredentialSource for NamedVariable<'_> {
    fn find(&self, env: &EnvLookup) -> Result<Option<Found>, CliError> {
        let flag = self.flag;
        check_env_name(flag, self.var, &format!("{flag} AZURE_CLIENT_SECRET"))?;
        let (value, origin) = env.named(self.var).ok_or_else(|| env_not_set(flag))?;
        Ok(Some(Found {
            material: Material::Secret(Secret::new(value.to_string())),
            origin: format!("{flag}, from {origin} (name and value not shown)"),
        }))
    }
}
