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

// The error reader moved to `sdk_error` (one reader for the judge and the fixers); these
// paths stay for callers written against them.
pub use crate::sdk_error::{describe, error_code, SdkError};
