//! `unleak aws keys` through the real binary against moto with its auth checks on and
//! AWS-managed policies loaded, moto's clock moved with libfaketime so that keys are made and
//! used days ago by moto's own dates: stale, unused, two active keys, quarantined, admin,
//! leaked (and judged live by `scan --verify`), JSON, the exit codes, and `--fix`.

#![cfg(feature = "aws")]

use crate::aws::*;
use serde_json::Value;
use unleak_testsupport::moto::FakeClock;

struct Account {
    m: Moto,
    w: World,
    clock: FakeClock,
    /// user → its key ids
    keys: std::collections::HashMap<&'static str, Vec<String>>,
    /// user → its (key id, secret) pairs
    pairs: std::collections::HashMap<&'static str, Vec<(String, String)>>,
}

fn policy(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{action},"Resource":"*"}}]}}"#
    )
}

/// Make a user with `n` keys; returns (id, secret) pairs.
async fn user(iam: &aws_sdk_iam::Client, name: &str, n: usize) -> Vec<(String, String)> {
    iam.create_user().user_name(name).send().await.unwrap();
    let mut out = Vec::new();
    for _ in 0..n {
        let k = iam
            .create_access_key()
            .user_name(name)
            .send()
            .await
            .unwrap();
        let k = k.access_key().unwrap();
        out.push((
            k.access_key_id().to_string(),
            k.secret_access_key().to_string(),
        ));
    }
    out
}

/// A call signed with the key: moto records it as the key's last use, at moto's time.
async fn use_key(m: &Moto, (id, secret): &(String, String)) {
    assert!(caller_arn(m, id, secret).await.is_some(), "{id} works");
}

