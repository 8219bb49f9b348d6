//! Values from the conventional environment variables, and from a `.env` file holding the
//! same names (`--env-file`). The process environment wins over the file, as with
//! dotenv tools; flags win over both (the caller checks flags first). Values are kept in
//! zeroizing buffers because some of them are secrets.

use std::path::Path;

use zeroize::Zeroizing;

use crate::args::Origin;
use crate::error::{CliError, ExitKind};

/// A value found, and where.
pub struct Found {
    /// The value (may be a secret: never print it unless the caller knows it is not).
    pub value: Zeroizing<String>,
    /// The variable's name.
    pub name: &'static str,
    /// Where it was found.
    pub origin: Origin,
}

/// `NAME=VALUE` pairs in file order.
type Pairs = Vec<(String, Zeroizing<String>)>;

/// The process environment, plus an optional `.env` file (its name and pairs).
#[derive(Default)]
pub struct EnvLookup {
    file: Option<(String, Pairs)>,
}

impl EnvLookup {
    /// The environment, plus the file at `path` if given.
    pub fn load(path: Option<&Path>) -> Result<Self, CliError> {
        let Some(path) = path else {
            return Ok(EnvLookup::default());
        };
        let source = crate::io::Source::parse(path);
        let name = source.name();
        let bytes = Zeroizing::new(
            source
                .read()
                .map_err(|e| e.fix("check the --env-file path"))?,
        );
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| CliError::new(ExitKind::Input, format!("{name}: not UTF-8 text")))?;
        let pairs = parse(text).map_err(|line| {
            CliError::new(
                ExitKind::Input,
                format!("{name}: line {line} is not NAME=VALUE"),
            )
        })?;
        Ok(EnvLookup {
            file: Some((name, pairs)),
        })
    }

    /// The first of `names` set (not empty) in the environment, else the first in the
    /// file.
    pub fn first(&self, names: &[&'static str]) -> Option<Found> {
        for &name in names {
            if let Some(value) = process_var(name) {
                return Some(Found {
                    value,
                    name,
                    origin: Origin::Env(name),
                });
            }
        }
        let (path, pairs) = self.file.as_ref()?;
        for &name in names {
            if let Some((_, v)) = pairs
                .iter()
                .rev()
                .find(|(k, v)| k == name && !v.trim().is_empty())
            {
                return Some(Found {
                    value: v.clone(),
                    name,
                    origin: Origin::EnvFile(format!("{name} in {path}")),
                });
            }
        }
        None
    }

    /// A variable named at run time (`--secret-env VAR`): the environment, then the file.
    /// The origin says where it was found but not the name, which the user typed and
    /// which may be the secret itself, given by mistake.
    pub fn named(&self, name: &str) -> Option<(Zeroizing<String>, String)> {
        if let Some(v) = process_var(name) {
            return Some((v, "the environment".into()));
        }
        let (path, pairs) = self.file.as_ref()?;
        pairs
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| (v.clone(), path.clone()))
    }
}

fn process_var(name: &str) -> Option<Zeroizing<String>> {
    std::env::var(name)
        .ok()
        .map(Zeroizing::new)
        .filter(|v| !v.trim().is_empty())
}

/// Parses `NAME=VALUE` lines: blank lines and `#` comments skipped, an `export ` prefix
/// allowed, values optionally in single quotes (literal) or double quotes (`\n`, `\"`,
/// `\\` escapes); an unquoted value ends at ` #`. Errors give the 1-based line number
/// only (the line may hold a secret).
pub fn parse(text: &str) -> Result<Pairs, usize> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let (key, value) = line.split_once('=').ok_or(i + 1)?;
        let key = key.trim();
        let valid = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(i + 1);
        }
        let value = value.trim();
        let value = if let Some(inner) = value.strip_prefix('"') {
            let inner = inner.strip_suffix('"').ok_or(i + 1)?;
            let mut s = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next() {
                        Some('n') => s.push('\n'),
                        Some(other) => s.push(other),
                        None => s.push('\\'),
                    }
                } else {
                    s.push(c);
                }
            }
            s
        } else if let Some(inner) = value.strip_prefix('\'') {
            inner.strip_suffix('\'').ok_or(i + 1)?.to_string()
        } else {
            value
                .split(" #")
                .next()
                .unwrap_or_default()
                .trim_end()
                .to_string()
        };
        out.push((key.to_string(), Zeroizing::new(value)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(pairs: &Pairs, k: &str) -> String {
        pairs.iter().find(|(n, _)| n == k).unwrap().1.to_string()
    }

    #[test]
    fn the_forms_users_paste() {
        let text = "\u{feff}# Azure\nAZURE_TENANT_ID=1111\n\nexport AZURE_CLIENT_ID = 2222 # app\n\
                    AZURE_CLIENT_SECRET=\"a#b \\\"q\\\" c\"\nARM_SUBSCRIPTION_ID='x y'\nEMPTY=\n";
        let pairs = parse(text).unwrap();
        assert_eq!(get(&pairs, "AZURE_TENANT_ID"), "1111");
        assert_eq!(get(&pairs, "AZURE_CLIENT_ID"), "2222");
        assert_eq!(get(&pairs, "AZURE_CLIENT_SECRET"), "a#b \"q\" c");
        assert_eq!(get(&pairs, "ARM_SUBSCRIPTION_ID"), "x y");
        assert_eq!(get(&pairs, "EMPTY"), "");
    }

    #[test]
    fn mistakes_name_the_line_only() {
        assert_eq!(parse("A=1\nnot a pair\n").unwrap_err(), 2);
        assert_eq!(parse("1A=x").unwrap_err(), 1);
        assert_eq!(parse("A=\"open").unwrap_err(), 1);
    }
}
