//! What a key can do: its user's attached and inline policies and its groups' policies,
//! summarised as `admin`, the services it may write to, and whether it can read Secrets
//! Manager secrets or SSM parameters.
//!
//! An upper bound, on purpose: `Allow` statements are counted, `Deny` statements, conditions,
//! resource scoping (other than "on `*`" for admin), permission boundaries and SCPs are not.
//! A key that looks harmless here is not proved harmless; one that looks like admin is at
//! least worth treating as such.

use serde_json::Value;

/// A policy document with where it came from (`attached AdministratorAccess`, `inline p`,
/// `group devs: attached ReadOnlyAccess`).
#[derive(Clone, Debug)]
pub struct PolicyDoc {
    pub source: String,
    /// The ARN of a managed policy (AWS's own are recognised by ARN).
    pub arn: Option<String>,
    pub document: String,
}

pub use unleak_scan::finding::Access;

const ADMIN_POLICY_ARN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// IAM actions with which a principal can give itself any permission.
const SELF_GRANT: &[&str] = &[
    "iam:PutUserPolicy",
    "iam:AttachUserPolicy",
    "iam:PutGroupPolicy",
    "iam:AttachGroupPolicy",
    "iam:AddUserToGroup",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
];

/// Action verbs that change something (an action is a write when its name starts with one).
const WRITE_VERBS: &[&str] = &[
    "Abort",
    "Accept",
    "Activate",
    "Add",
    "Associate",
    "Attach",
    "Batch",
    "Cancel",
    "Change",
    "Copy",
    "Create",
    "Deactivate",
    "Delete",
    "Deregister",
    "Detach",
    "Disable",
    "Disassociate",
    "Enable",
    "Import",
    "Invoke",
    "Modify",
    "Move",
    "Pass",
    "Publish",
    "Put",
    "Reboot",
    "Register",
    "Reject",
    "Remove",
    "Replace",
    "Reset",
    "Restore",
    "Revoke",
    "Rotate",
    "Run",
    "Send",
    "Set",
    "Start",
    "Stop",
    "Tag",
    "Terminate",
    "Untag",
    "Update",
    "Upload",
    "Write",
];

const SECRET_READS: &[&str] = &["secretsmanager:GetSecretValue"];
const PARAMETER_READS: &[&str] = &[
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
];

/// Summarise the documents.
pub fn summarise(docs: &[PolicyDoc]) -> Access {
    let mut a = Access::default();
    let mut services = std::collections::BTreeSet::new();
    for d in docs {
        a.policies.push(d.source.clone());
        if d.arn.as_deref() == Some(ADMIN_POLICY_ARN) && !a.admin {
            a.admin = true;
            a.admin_because = Some("AdministratorAccess".into());
        }
        let Some(doc) = parse_document(&d.document) else {
            a.unread
                .push(format!("{}: not a JSON policy document", d.source));
            continue;
        };
        for st in statements(&doc) {
            if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
                continue;
            }
            let on_everything = strings(st.get("Resource")).iter().any(|r| r == "*")
                || st.get("NotResource").is_some();
            if let Some(not) = st.get("NotAction") {
                // Everything but the listed actions: every service may be written.
                services.insert("*".to_string());
                a.reads_secrets_manager |=
                    !strings(Some(not)).iter().any(|p| covers(p, SECRET_READS));
                a.reads_ssm_parameters |= !strings(Some(not))
                    .iter()
                    .any(|p| covers(p, PARAMETER_READS));
                // Admin only if what it leaves out does not include granting itself more
                // (PowerUserAccess leaves out `iam:*`: not admin).
                let excluded = strings(Some(not));
                let grant = SELF_GRANT
                    .iter()
                    .find(|g| !excluded.iter().any(|p| glob(p, g)));
                if let (true, false, Some(g)) = (on_everything, a.admin, grant) {
                    a.admin = true;
                    a.admin_because = Some(format!(
                        "{}: Allow NotAction on * leaves it {g} (it can grant itself more)",
                        d.source
                    ));
                }
                continue;
            }
            for action in strings(st.get("Action")) {
                if action == "*" || action == "*:*" {
                    services.insert("*".to_string());
                    a.reads_secrets_manager = true;
                    a.reads_ssm_parameters = true;
                    if on_everything && !a.admin {
                        a.admin = true;
                        a.admin_because = Some(format!("{}: Allow * on *", d.source));
                    }
                    continue;
                }
                let Some((service, name)) = action.split_once(':') else {
                    continue;
                };
                let service = service.to_ascii_lowercase();
                if is_write(name) {
                    services.insert(service.clone());
                }
                a.reads_secrets_manager |= covers(&action, SECRET_READS);
                a.reads_ssm_parameters |= covers(&action, PARAMETER_READS);
                if !a.admin {
                    if let Some(grant) = SELF_GRANT.iter().find(|g| glob(&action, g)) {
                        a.admin = true;
                        a.admin_because =
                            Some(format!("{}: {grant} (it can grant itself more)", d.source));
                    }
                }
            }
        }
    }
    // Every service covers the named ones.
    a.write_services = if services.contains("*") {
        vec!["*".to_string()]
    } else {
        services.into_iter().collect()
    };
    a
}

