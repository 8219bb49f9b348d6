//! What may reach a log line. Every line certtool logs (`-v`, `--debug`) passes through
//! [`redact`] first; the HTTP events are built from [`url_for_log`] and
//! [`headers_for_log`], which leave out secrets at the source. Two layers on purpose: a
//! value missed by one is caught by the other.
//!
//! [`redact`] removes: every value registered with [`register`] (each [`crate::secret::Secret`]
//! registers itself, and so do access tokens and federated tokens), anything shaped like a
//! JWT (tokens, client assertions), PEM private key blocks, `Bearer`/`Basic` credentials,
//! and the value of any `name=value` / `name: value` pair whose name says it is a secret.

use std::sync::Mutex;

use zeroize::Zeroizing;

/// What replaces a removed value.
pub const REDACTED: &str = "<redacted>";

/// Values shorter than this are not registered: replacing every `abc` in a log line would
/// make it unreadable, and nothing logs a secret's value anyway (this is the second layer).
const MIN_REGISTERED: usize = 6;

static SECRETS: Mutex<Vec<Zeroizing<String>>> = Mutex::new(Vec::new());

/// Words that mark a field name as holding a secret.
const SECRET_NAMES: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "assertion",
    "token",
    "authorization",
    "sig",
    "private",
    "credential",
    "cookie",
    "apikey",
    "api-key",
    "api_key",
];

/// Query parameters whose values are shown in logged URLs; every other value is replaced.
const PUBLIC_QUERY: &[&str] = &[
    "api-version",
    "audience",
    "$select",
    "$filter",
    "$top",
    "$expand",
    "comp",
];

/// Headers whose values are shown at `--debug`; every other value is replaced.
const PUBLIC_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "content-length",
    "user-agent",
    "host",
    "date",
    "retry-after",
    "location",
    "cache-control",
    "x-ms-version",
    "x-ms-request-id",
    "x-ms-correlation-request-id",
    "x-ms-routing-request-id",
    "x-ms-ratelimit-remaining-subscription-reads",
    "client-request-id",
    "return-client-request-id",
    "request-id",
    "www-authenticate",
    "x-ms-failure-cause",
];

/// Remembers a secret value so that [`redact`] removes it wherever it appears.
pub fn register(secret: &str) {
    if secret.chars().count() < MIN_REGISTERED {
        return;
    }
    if let Ok(mut list) = SECRETS.lock() {
        if !list.iter().any(|s| s.as_str() == secret) {
            list.push(Zeroizing::new(secret.to_owned()));
        }
    }
}

/// `text` with every secret removed (see the module documentation).
pub fn redact(text: &str) -> String {
    let mut out = text.to_owned();
    if let Ok(list) = SECRETS.lock() {
        for secret in list.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
    }
    let out = private_key_blocks(&out);
    let out = jwts(&out);
    let out = auth_schemes(&out);
    named_values(&out)
}

/// A URL as logged: scheme, host, port and path, and the query with only the values of
/// [`PUBLIC_QUERY`] parameters kept. User info (`user:password@`) is dropped.
pub fn url_for_log(url: &reqwest::Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    shown.push_str(url.path());
    let pairs: Vec<String> = url
        .query_pairs()
        .map(|(k, v)| {
            if PUBLIC_QUERY.iter().any(|p| p.eq_ignore_ascii_case(&k)) {
                format!("{k}={v}")
            } else {
                format!("{k}={REDACTED}")
            }
        })
        .collect();
    if !pairs.is_empty() {
        shown.push('?');
        shown.push_str(&pairs.join("&"));
    }
    shown
}

