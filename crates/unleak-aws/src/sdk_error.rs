//! The one reader of SDK errors, for every caller (the judge, `rotate`, `store`, `aws keys`).
//! The SDK parses AWS's error XML itself; some emulators (moto) wrap query-protocol errors in
//! an extra `<Errors>` element the SDK does not parse (`code()` is then `None`), so the code
//! and message are then read from the raw response body here, and nowhere else.

/// The SDK's error type, the same for every service crate.
pub type SdkError<E> = aws_sdk_iam::error::SdkError<E>;

/// A failed call, reduced to what callers decide on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallFailure {
    /// The service answered with an error.
    Service {
        code: Option<String>,
        message: Option<String>,
        http_status: u16,
    },
    /// The operation timeout ran out (no answer in time, retries included).
    TimedOut,
    /// No answer at all: DNS, refused or reset connection, TLS.
    Connection(String),
    /// Anything else (no credentials to sign with, unreadable response, …).
    Other(String),
}

impl CallFailure {
    pub fn code(&self) -> Option<&str> {
        match self {
            CallFailure::Service { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// A failed AWS call of the fix commands, in words: the operation and what went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("AWS {op} failed: {message}")]
pub struct CallError {
    pub op: &'static str,
    pub message: String,
}

/// `map_err(call("iam:ListUsers"))`: an SDK error as a [`CallError`] of that operation.
pub fn call<E>(op: &'static str) -> impl FnOnce(SdkError<E>) -> CallError
where
    E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + 'static,
{
    move |e| CallError {
        op,
        message: describe(&e),
    }
}

/// Classify an SDK error (the judge's view: it tells timeouts and refused connections apart).
pub fn classify<E>(err: &SdkError<E>) -> CallFailure
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(se) => {
            let reply = Reply::of(err);
            CallFailure::Service {
                code: reply.as_ref().and_then(|r| r.code.clone()),
                message: reply.and_then(|r| r.message),
                http_status: se.raw().status().as_u16(),
            }
        }
        SdkError::TimeoutError(_) => CallFailure::TimedOut,
        SdkError::DispatchFailure(d) if d.is_timeout() => CallFailure::TimedOut,
        SdkError::DispatchFailure(d) if d.is_io() => CallFailure::Connection(error_chain(err)),
        _ => CallFailure::Other(error_chain(err)),
    }
}

/// The service error code, also when the SDK could not parse it (moto's `<ErrorResponse>`).
pub fn error_code<E>(e: &SdkError<E>) -> Option<String>
where
    E: aws_sdk_iam::error::ProvideErrorMetadata,
{
    Reply::of(e)?.code
}

/// An SDK error in words, with the service's error code; for answers the SDK could not parse
/// (moto's auth failures), the HTTP status and the start of the body. Error bodies never echo
/// request secrets.
pub fn describe<E>(e: &SdkError<E>) -> String
where
    E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + 'static,
{
    use aws_sdk_iam::error::ProvideErrorMetadata;
    let mut s = match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => format!("{}", aws_sdk_iam::error::DisplayErrorContext(e)),
    };
    if e.code().is_none() {
        if let Some(r) = Reply::of(e).filter(|r| r.http_status.is_some()) {
            let body: String = r.body.chars().take(300).collect();
            s.push_str(&format!(
                " (HTTP {}: {})",
                r.http_status.unwrap_or_default(),
                body.trim()
            ));
        }
    }
    s
}

/// What the service answered: the SDK's parsed code and message, else the body's.
struct Reply {
    code: Option<String>,
    message: Option<String>,
    /// `None` when there was no response at all.
    http_status: Option<u16>,
    body: String,
}

impl Reply {
    fn of<E>(e: &SdkError<E>) -> Option<Reply>
    where
        E: aws_sdk_iam::error::ProvideErrorMetadata,
    {
        use aws_sdk_iam::error::ProvideErrorMetadata;
        let raw = e.raw_response();
        let body = raw
            .and_then(|r| r.body().bytes())
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let code = e
            .code()
            .map(str::to_string)
            .or_else(|| xml_element(&body, "Code"));
        let message = e
            .message()
            .map(str::to_string)
            .or_else(|| xml_element(&body, "Message"));
        if raw.is_none() && code.is_none() {
            return None;
        }
        Some(Reply {
            code,
            message,
            http_status: raw.map(|r| r.status().as_u16()),
            body,
        })
    }
}

/// An error and its sources on one line, without the SDK's generic wrappers ("dispatch
/// failure", "other") and debug dumps: what a `reason` can show.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    const GENERIC: &[&str] = &[
        "dispatch failure",
        "other",
        "io error",
        "timeout",
        "user error",
    ];
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        let line = text.lines().next().unwrap_or_default().trim();
        let line = line.trim_end_matches("Attempted:").trim();
        if !line.is_empty() && !GENERIC.contains(&line) && !parts.iter().any(|p| p.contains(line)) {
            parts.push(line.to_string());
        }
        next = e.source();
    }
    if parts.is_empty() {
        err.to_string()
    } else {
        parts.join(": ")
    }
}

/// The text of the first `<name>…</name>` element, if any.
fn xml_element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let len = body[start..].find(&format!("</{name}>"))?;
    let text = body[start..start + len].trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Throttling answers, which callers back off from and report as such.
pub fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestLimitExceeded"
            | "TooManyRequestsException"
            | "RequestThrottled"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_from_wrapped_query_errors() {
        let body = "<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code>\
                    <Message>The security token included in the request is invalid.</Message>\
                    </Error></Errors></ErrorResponse>";
        assert_eq!(
            xml_element(body, "Code").as_deref(),
            Some("InvalidClientTokenId")
        );
        assert!(xml_element(body, "Message")
            .unwrap()
            .starts_with("The security"));
        assert_eq!(xml_element("<Code></Code>", "Code"), None);
        assert_eq!(xml_element("no xml", "Code"), None);
    }
}