async fn account() -> Account {
    let clock = FakeClock::new();
    let mut env: Vec<(&str, String)> = clock.env();
    env.push(("MOTO_IAM_LOAD_MANAGED_POLICIES", "true".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let m = Moto::start_with(&env);
    m.reset();
    let (status, _) = m.post("/moto-api/reset-auth", "text/plain", "inf");
    assert_eq!(status, 200);
    let boot = sdk(&m, "AKIATESTBOOTSTRAP222", "bootstrap").await;
    let iam = aws_sdk_iam::Client::new(&boot);
    let mut keys = std::collections::HashMap::new();
    let mut pairs = std::collections::HashMap::new();

    clock.days_ago(200);
    for (name, n) in [("old", 1), ("twokeys", 2)] {
        pairs.insert(name, user(&iam, name, n).await);
    }
    clock.days_ago(120);
    use_key(&m, &pairs["old"][0]).await;
    clock.days_ago(30);
    for (name, n) in [("idle", 1), ("quarantined", 1), ("boss", 1)] {
        pairs.insert(name, user(&iam, name, n).await);
    }
    iam.create_login_profile()
        .user_name("idle")
        .password(fake_secret("Pw-"))
        .send()
        .await
        .unwrap();
    clock.days_ago(0);
    for (name, n) in [("auditor", 1), (APP_USER, 1)] {
        pairs.insert(name, user(&iam, name, n).await);
    }
    for (u, arn) in [
        (
            "quarantined",
            "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2",
        ),
        ("boss", "arn:aws:iam::aws:policy/AdministratorAccess"),
    ] {
        iam.attach_user_policy()
            .user_name(u)
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
    }
    for (u, action) in [
        ("auditor", r#""*""#),
        (
            APP_USER,
            r#"["sts:GetCallerIdentity","s3:PutObject","secretsmanager:GetSecretValue"]"#,
        ),
        ("twokeys", r#""s3:Get*""#),
        ("old", r#""sts:GetCallerIdentity""#),
        ("quarantined", r#""sts:GetCallerIdentity""#),
    ] {
        iam.put_user_policy()
            .user_name(u)
            .policy_name("p")
            .policy_document(policy(action))
            .send()
            .await
            .unwrap();
    }
    for u in ["twokeys", "quarantined", "boss", APP_USER] {
        for p in &pairs[u] {
            use_key(&m, p).await;
        }
    }
    m.enable_auth();
    let admin = pairs["auditor"][0].clone();
    let leaked = pairs[APP_USER][0].clone();
    let conf = sdk(&m, &admin.0, &admin.1).await;
    for (u, p) in &pairs {
        keys.insert(*u, p.iter().map(|(id, _)| id.clone()).collect());
    }
    let w = World {
        admin_id: admin.0,
        admin_secret: admin.1,
        leaked_id: leaked.0,
        leaked_secret: leaked.1,
        iam: aws_sdk_iam::Client::new(&conf),
        sm: aws_sdk_secretsmanager::Client::new(&conf),
        state: tempfile::tempdir().unwrap(),
    };
    Account {
        m,
        w,
        clock,
        keys,
        pairs,
    }
}

/// A scan report of a tree holding app's pair (judged live by `scan --verify`) and old's id.
fn scan_report(a: &Account, dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/credentials"),
        format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            a.w.leaked_id, a.w.leaked_secret
        ),
    )
    .unwrap();
    let (boss_id, boss_secret) = &a.pairs["boss"][0];
    std::fs::write(
        dir.join("src/z_admin.ini"),
        format!("[admin]\naws_access_key_id = {boss_id}\naws_secret_access_key = {boss_secret}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/old.cfg"),
        format!("aws_access_key_id = {}\n", a.keys["old"][0]),
    )
    .unwrap();
    let out = unleak(
        &a.m,
        &a.w,
        dir,
        &["scan", "src", "--verify", "--format", "json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let path = dir.join("report.json");
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

fn key<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {json:#}"))
}

fn flags(k: &Value) -> Vec<String> {
    k["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn audit_flags_every_kind_and_joins_the_leaks() {
    let a = account().await;
    let dir = a.w.state.path().join("work");
    let report = scan_report(&a, &dir);
    let report = report.to_str().unwrap();

    let out = unleak(
        &a.m,
        &a.w,
        &dir,
        &["aws", "keys", "--report", report, "--format", "json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["account"], ACCOUNT);
    assert_eq!(json["users"], 7);

    let old = key(&json, &a.keys["old"][0]);
    assert_eq!(flags(old), ["leaked", "stale", "unused"], "{old:#}");
    assert!(
        (199..=201).contains(&old["age_days"].as_i64().unwrap()),
        "{old:#}"
    );
    assert!((119..=121).contains(&old["last_used"]["days_ago"].as_i64().unwrap()));
    assert!(old["flags"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("src/old.cfg:1"));

    let app = key(&json, &a.w.leaked_id);
    assert_eq!(flags(app), ["leaked-live"], "{app:#}");
    assert_eq!(app["access"]["write_services"], serde_json::json!(["s3"]));
    assert_eq!(app["access"]["reads_secrets_manager"], true);

    for k in &a.keys["twokeys"] {
        assert_eq!(flags(key(&json, k)), ["two-active", "stale"]);
    }
    assert_eq!(flags(key(&json, &a.keys["idle"][0])), ["unused"]);
    let q = key(&json, &a.keys["quarantined"][0]);
    assert_eq!(flags(q), ["quarantined"], "{q:#}");
    assert_eq!(q["quarantine"][0], "AWSCompromisedKeyQuarantineV2");
    let boss = key(&json, &a.keys["boss"][0]);
    assert_eq!(flags(boss), ["leaked-live"], "{boss:#}");
    assert_eq!(boss["access"]["admin"], true);
    assert_eq!(boss["access"]["admin_because"], "AdministratorAccess");
    assert!(flags(key(&json, &a.w.admin_id)).is_empty());
    // Console password never used.
    assert_eq!(json["console"][0]["user"], "idle");
    // moto's credential report has no root row: said, not guessed.
    assert_eq!(json["root"]["known"], false);
    assert!(json["missing"].to_string().contains("root"), "{json:#}");

    // Text: priority order, one `can:` line per active key, leaked-live first.
    let out = unleak(&a.m, &a.w, &dir, &["aws", "keys", "--report", report], &[]);
    assert_eq!(out.status.code(), Some(1));
    let t = String::from_utf8_lossy(&out.stdout).to_string();
    println!("{t}");
    let pos = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} not in\n{t}"));
    assert!(pos("LEAKED-LIVE") < pos("QUARANTINED"));
    // Both leaked and live: the admin key first.
    assert!(pos(&format!("LEAKED-LIVE   {}", a.keys["boss"][0])) < pos(&a.w.leaked_id));
    assert!(pos("QUARANTINED") < pos("LEAKED "));
    assert!(pos("LEAKED ") < pos("TWO-ACTIVE"));
    assert!(pos("TWO-ACTIVE") < pos("UNUSED"));
    assert!(t.contains("can: full control of the account (AdministratorAccess)"));
    assert!(t.contains("can: write to s3; read Secrets Manager secrets"));
    assert!(!t.contains(&a.w.leaked_secret), "secrets never printed");

    // The judge's report: what each live key can do, live admin keys first.
    let scan: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let judged = |id: &str| {
        scan["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "aws-access-key-id" && f["secret"] == id)
            .map(|f| f["verification"].clone())
            .unwrap()
    };
    let app = judged(&a.w.leaked_id);
    assert_eq!(app["status"], "live");
    assert_eq!(app["access"]["write_services"], serde_json::json!(["s3"]));
    assert_eq!(app["access"]["admin"], false);
    let boss = judged(&a.pairs["boss"][0].0);
    assert_eq!(boss["access"]["admin"], true, "{boss:#}");
    assert!(judged(&a.keys["old"][0]).get("access").is_none());
    let out = unleak(
        &a.m,
        &a.w,
        &dir,
        &[
            "scan", "src", "--verify", "--format", "text", "--color", "never",
        ],
        &[],
    );
    let t = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        t.contains("can: full control of the account (AdministratorAccess)"),
        "{t}"
    );
    assert!(
        t.contains("can: write to s3; read Secrets Manager secrets"),
        "{t}"
    );
    assert!(
        t.find("z_admin.ini").unwrap() < t.find("src/credentials").unwrap(),
        "live admin keys first: {t}"
    );
    drop(a.clock);
}

#[tokio::test]
async fn fix_deactivates_unused_and_rotates_stale_keys_and_dry_run_changes_nothing() {
    let a = account().await;
    let dir = a.w.state.path().to_path_buf();
    let before = keys(&a.w, "idle").await;
    let out = unleak(
        &a.m,
        &a.w,
        &dir,
        &["aws", "keys", "--fix", "--dry-run"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("deactivate unused key"), "{t}");
    assert!(t.contains("Dry run: nothing was changed."), "{t}");
    assert_eq!(keys(&a.w, "idle").await, before);
    // Without --yes and no terminal: refused, nothing changed.
    let out = unleak(&a.m, &a.w, &dir, &["aws", "keys", "--fix"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(keys(&a.w, "idle").await, before);

    let out = unleak(&a.m, &a.w, &dir, &["aws", "keys", "--fix", "--yes"], &[]);
    let t = text(&out);
    // Two active keys are skipped (a person must choose): still flagged.
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert_eq!(
        keys(&a.w, "idle").await,
        vec![(a.keys["idle"][0].clone(), false)]
    );
    // old (stale, unused): rotated, the old key deleted, a new one in Secrets Manager.
    let old = keys(&a.w, "old").await;
    assert_eq!(old.len(), 1, "{old:?}");
    assert_ne!(old[0].0, a.keys["old"][0]);
    assert!(current_value(&a.w, "unleak/iam-user/old").await.is_some());
    // Journals: the deactivation and the rotation, no secret in either.
    let journals = files_text(&a.w.state.path().join("state"));
    assert!(journals.contains(&a.keys["idle"][0]), "{journals}");
    assert!(journals.contains(&a.keys["old"][0]), "{journals}");
    assert!(!journals.contains("SecretAccessKey"));
    // The admin's, boss's and app's keys (clean) are untouched.
    assert_eq!(
        keys(&a.w, "boss").await,
        vec![(a.keys["boss"][0].clone(), true)]
    );
    assert_eq!(
        keys(&a.w, "twokeys").await.len(),
        2,
        "two active keys are left to a person"
    );
    // Again: nothing left to deactivate or rotate; the two-key user still needs a person.
    let out = unleak(&a.m, &a.w, &dir, &["aws", "keys", "--fix", "--yes"], &[]);
    let t = text(&out);
    assert!(!t.contains("deactivate unused key"), "{t}");
    drop(a.clock);
}

async fn attached(w: &World, user: &str) -> Vec<String> {
    w.iam
        .list_attached_user_policies()
        .user_name(user)
        .send()
        .await
        .unwrap()
        .attached_policies()
        .iter()
        .map(|p| p.policy_name().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn rotating_a_quarantined_key_says_the_quarantine_stays_and_detaches_it_only_when_asked() {
    let a = account().await;
    let dir = a.w.state.path().to_path_buf();
    let q = a.keys["quarantined"][0].clone();
    let out = unleak(&a.m, &a.w, &dir, &["rotate", &q, "--dry-run"], &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("is quarantined by AWS (AWSCompromisedKeyQuarantineV2)"),
        "{t}"
    );
    assert!(t.contains("the new key is restricted too"), "{t}");
    assert!(
        t.contains("aws iam detach-user-policy --user-name quarantined --policy-arn arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2"),
        "{t}"
    );

    // Rotated without --detach-quarantine: the quarantine stays.
    let out = unleak(&a.m, &a.w, &dir, &["rotate", &q, "--yes"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        attached(&a.w, "quarantined").await,
        ["AWSCompromisedKeyQuarantineV2"]
    );
    let new = keys(&a.w, "quarantined").await;
    assert_eq!(new.len(), 1);
    assert_ne!(new[0].0, q);

    // The next rotation, asked to detach: a crash right after the detach resumes to done.
    let out = unleak(
        &a.m,
        &a.w,
        &dir,
        &["rotate", &new[0].0, "--yes", "--detach-quarantine"],
        &[("UNLEAK_FAILPOINT", "after-detach-quarantine")],
    );
    let t = text(&out);
    assert!(t.contains("failpoint after-detach-quarantine"), "{t}");
    assert!(
        t.contains("detach the quarantine policy AWSCompromisedKeyQuarantineV2"),
        "{t}"
    );
    assert!(attached(&a.w, "quarantined").await.is_empty());
    let journal = files_text(&a.w.state.path().join("state").join("rotations"));
    assert!(
        journal.contains("\"step\": \"quarantine-detached\""),
        "{journal}"
    );
    let out = unleak(&a.m, &a.w, &dir, &["rotate", &new[0].0, "--yes"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let journal = files_text(&a.w.state.path().join("state").join("rotations"));
    assert!(journal.contains("\"detach_quarantine\": true"), "{journal}");
    assert_eq!(keys(&a.w, "quarantined").await.len(), 1);
    drop(a.clock);
}

/// `n` users with one key each, made with auth off; returns the auditor's world.
async fn many_users(n: usize) -> (Moto, World) {
    many_users_allowed(n, r#""*""#).await
}

async fn many_users_allowed(n: usize, auditor_may: &str) -> (Moto, World) {
    let m = Moto::start_with(&[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")]);
    m.reset();
    let (status, _) = m.post("/moto-api/reset-auth", "text/plain", "inf");
    assert_eq!(status, 200);
    let boot = sdk(&m, "AKIATESTBOOTSTRAP222", "bootstrap").await;
    let iam = aws_sdk_iam::Client::new(&boot);
    let admin = user(&iam, "auditor", 1).await.remove(0);
    iam.put_user_policy()
        .user_name("auditor")
        .policy_name("p")
        .policy_document(policy(auditor_may))
        .send()
        .await
        .unwrap();
    iam.create_group().group_name("devs").send().await.unwrap();
    iam.attach_group_policy()
        .group_name("devs")
        .policy_arn("arn:aws:iam::aws:policy/PowerUserAccess")
        .send()
        .await
        .unwrap();
    for i in 0..n {
        let name = format!("user{i:04}");
        user(&iam, &name, 1).await;
        if i % 10 == 0 {
            iam.add_user_to_group()
                .group_name("devs")
                .user_name(&name)
                .send()
                .await
                .unwrap();
        }
    }
    m.enable_auth();
    let conf = sdk(&m, &admin.0, &admin.1).await;
    let w = World {
        admin_id: admin.0.clone(),
        admin_secret: admin.1.clone(),
        leaked_id: admin.0,
        leaked_secret: admin.1,
        iam: aws_sdk_iam::Client::new(&conf),
        sm: aws_sdk_secretsmanager::Client::new(&conf),
        state: tempfile::tempdir().unwrap(),
    };
    (m, w)
}

async fn audit_many(n: usize) -> std::time::Duration {
    let (m, w) = many_users(n).await;
    let dir = w.state.path().to_path_buf();
    let t = std::time::Instant::now();
    let out = unleak(&m, &w, &dir, &["aws", "keys", "--format", "json"], &[]);
    let took = t.elapsed();
    // Never-used keys made just now: nothing flagged, so exit 3 only for moto's missing root row.
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["users"], n + 1, "every page of users");
    assert_eq!(json["keys"].as_array().unwrap().len(), n + 1);
    let grouped = key(&json, json["keys"][0]["key_id"].as_str().unwrap());
    assert!(grouped["access"].is_object());
    let power = json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["user"].as_str().unwrap().starts_with("user"))
        .filter(|k| k["access"]["write_services"] == serde_json::json!(["*"]))
        .filter(|k| k["access"]["admin"] == false)
        .count();
    assert_eq!(
        power,
        n.div_ceil(10),
        "group policies counted, once per group"
    );
    took
}

/// More users than one `ListUsers` page (100), read with bounded concurrency.
#[tokio::test]
async fn every_page_of_users_is_read() {
    audit_many(150).await;
}

/// The measurement for the README: `cargo test --test aws_keys -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn time_a_thousand_users() {
    let took = audit_many(1000).await;
    println!(
        "aws keys over 1,001 users in moto: {:.1} s",
        took.as_secs_f64()
    );
}

/// An auditor allowed less than the audit reads: the result says what it lacks (exit 3 when
/// nothing is flagged), it does not fail or pretend.
#[tokio::test]
async fn a_partial_result_says_what_it_lacks() {
    let (m, w) = many_users_allowed(
        3,
        r#"["sts:GetCallerIdentity","iam:ListUsers","iam:ListAccessKeys","iam:GetAccessKeyLastUsed"]"#,
    )
    .await;
    let dir = w.state.path().to_path_buf();
    let out = unleak(&m, &w, &dir, &["aws", "keys"], &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(3), "{t}");
    assert!(t.contains("Incomplete: this result lacks"), "{t}");
    assert!(
        t.contains("credential report: AWS iam:GenerateCredentialReport failed"),
        "{t}"
    );
    assert!(
        t.contains("user user0000: attached policies unknown"),
        "{t}"
    );
    assert!(t.contains("4 access keys"), "{t}");
    assert!(
        t.contains("can: unknown: user user0000: attached policies unknown"),
        "{t}"
    );
}
