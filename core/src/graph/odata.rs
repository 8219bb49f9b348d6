//! OData query text shared by Graph and ARM: a string literal in a `$filter`, and
//! percent-encoding for a query value.

/// `value` as an OData string literal: in single quotes, each `'` doubled.
pub fn string_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Percent-encodes `value` for a URL query: everything but the unreserved characters
/// of RFC 3986 (so a space is `%20`, never `+`, which some servers keep as a plus).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `$filter={field} eq '{value}'`, quoted and encoded, ready to put after `?` or `&`.
pub fn eq_filter(field: &str, value: &str) -> String {
    format!(
        "$filter={}",
        encode_query_value(&format!("{field} eq {}", string_literal(value)))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled_and_everything_else_encoded() {
        assert_eq!(string_literal("O'Brien's"), "'O''Brien''s'");
        assert_eq!(
            eq_filter("displayName", "a&b 'c'/ü"),
            "$filter=displayName%20eq%20%27a%26b%20%27%27c%27%27%2F%C3%BC%27"
        );
        assert_eq!(encode_query_value("Az-09._~"), "Az-09._~");
    }
}
