//! An Entra ID token-endpoint error as the stand-in answers it: HTTP status, OAuth
//! `error`, AADSTS code and message. A leaf: both the token endpoint (`entra`) and the
//! assertion check (`assertion`) make these, and `entra` turns them into responses.

/// An Entra ID error: HTTP status, OAuth `error`, AADSTS code and message.
#[derive(Debug)]
pub(crate) struct EntraError {
    pub(crate) status: u16,
    pub(crate) error: &'static str,
    pub(crate) code: u32,
    pub(crate) message: String,
}

impl EntraError {
    /// 400 `invalid_request`.
    pub(crate) fn invalid_request(code: u32, message: String) -> Self {
        Self::new(400, "invalid_request", code, message)
    }

    /// 401 `invalid_client`: the credential was rejected.
    pub(crate) fn invalid_client(code: u32, message: String) -> Self {
        Self::new(401, "invalid_client", code, message)
    }

    /// Any status, OAuth `error` and AADSTS code.
    pub(crate) fn new(status: u16, error: &'static str, code: u32, message: String) -> Self {
        EntraError {
            status,
            error,
            code,
            message,
        }
    }

    /// 400 `invalid_request` AADSTS900144: a required form parameter is absent.
    pub(crate) fn missing(parameter: &str) -> Self {
        Self::invalid_request(
            900144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }
}
