//! Loading the AWS configuration the way every AWS tool does (env credentials, profiles, SSO,
//! region, `AWS_ENDPOINT_URL` and the per-service `AWS_ENDPOINT_URL_<SERVICE>`), with the
//! bounds the SDK lacks by default: an operation timeout and a small retry budget.
//! Shared by the judge and the fixer; service clients are built from the returned config.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};

pub use crate::sdk_error::{classify, CallFailure};

/// Per-call bound when the user gives none (`--verify-timeout`).
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per call, the first included (throttling and transient errors back off between).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// IAM and STS answer in any region; this one is used when the configuration names none.
pub const FALLBACK_REGION: &str = "us-east-1";

/// Where the caller's own (auditor) credentials come from.
#[derive(Clone, Debug, Default)]
pub enum CredentialSource {
    /// The standard chain: env, profile (`--profile`), SSO, process, container, instance.
    #[default]
    Standard,
    /// Fixed credentials (tests, or a caller that resolved them itself).
    Static {
        access_key_id: String,
        secret_access_key: String,
    },
    /// No credentials at all: only requests signed with explicitly given keys are possible.
    None,
}

/// Everything that decides how the SDK is set up.
#[derive(Clone, Debug)]
pub struct AwsSettings {
    /// Named profile (`--profile`); `None` means `AWS_PROFILE` or `default`.
    pub profile: Option<String>,
    /// Overrides the configured region.
    pub region: Option<String>,
    /// Overrides `AWS_ENDPOINT_URL` and profile endpoints for every service.
    pub endpoint_url: Option<String>,
    pub credentials: CredentialSource,
    /// Bound on one call including its retries.
    pub operation_timeout: Duration,
    pub max_attempts: u32,
}

impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            profile: None,
            region: None,
            endpoint_url: None,
            credentials: CredentialSource::Standard,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

/// Load the shared SDK configuration. Never fails: missing credentials or a bad profile show
/// up as errors of the first call that needs them.
pub async fn load(settings: &AwsSettings) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .operation_timeout(settings.operation_timeout)
        .connect_timeout(settings.operation_timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts.max(1)));
    if let Some(p) = &settings.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &settings.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(e) = &settings.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    loader = match &settings.credentials {
        CredentialSource::Standard => loader,
        CredentialSource::Static {
            access_key_id,
            secret_access_key,
        } => loader.credentials_provider(Credentials::new(
            access_key_id,
            secret_access_key,
            None,
            None,
            "unleak-static",
        )),
        CredentialSource::None => loader.no_credentials(),
    };
    let config = loader.load().await;
    if config.region().is_some() {
        config
    } else {
        config
            .to_builder()
            .region(Region::from_static(FALLBACK_REGION))
            .build()
    }
}

/// The same configuration, but signing with the given key pair instead of the caller's own
/// credentials (a found key, or a freshly created one).
pub fn with_key(config: &SdkConfig, access_key_id: &str, secret_access_key: &str) -> SdkConfig {
    let creds = Credentials::new(
        access_key_id,
        secret_access_key,
        None,
        None,
        "unleak-explicit-key",
    );
    config
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(creds))
        .build()
}

/// `5 s`, `0.5 s`: durations as reasons show them.
pub fn human_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_secs(5)), "5 s");
        assert_eq!(human_duration(Duration::from_millis(500)), "0.5 s");
    }
}