/// IAM returns documents URL-encoded (RFC 3986); emulators sometimes do not.
fn parse_document(text: &str) -> Option<Value> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&percent_decode(text)?).ok())
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether an action name (possibly a pattern: `Put*`, `*Object`) can name a write action.
fn is_write(name: &str) -> bool {
    let literal: String = name
        .chars()
        .take_while(|c| *c != '*' && *c != '?')
        .collect();
    if literal.len() < name.len() {
        // A pattern: a write if some write verb is compatible with its literal start.
        literal.is_empty()
            || WRITE_VERBS.iter().any(|v| {
                let l = literal.to_ascii_lowercase();
                let v = v.to_ascii_lowercase();
                v.starts_with(&l) || l.starts_with(&v)
            })
    } else {
        WRITE_VERBS
            .iter()
            .any(|v| name.len() > v.len() && name[..v.len()].eq_ignore_ascii_case(v))
    }
}

fn covers(pattern: &str, actions: &[&str]) -> bool {
    actions.iter().any(|a| glob(pattern, a))
}

/// IAM's action matching: case-insensitive, `*` any run, `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(source: &str, json: &str) -> PolicyDoc {
        PolicyDoc {
            source: source.into(),
            arn: None,
            document: json.into(),
        }
    }

    #[test]
    fn star_on_star_and_the_managed_admin_policy_are_admin() {
        let a = summarise(&[doc(
            "inline p",
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )]);
        assert!(a.admin, "{a:?}");
        assert_eq!(
            a.line(),
            "full control of the account (inline p: Allow * on *)"
        );
        let a = summarise(&[PolicyDoc {
            source: "attached AdministratorAccess".into(),
            arn: Some(ADMIN_POLICY_ARN.into()),
            document: "{}".into(),
        }]);
        assert_eq!(
            a.line(),
            "full control of the account (AdministratorAccess)"
        );
    }

    #[test]
    fn iam_self_grant_is_admin_and_reads_are_not_writes() {
        let a = summarise(&[doc(
            "inline p",
            r#"{"Statement":{"Effect":"Allow","Action":["iam:Put*"],"Resource":"arn:aws:iam::1:user/me"}}"#,
        )]);
        assert!(a.admin);
        assert!(a.admin_because.unwrap().contains("iam:PutUserPolicy"));
        let a = summarise(&[doc(
            "inline p",
            "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22s3%3AGet%2A%22%2C%22secretsmanager%3AGetSecretValue%22%2C%22sqs%3ASendMessage%22%5D%2C%22Resource%22%3A%22%2A%22%7D%5D%7D",
        )]);
        assert!(!a.admin, "{a:?}");
        assert_eq!(a.write_services, vec!["sqs"]);
        assert!(a.reads_secrets_manager && !a.reads_ssm_parameters);
        assert_eq!(a.line(), "write to sqs; read Secrets Manager secrets");
    }

    #[test]
    fn denies_are_not_grants_and_nothing_reads_as_nothing() {
        let a = summarise(&[doc(
            "inline p",
            r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#,
        )]);
        assert!(!a.admin);
        assert_eq!(a.line(), "read only (no write access found)");
        assert_eq!(summarise(&[]).line(), "nothing found (no policy attached)");
    }

    #[test]
    fn not_action_is_admin_only_when_iam_is_left_in() {
        let power = r#"{"Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#;
        let a = summarise(&[doc("attached PowerUserAccess", power)]);
        assert!(!a.admin, "{a:?}");
        assert_eq!(
            a.line(),
            "write to every service; read Secrets Manager secrets; read SSM parameters"
        );
        let a = summarise(&[doc(
            "inline p",
            r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}"#,
        )]);
        assert!(a.admin, "{a:?}");
    }

    #[test]
    fn globs_match_like_iam() {
        assert!(glob("s3:*Object", "s3:PutObject"));
        assert!(glob("IAM:put?serpolicy", "iam:PutUserPolicy"));
        assert!(!glob("s3:Get*", "s3:PutObject"));
        assert!(is_write("Put*") && is_write("*") && !is_write("Get*") && !is_write("List*"));
        assert!(is_write("PutObject") && !is_write("Put") && !is_write("GetObject"));
    }
}
