//! Secrets Manager calls shared by `store` and `rotate`: each returns "not found" as a value
//! (the callers decide what absence means) and any other failure as a [`CallError`] naming
//! the operation. No secret value is ever logged or put in an error.

use aws_sdk_secretsmanager::types::Tag;

use crate::fix_client::FixClients;
use crate::sdk_error::{call, error_code, CallError};

const NOT_FOUND: &str = "ResourceNotFoundException";
const EXISTS: &str = "ResourceExistsException";

type Result<T> = std::result::Result<T, CallError>;

/// The `AWSCURRENT` version of a secret.
pub struct Current {
    pub arn: String,
    /// `None`: a binary value.
    pub string: Option<String>,
}

/// `GetSecretValue(AWSCURRENT)`; `None` when there is no secret or it has no value yet.
pub async fn current(c: &FixClients, name: &str) -> Result<Option<Current>> {
    match c
        .secrets
        .get_secret_value()
        .secret_id(name)
        .version_stage("AWSCURRENT")
        .send()
        .await
    {
        Ok(o) => Ok(Some(Current {
            arn: o.arn().unwrap_or_default().to_string(),
            string: o.secret_string().map(str::to_string),
        })),
        Err(e) if error_code(&e).as_deref() == Some(NOT_FOUND) => Ok(None),
        Err(e) => Err(call("secretsmanager:GetSecretValue")(e)),
    }
}

/// What `DescribeSecret` says about an existing secret.
pub struct Described {
    pub arn: String,
    pub tags: Vec<(String, String)>,
}

impl Described {
    pub fn has_tag(&self, key: &str, value: &str) -> bool {
        self.tags.iter().any(|(k, v)| k == key && v == value)
    }
}

/// `DescribeSecret`; `None` when there is no such secret.
pub async fn describe(c: &FixClients, name: &str) -> Result<Option<Described>> {
    match c.secrets.describe_secret().secret_id(name).send().await {
        Ok(d) => Ok(Some(Described {
            arn: d.arn().unwrap_or_default().to_string(),
            tags: d
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect(),
        })),
        Err(e) if error_code(&e).as_deref() == Some(NOT_FOUND) => Ok(None),
        Err(e) => Err(call("secretsmanager:DescribeSecret")(e)),
    }
}

/// A secret to create.
#[derive(Default)]
pub struct NewSecret<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub tags: &'a [(String, String)],
    pub kms_key_id: Option<&'a str>,
    /// The first value and its idempotency token; `None` creates the secret without a value.
    pub value: Option<(&'a str, &'a str)>,
}

/// `CreateSecret`: `Ok(Some(arn))`, or `Ok(None)` when a secret of that name exists already.
pub async fn create(c: &FixClients, s: &NewSecret<'_>) -> Result<Option<String>> {
    let mut req = c.secrets.create_secret().name(s.name);
    if let Some(d) = s.description {
        req = req.description(d);
    }
    if let Some(k) = s.kms_key_id {
        req = req.kms_key_id(k);
    }
    if let Some((token, value)) = s.value {
        req = req.client_request_token(token).secret_string(value);
    }
    for (k, v) in s.tags {
        req = req.tags(Tag::builder().key(k).value(v).build());
    }
    match req.send().await {
        Ok(o) => Ok(Some(o.arn().unwrap_or_default().to_string())),
        Err(e) if error_code(&e).as_deref() == Some(EXISTS) => Ok(None),
        Err(e) => Err(call("secretsmanager:CreateSecret")(e)),
    }
}

/// `PutSecretValue` with an idempotency token (a retry with the same token and value makes no
/// second version). Returns the version id.
pub async fn put_value(c: &FixClients, name: &str, token: &str, value: &str) -> Result<String> {
    let put = c
        .secrets
        .put_secret_value()
        .secret_id(name)
        .client_request_token(token)
        .secret_string(value)
        .send()
        .await
        .map_err(call("secretsmanager:PutSecretValue"))?;
    Ok(put.version_id().unwrap_or(token).to_string())
}

/// The string value of one version.
pub async fn value_of_version(c: &FixClients, name: &str, version: &str) -> Result<Option<String>> {
    let out = c
        .secrets
        .get_secret_value()
        .secret_id(name)
        .version_id(version)
        .send()
        .await
        .map_err(call("secretsmanager:GetSecretValue"))?;
    Ok(out.secret_string().map(str::to_string))
}

/// `TagResource` with one tag.
pub async fn tag(c: &FixClients, name: &str, key: &str, value: &str) -> Result<()> {
    c.secrets
        .tag_resource()
        .secret_id(name)
        .tags(Tag::builder().key(key).value(value).build())
        .send()
        .await
        .map_err(call("secretsmanager:TagResource"))?;
    Ok(())
}
