//! The request and the response as every service handler sees them: plain types and
//! helpers, below the dispatcher (`routes`) and the handlers, knowing neither.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Response};

use crate::state::Shared;

/// Response bodies are always complete in memory.
pub(crate) type Body = Full<Bytes>;

/// One request as the handlers see it.
pub(crate) struct Call<'a> {
    pub shared: &'a Shared,
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub client_thumbprint: Option<&'a str>,
    /// `https://` + the Host the client called (so URLs we send back and the token URL
    /// an assertion's `aud` must equal are the ones the client used).
    pub base_url: String,
}

impl Call<'_> {
    /// The value of header `name`, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The path's non-empty segments.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// A query parameter, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_decode(self.query.unwrap_or("").as_bytes())
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// A header value from text we made (never fails for our ASCII values).
pub(crate) fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// Builds a response with a status, a content type, a body and extra headers.
pub(crate) fn reply(
    status: u16,
    content_type: &str,
    body: impl Into<Bytes>,
    headers: &[(&str, String)],
) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let map = response.headers_mut();
    map.insert(hyper::header::CONTENT_TYPE, header_value(content_type));
    for (name, value) in headers {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            map.append(name, header_value(value));
        }
    }
    response
}

/// Decodes `application/x-www-form-urlencoded` text (also used for query strings).
pub(crate) fn form_decode(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut kv = pair.splitn(2, |&b| b == b'=');
            let key = percent_decode(kv.next().unwrap_or(b""));
            let value = percent_decode(kv.next().unwrap_or(b""));
            (key, value)
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` (as a space), keeping malformed escapes as they are.
pub(crate) fn percent_decode(input: &[u8]) -> String {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => {
                let hex = std::str::from_utf8(&input[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_handles_plus_percent_and_truncation() {
        let pairs = form_decode(b"a=b+c&scope=https%3A%2F%2Fx%2F.default&bad=%Z1&end=%4");
        assert_eq!(pairs[0], ("a".into(), "b c".into()));
        assert_eq!(pairs[1], ("scope".into(), "https://x/.default".into()));
        assert_eq!(pairs[2], ("bad".into(), "%Z1".into()));
        assert_eq!(pairs[3], ("end".into(), "%4".into()));
    }
}
