//! Making what certtool prints comparable across runs before it is snapshotted: the
//! places that differ per run (temporary directories, the stand-in's URL and port, the
//! ids a service makes up, latencies) become fixed placeholders; everything else is kept
//! byte for byte. Dates are fixed by the test clock (`CERTTOOL_FAKE_NOW`) instead.

use std::path::Path;

use certtool_standin::StandIn;

/// The instant every snapshot runs at (`CERTTOOL_FAKE_NOW`): after the fixtures were made
/// and before any of them expires, so "days left" is the same on every run.
pub const SNAPSHOT_NOW: &str = "2027-01-01T00:00:00Z";

/// Literal replacements, then the generated ids and latencies.
pub struct Normaliser {
    literals: Vec<(String, String)>,
}

impl Normaliser {
    /// A normaliser that knows the checkout's root (fixture paths), `[REPO]`.
    pub fn new() -> Self {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        Normaliser {
            literals: vec![(root.to_owned(), "[REPO]".to_owned())],
        }
    }

    /// Replaces `path` (a temporary directory) with `[TMP]`.
    pub fn tmp(mut self, path: &Path) -> Self {
        self.literals
            .push((path.to_str().unwrap().to_owned(), "[TMP]".to_owned()));
        self
    }

    /// Replaces `from` (a value made anew on every run, e.g. a generated key's
    /// thumbprint) with `to`.
    pub fn literal(mut self, from: &str, to: &str) -> Self {
        assert!(!from.is_empty(), "an empty literal would match everywhere");
        self.literals.push((from.to_owned(), to.to_owned()));
        self
    }

    /// Replaces the stand-in's CA file, URL and port.
    pub fn standin(mut self, standin: &StandIn) -> Self {
        self.literals.push((
            standin.ca_pem_path().to_str().unwrap().to_owned(),
            "[STANDIN-CA]".to_owned(),
        ));
        self.literals
            .push((standin.url().to_owned(), "https://[STANDIN]".to_owned()));
        self.literals
            .push((format!(":{}", standin.port()), ":[PORT]".to_owned()));
        self
    }

    /// `text` with every per-run detail replaced.
    pub fn apply(&self, text: &str) -> String {
        let mut text = text.to_owned();
        let mut literals = self.literals.clone();
        // Longest first, so a URL is replaced before the port inside it.
        literals.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        for (from, to) in &literals {
            text = text.replace(from.as_str(), to);
        }
        generated(&service_timestamps(&text))
    }
}

