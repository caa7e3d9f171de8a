//! IAM's credential report (`GenerateCredentialReport` / `GetCredentialReport`): a CSV with
//! one row per user and, on AWS, a `<root_account>` row, the only place the root user's access
//! keys and console password use are visible to an auditor.

/// One row, the columns `aws keys` reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub user: String,
    pub password_enabled: bool,
    /// RFC 3339, or `None` for `no_information` / `N/A` / `not_supported`.
    pub password_last_used: Option<String>,
    pub access_key_1_active: bool,
    pub access_key_2_active: bool,
}

pub const ROOT: &str = "<root_account>";

/// Parse the report. Unknown columns are ignored; a missing needed column is an error.
pub fn parse(csv: &str) -> Result<Vec<Row>, String> {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .ok_or("the credential report is empty")?
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("the credential report has no `{name}` column"))
    };
    let (user, pw, pw_used, k1, k2) = (
        col("user")?,
        col("password_enabled")?,
        col("password_last_used")?,
        col("access_key_1_active")?,
        col("access_key_2_active")?,
    );
    let date = |v: &str| {
        let v = v.trim();
        (v.len() >= 10 && v.as_bytes()[4] == b'-').then(|| v.to_string())
    };
    let mut rows = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let get = |i: usize| f.get(i).copied().unwrap_or_default().trim();
        rows.push(Row {
            user: get(user).to_string(),
            password_enabled: get(pw) == "true",
            password_last_used: date(get(pw_used)),
            access_key_1_active: get(k1) == "true",
            access_key_2_active: get(k2) == "true",
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_root_row_and_password_use() {
        let csv = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active\n\
<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2024-05-01T10:00:00+00:00,not_supported,not_supported,true,true,2020-01-02T00:00:00+00:00,N/A,N/A,N/A,false\n\
alice,arn:aws:iam::123456789012:user/alice,2020-01-01T00:00:00+00:00,true,no_information,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false\n";
        let rows = parse(csv).unwrap();
        assert_eq!(rows[0].user, ROOT);
        assert!(rows[0].access_key_1_active && !rows[0].access_key_2_active);
        assert_eq!(
            rows[0].password_last_used.as_deref(),
            Some("2024-05-01T10:00:00+00:00")
        );
        assert!(rows[1].password_enabled && rows[1].password_last_used.is_none());
        assert!(parse("user,arn\n").is_err());
    }
}
