//! SDK clients for `store` and `rotate`, on the shared configuration of `client.rs` (the
//! standard AWS chain, `--profile`, `AWS_ENDPOINT_URL[_<SERVICE>]`, bounded calls).

use std::time::Duration;

use aws_config::SdkConfig;

use crate::client::{self, AwsSettings};

/// The auditor's clients: IAM, Secrets Manager and STS, one configuration.
#[derive(Clone, Debug)]
pub struct FixClients {
    pub config: SdkConfig,
    pub iam: aws_sdk_iam::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub sts: aws_sdk_sts::Client,
}

impl FixClients {
    /// Load the configuration (with `profile` if given). Calls are bounded: the SDK has no
    /// operation timeout by default, and a fix must not hang half-way.
    pub async fn load(profile: Option<&str>) -> FixClients {
        let settings = AwsSettings {
            profile: profile.map(str::to_string),
            // Writes (CreateAccessKey, PutSecretValue) get more time than the judge's reads.
            operation_timeout: Duration::from_secs(60),
            ..AwsSettings::default()
        };
        FixClients::from_config(client::load(&settings).await)
    }

    pub fn from_config(config: SdkConfig) -> FixClients {
        FixClients {
            iam: aws_sdk_iam::Client::new(&config),
            secrets: aws_sdk_secretsmanager::Client::new(&config),
            sts: aws_sdk_sts::Client::new(&config),
            config,
        }
    }

    /// An STS client signed with other credentials (a freshly created key), same endpoint,
    /// region and timeouts.
    pub fn sts_with_key(&self, access_key_id: &str, secret: &str) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&client::with_key(&self.config, access_key_id, secret))
    }
}

/// The SDK's error type, the same for every service crate.
pub type SdkError<E> = aws_sdk_iam::error::SdkError<E>;

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
        if let Some((status, body)) = raw(e) {
            let body: String = body.chars().take(300).collect();
            s.push_str(&format!(" (HTTP {status}: {})", body.trim()));
        }
    }
    s
}

/// The service error code, also when the SDK could not parse it (moto's `<ErrorResponse>`).
pub fn error_code<E>(e: &SdkError<E>) -> Option<String>
where
    E: aws_sdk_iam::error::ProvideErrorMetadata,
{
    use aws_sdk_iam::error::ProvideErrorMetadata;
    if let Some(c) = e.code() {
        return Some(c.to_string());
    }
    let (_, body) = raw(e)?;
    let start = body.find("<Code>")? + "<Code>".len();
    let end = body[start..].find("</Code>")? + start;
    Some(body[start..end].trim().to_string())
}

fn raw<E>(e: &SdkError<E>) -> Option<(u16, String)> {
    let r = e.raw_response()?;
    let body = r
        .body()
        .bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    Some((r.status().as_u16(), body))
}