/// Replaces the stand-in's timestamps (its clock runs on between requests, and is only
/// set to the second) with `[TIMESTAMP]`: Entra's error `YYYY-MM-DD hh:mm:ssZ`, and the
/// times its descriptions quote, `YYYY-MM-DDThh:mm:ss.0000000Z` and `MM/DD/YYYY
/// hh:mm:ss`. certtool's own dates are RFC 3339 without a fraction and are fixed by the
/// test clock, so they stay.
fn service_timestamps(text: &str) -> String {
    const SHAPES: [&[u8]; 3] = [
        b"dddd-dd-dd dd:dd:ddZ",
        b"dddd-dd-ddTdd:dd:dd.dddddddZ",
        b"dd/dd/dddd dd:dd:dd",
    ];
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let shape = SHAPES.iter().find(|shape| {
            i + shape.len() <= bytes.len()
                && shape.iter().zip(&bytes[i..]).all(|(s, b)| match s {
                    b'd' => b.is_ascii_digit(),
                    other => other == b,
                })
        });
        if let Some(shape) = shape {
            out.push_str(&text[copied..i]);
            out.push_str("[TIMESTAMP]");
            i += shape.len();
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Replaces, word by word, random (version 4) GUIDs with `[GUID]`, 32-digit lower-case
/// hex request ids with `[REQUEST-ID]`, the number in `N ms` with `[LATENCY]` (with
/// the table padding after it made two spaces) and in JSON's `"latency_ms": N`, and
/// the source line in OpenSSL's error strings (`statem_clnt.c:1889`, which differs
/// between OpenSSL builds) with `[LINE]`. Fixed
/// ids of the test set-ups (`00000000-…-000000000001`) are not version 4 and stay.
fn generated(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_hexdigit()) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        // A word starts here only after a non-word character.
        let before_ok = out.chars().next_back().is_none_or(|c| !is_word_char(c));
        let len = rest
            .find(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
            .unwrap_or(rest.len());
        let word = rest[..len].trim_end_matches('-');
        let len = word.len();
        let after = &rest[len..];
        let after_ok = after.chars().next().is_none_or(|c| !is_word_char(c));
        let replacement = if !(before_ok && after_ok) {
            None
        } else if is_random_guid(word) {
            Some("[GUID]")
        } else if word.len() == 32
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        {
            Some("[REQUEST-ID]")
        } else if word.chars().all(|c| c.is_ascii_digit()) && after.starts_with(" ms") {
            Some("[LATENCY]")
        } else if word.chars().all(|c| c.is_ascii_digit()) && out.ends_with("\"latency_ms\": ") {
            Some("[LATENCY-MS]")
        } else if word.chars().all(|c| c.is_ascii_digit()) && out.ends_with(".c:") {
            Some("[LINE]")
        } else if word.chars().all(|c| c.is_ascii_digit())
            && out.ends_with("signed in (attempt 1, after ")
        {
            // Wall time of the first try: 0 s, or 1 on a loaded machine.
            Some("[SECS]")
        } else {
            None
        };
        out.push_str(replacement.unwrap_or(word));
        rest = after;
        if replacement == Some("[LATENCY]") {
            // The table pads the column to the number's width: pad to a fixed one instead.
            out.push_str(" ms");
            rest = rest[" ms".len()..].trim_start_matches(' ');
            if !rest.starts_with(['\n', ')']) {
                out.push_str("  ");
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_random_guid(word: &str) -> bool {
    let groups: Vec<&str> = word.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
        && groups[2].starts_with('4')
}

#[test]
fn normaliser_replaces_only_what_differs_per_run() {
    let text = "sub 00000000-0000-0000-0000-000000000001 trace 3f2c1d4e-9a8b-4c7d-8e6f-0a1b2c3d4e5f \
                id 0123456789abcdef0123456789abcdef (87 ms) thumbprint 0E10E8E93A1565AE712190DF2D37B426DB9C0521 \
                x0123456789abcdef0123456789abcdef 2048 bits, Timestamp: 2026-12-31 23:59:59Z, \
                not after 2036-11-20T14:57:39Z, Current time: 2026-12-31T23:59:59.0000000Z, \
                current time 12/31/2036 23:59:59.\n| 5 ms      row | 1234 ms   row |\n\
                \"latency_ms\": 69, verify failed:../ssl/statem/statem_clnt.c:1889:";
    assert_eq!(
        Normaliser::new().apply(text),
        "sub 00000000-0000-0000-0000-000000000001 trace [GUID] \
         id [REQUEST-ID] ([LATENCY] ms) thumbprint 0E10E8E93A1565AE712190DF2D37B426DB9C0521 \
         x0123456789abcdef0123456789abcdef 2048 bits, Timestamp: [TIMESTAMP], \
         not after 2036-11-20T14:57:39Z, Current time: [TIMESTAMP], \
         current time [TIMESTAMP].\n| [LATENCY] ms  row | [LATENCY] ms  row |\n\
         \"latency_ms\": [LATENCY-MS], verify failed:../ssl/statem/statem_clnt.c:[LINE]:"
    );
    let tmp = Path::new("/tmp/.tmpAbC123");
    assert_eq!(
        Normaliser::new()
            .tmp(tmp)
            .apply("/tmp/.tmpAbC123/x.pfx already exists"),
        "[TMP]/x.pfx already exists"
    );
}