/// Headers as logged at `--debug`: `name: value` pairs, values kept only for
/// [`PUBLIC_HEADERS`].
pub fn headers_for_log(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str();
            let public = PUBLIC_HEADERS.iter().any(|p| p.eq_ignore_ascii_case(name));
            match value.to_str() {
                Ok(v) if public => format!("{name}: {v}"),
                _ => format!("{name}: {REDACTED}"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn private_key_blocks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        out.push_str(&rest[..start]);
        let block = &rest[start..];
        let label_end = block[11..].find("-----").map(|i| i + 11);
        let is_key = label_end.is_some_and(|e| {
            let label = &block[11..e];
            label.contains("PRIVATE") || label.contains("ENCRYPTED")
        });
        if !is_key {
            out.push_str("-----BEGIN ");
            rest = &block[11..];
            continue;
        }
        out.push_str("-----BEGIN PRIVATE KEY----- ");
        out.push_str(REDACTED);
        // Up to the END line's closing dashes, or the end of the text.
        rest = match block.find("-----END ") {
            Some(end) => match block[end + 9..].find("-----") {
                Some(close) => &block[end + 9 + close + 5..],
                None => "",
            },
            None => "",
        };
    }
    out.push_str(rest);
    out
}

fn is_b64url(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// `eyJ…` followed by at least one `.segment`: a JWS/JWT (its header is base64url JSON).
fn jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("eyJ") {
        out.push_str(&rest[..start]);
        let candidate = &rest[start..];
        let len = candidate
            .find(|c: char| !(is_b64url(c) || c == '.'))
            .unwrap_or(candidate.len());
        if candidate[..len].contains('.') {
            out.push_str(REDACTED);
        } else {
            out.push_str(&candidate[..len]);
        }
        rest = &candidate[len..];
    }
    out.push_str(rest);
    out
}

/// The credential after `Bearer ` or `Basic ` (any case).
fn auth_schemes(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let hit = ["bearer ", "basic "]
            .iter()
            .find(|w| lower[i..].starts_with(*w) && (i == 0 || !is_b64url(char_before(text, i))));
        match hit {
            Some(w) => {
                let value_start = i + w.len();
                let value_len = text[value_start..]
                    .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';'))
                    .unwrap_or(text.len() - value_start);
                out.push_str(&text[i..value_start]);
                if value_len > 0 && &text[value_start..value_start + value_len] != REDACTED {
                    out.push_str(REDACTED);
                } else {
                    out.push_str(&text[value_start..value_start + value_len]);
                }
                i = value_start + value_len;
            }
            None => {
                let c = text[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

fn char_before(text: &str, i: usize) -> char {
    text[..i].chars().next_back().unwrap_or(' ')
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '$')
}

/// `name=value`, `name: value`, `"name":"value"` where the name holds a secret word.
fn named_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c != b'=' && c != b':' {
            i += 1;
            continue;
        }
        // The name before the separator (skipping one closing quote).
        let mut name_end = i;
        if name_end > 0 && bytes[name_end - 1] == b'"' {
            name_end -= 1;
        }
        let name_start = text[..name_end]
            .char_indices()
            .rev()
            .take_while(|(_, ch)| is_name_char(*ch))
            .last()
            .map_or(name_end, |(at, _)| at);
        let name = text[name_start..name_end].to_ascii_lowercase();
        let secret = !name.is_empty() && SECRET_NAMES.iter().any(|w| name.contains(w));
        if !secret {
            i += 1;
            continue;
        }
        // The value after it: optional spaces and one opening quote, then up to a
        // delimiter.
        let mut v = i + 1;
        while v < bytes.len() && bytes[v] == b' ' {
            v += 1;
        }
        let quoted = v < bytes.len() && bytes[v] == b'"';
        if quoted {
            v += 1;
        }
        let end = text[v..]
            .find(|ch: char| {
                if quoted {
                    ch == '"'
                } else {
                    ch.is_whitespace() || matches!(ch, '&' | ',' | ';' | '"' | '\'' | '}' | ']')
                }
            })
            .map_or(text.len(), |e| v + e);
        out.push_str(&text[last..v]);
        let value = &text[v..end];
        if value.is_empty() || value == REDACTED {
            out.push_str(value);
        } else {
            out.push_str(REDACTED);
        }
        last = end;
        i = end.max(i + 1);
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_values_are_removed() {
        register("Pa55-w0rd!registered");
        register("abc");
        // The registry is process-wide and other tests register their own secrets (a
        // `Secret::new("password")` anywhere would hide a word such as "password" here),
        // so the words around the value are too short to ever be registered.
        let line = redact("xq7 Pa55-w0rd!registered and abc stays");
        assert_eq!(line, "xq7 <redacted> and abc stays");
    }

    #[test]
    fn jwts_keys_and_bearer_values_are_removed() {
        let line = redact("got eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_x and eyJonly");
        assert_eq!(line, "got <redacted> and eyJonly");
        let pem = "key -----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\nAAAA\n-----END ENCRYPTED PRIVATE KEY----- after -----BEGIN CERTIFICATE-----";
        let line = redact(pem);
        assert!(
            !line.contains("MIIB") && line.ends_with("after -----BEGIN CERTIFICATE-----"),
            "{line}"
        );
        assert_eq!(
            redact("authorization: Bearer abc.def, next"),
            "authorization: <redacted> <redacted>, next"
        );
        assert_eq!(redact("Basic dXNlcjpwdw=="), "Basic <redacted>");
    }

    #[test]
    fn secret_named_values_are_removed() {
        assert_eq!(
            redact("client_id=c&client_secret=s3cr3t&scope=x"),
            "client_id=c&client_secret=<redacted>&scope=x"
        );
        assert_eq!(
            redact(r#"{"access_token":"zzz","expires_in":1}"#),
            r#"{"access_token":"<redacted>","expires_in":1}"#
        );
        assert_eq!(redact("PASSWORD: hunter22 ok"), "PASSWORD: <redacted> ok");
        assert_eq!(redact("https://host:443/path x"), "https://host:443/path x");
    }

    #[test]
    fn urls_and_headers_keep_only_public_values() {
        let url = reqwest::Url::parse(
            "https://u:pw@host.example:8443/a/b?api-version=2.0&audience=api://AzureADTokenExchange&sig=abc&code=1",
        )
        .unwrap();
        assert_eq!(
            url_for_log(&url),
            "https://host.example:8443/a/b?api-version=2.0&audience=api://AzureADTokenExchange&sig=<redacted>&code=<redacted>"
        );
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("authorization", "Bearer x".parse().unwrap());
        h.insert("x-ms-request-id", "r-1".parse().unwrap());
        assert_eq!(
            headers_for_log(&h),
            "authorization: <redacted>; x-ms-request-id: r-1"
        );
    }
}
