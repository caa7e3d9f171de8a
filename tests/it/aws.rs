//! Shared set-up for the AWS tests of `unleak rotate` and `unleak store`: a moto server on
//! 127.0.0.1, an auditor (an admin IAM user) and an application user with a "leaked" key, SDK
//! clients to check moto's state (moto itself is seeded through `unleak_testsupport::moto`),
//! and the binary run so that it sees only moto.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::types::StatusType;

pub use unleak_testsupport::Moto;

pub const ACCOUNT: &str = "123456789012";
pub const APP_USER: &str = "app";

/// Environment variables that could point the binary at real AWS or a real profile.
const REAL_AWS_VARS: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
    "UNLEAK_FAILPOINT",
];

pub use unleak_testsupport::keys::{fake_secret, random_key_id_for_account as key_id_for_account};

/// SDK configuration that talks to moto with the given key.
pub async fn sdk(m: &Moto, id: &str, secret: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&m.endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            id, secret, None, None, "test",
        ))
        .load()
        .await
}

/// The world the tests start from.
pub struct World {
    pub admin_id: String,
    pub admin_secret: String,
    pub leaked_id: String,
    pub leaked_secret: String,
    pub iam: aws_sdk_iam::Client,
    pub sm: aws_sdk_secretsmanager::Client,
    pub state: tempfile::TempDir,
}

/// Fresh moto state with auth checks on: an auditor with every permission and an application
/// user `app` with one access key (the leaked one) that may call sts:GetCallerIdentity.
pub async fn world(m: &Moto) -> World {
    m.reset();
    // Auth checks off while the users are made (moto then accepts any request).
    let (status, _) = m.post("/moto-api/reset-auth", "text/plain", "inf");
    assert_eq!(status, 200);
    let admin = m.create_user("auditor");
    m.allow("auditor", "*");
    let leaked = m.create_user(APP_USER);
    m.allow(APP_USER, "sts:GetCallerIdentity");
    m.enable_auth();
    let conf = sdk(m, &admin.id, &admin.secret).await;
    World {
        admin_id: admin.id,
        admin_secret: admin.secret,
        leaked_id: leaked.id,
        leaked_secret: leaked.secret,
        iam: aws_sdk_iam::Client::new(&conf),
        sm: aws_sdk_secretsmanager::Client::new(&conf),
        state: tempfile::tempdir().unwrap(),
    }
}

/// The unleak binary, seeing only moto (auditor's credentials) and a private state directory.
pub fn unleak(
    m: &Moto,
    w: &World,
    cwd: &Path,
    args: &[&str],
    extra_env: &[(&str, &str)],
) -> Output {
    let mut cmd = unleak_testsupport::unleak::command();
    cmd.args(args)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null());
    isolate(&mut cmd, m, w, extra_env);
    cmd.output().expect("run unleak")
}

/// The binary on a terminal (util-linux `script` gives it one), answering its question with
/// `answer`; stdout and stderr come back together, as the terminal showed them.
pub fn unleak_on_terminal(m: &Moto, w: &World, cwd: &Path, args: &[&str], answer: &str) -> Output {
    use std::io::Write;
    let quoted: Vec<String> = std::iter::once(unleak_testsupport::unleak::bin())
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &quoted.join(" "), "/dev/null"])
        .current_dir(cwd)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    isolate(&mut cmd, m, w, &[]);
    let mut child = cmd.spawn().expect("run script");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(answer.as_bytes()).unwrap();
    // Keep the terminal open until the binary is done (EOF would end `script` early).
    let out = std::thread::scope(|s| {
        let waiter = s.spawn(|| child.wait_with_output());
        let out = waiter.join().unwrap();
        drop(stdin);
        out
    });
    out.expect("script ran")
}

/// Only moto, the auditor's credentials and a private state directory.
fn isolate(cmd: &mut Command, m: &Moto, w: &World, extra_env: &[(&str, &str)]) {
    for v in REAL_AWS_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(m.env(&w.admin_id, &w.admin_secret))
        .env("NO_PROXY", "*")
        .env("no_proxy", "*")
        .env("HOME", w.state.path())
        .env("UNLEAK_STATE_DIR", w.state.path().join("state"));
    // An empty value removes the variable (e.g. to make the binary use a profile instead).
    for (k, v) in extra_env {
        if v.is_empty() {
            cmd.env_remove(k);
        } else {
            cmd.env(k, v);
        }
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir` (journals, temp files), as text.
pub fn files_text(dir: &Path) -> String {
    let mut all = String::new();
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                all.push_str(&String::from_utf8_lossy(&b));
            }
        }
    }
    all
}

/// (key id, active) of the user's keys.
pub async fn keys(w: &World, user: &str) -> Vec<(String, bool)> {
    w.iam
        .list_access_keys()
        .user_name(user)
        .send()
        .await
        .unwrap()
        .access_key_metadata()
        .iter()
        .map(|k| {
            (
                k.access_key_id().unwrap().to_string(),
                k.status() == Some(&StatusType::Active),
            )
        })
        .collect()
}

/// The secret's AWSCURRENT value, if any.
pub async fn current_value(w: &World, name: &str) -> Option<String> {
    match w
        .sm
        .get_secret_value()
        .secret_id(name)
        .version_stage("AWSCURRENT")
        .send()
        .await
    {
        Ok(o) => o.secret_string().map(str::to_string),
        Err(_) => None,
    }
}

/// How many versions the secret has (0 if it does not exist).
pub async fn version_count(w: &World, name: &str) -> usize {
    match w.sm.list_secret_version_ids().secret_id(name).send().await {
        Ok(o) => o.versions().len(),
        Err(_) => 0,
    }
}

/// Does `GetCallerIdentity` signed with this key work, and as which ARN?
pub async fn caller_arn(m: &Moto, id: &str, secret: &str) -> Option<String> {
    let sts = aws_sdk_sts::Client::new(&sdk(m, id, secret).await);
    sts.get_caller_identity()
        .send()
        .await
        .ok()
        .and_then(|o| o.arn().map(str::to_string))
}
