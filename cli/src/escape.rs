//! Text from certificates, servers and files made safe to print on a terminal, and the
//! one way certtool writes to stderr. A leaf: reports (`output`), notes (`log::note!`) and
//! errors (`main`) all print through it.

/// Makes text from certificates and servers (a subject, a friendly name, an
/// `error_description`, a trace id) safe to print on a terminal: every control character
/// but the newline and the tab, and the bidirectional overrides that reorder what a reader
/// sees, become visible escapes (`\x1b`, `\u{202e}`), so that no input can move the
/// cursor, retitle the window or rewrite what was printed before. Every text report and
/// every error goes through it; JSON is escaped by the serializer.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            c if !unsafe_char(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Writes `text` to stderr, escaped. A closed stderr (`2>&1 | head`, a pipeline that
/// stopped reading) is not an error worth dying for: the text is dropped, where
/// `eprint!` would panic.
pub fn to_stderr(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr()
        .lock()
        .write_all(escape_controls(text).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::escape_controls;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(escape_controls("CN=plain\tok\n"), "CN=plain\tok\n");
        assert_eq!(
            escape_controls("CN=a\x1b]0;pwned\x07b\r\u{9b}c\u{202e}d"),
            "CN=a\\x1b]0;pwned\\x07b\\x0d\\u{9b}c\\u{202e}d"
        );
    }
}
