//! `unleak rotate` against moto with its auth checks on, through the real binary: the happy
//! path, every refusal, `--dry-run`, `--status`, and a crash injected after every step followed
//! by a resume. The new secret must never appear in stdout, stderr or the journal.

#![cfg(feature = "aws")]

use crate::aws::*;

const SECRET_NAME: &str = "unleak/iam-user/app";

/// The state every finished rotation must leave: exactly one active key for `app`, not the
/// leaked one, stored in AWSCURRENT, working; the old key gone (or inactive when kept); one
/// secret version; the new secret nowhere in `outputs` or the state directory.
async fn assert_rotated(m: &Moto, w: &World, keep_old: bool, outputs: &str) {
    let keys = keys(w, APP_USER).await;
    let active: Vec<_> = keys.iter().filter(|(_, a)| *a).collect();
    assert_eq!(active.len(), 1, "exactly one active key: {keys:?}");
    let new_id = active[0].0.clone();
    assert_ne!(new_id, w.leaked_id);
    let old = keys.iter().find(|(id, _)| *id == w.leaked_id);
    if keep_old {
        assert_eq!(
            old,
            Some(&(w.leaked_id.clone(), false)),
            "old key kept inactive"
        );
        assert_eq!(keys.len(), 2);
    } else {
        assert!(old.is_none(), "old key deleted: {keys:?}");
        assert_eq!(keys.len(), 1);
    }
    let value = current_value(w, SECRET_NAME)
        .await
        .expect("AWSCURRENT has a value");
    let v: serde_json::Value = serde_json::from_str(&value).unwrap();
    assert_eq!(v["AccessKeyId"], new_id.as_str());
    let secret = v["SecretAccessKey"].as_str().unwrap().to_string();
    let arn = caller_arn(m, &new_id, &secret)
        .await
        .expect("the new key works");
    assert!(arn.ends_with(":user/app"), "{arn}");
    assert_eq!(
        version_count(w, SECRET_NAME).await,
        1,
        "no duplicate versions"
    );
    assert!(!outputs.contains(&secret), "new secret printed");
    assert!(
        !files_text(w.state.path()).contains(&secret),
        "new secret written to the state directory"
    );
    if !keep_old {
        assert!(caller_arn(m, &w.leaked_id, &w.leaked_secret)
            .await
            .is_none());
    }
}

#[tokio::test]
async fn rotates_end_to_end_and_rerun_is_a_no_op() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    let out = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--yes"], &[]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains(SECRET_NAME), "{all}");
    assert!(all.contains("arn:aws:secretsmanager:"), "{all}");
    assert!(all.contains("still in your git history"), "{all}");
    assert!(
        all.contains(&format!("Old key {} is deleted", w.leaked_id)),
        "{all}"
    );
    assert_rotated(&m, &w, false, &all).await;
    let after = keys(&w, APP_USER).await;

    let again = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--yes"], &[]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("already rotated"), "{}", text(&again));
    assert_eq!(keys(&w, APP_USER).await, after, "re-run changed nothing");
    assert_eq!(version_count(&w, SECRET_NAME).await, 1);

    let st = unleak(&m, &w, &cwd, &["rotate", "--status"], &[]);
    assert!(st.status.success());
    assert!(text(&st).contains("No unfinished rotations"));
}

#[tokio::test]
async fn rotate_with_a_findings_store_records_the_rotation_against_the_key() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    std::fs::create_dir(cwd.join("src")).unwrap();
    std::fs::write(
        cwd.join("src/app.ini"),
        format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            w.leaked_id, w.leaked_secret
        ),
    )
    .unwrap();
    let db = cwd.join("findings.db");
    let db = db.to_str().unwrap();
    let out = unleak(&m, &w, &cwd, &["scan", "src", "--store", db], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = unleak(
        &m,
        &w,
        &cwd,
        &["rotate", &w.leaked_id, "--yes", "--store", db],
        &[],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert_rotated(&m, &w, false, &all).await;
    let json = |args: &[&str]| -> serde_json::Value {
        let out = unleak(&m, &w, &cwd, args, &[]);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)))
    };
    let rows = json(&["findings", "list", "--json", "--store", db]);
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["secret"] == w.leaked_id.as_str())
        .unwrap_or_else(|| panic!("the key id is not stored: {rows:#}"))
        .clone();
    let shown = json(&[
        "findings",
        "show",
        row["id"].as_str().unwrap(),
        "--json",
        "--store",
        db,
    ]);
    assert_eq!(shown["actions"][0]["action"], "rotate", "{shown:#}");
    assert_eq!(shown["status"], "rotated", "{shown:#}");
    assert_eq!(shown["triage"][0]["status"], "rotated", "{shown:#}");
    let detail = shown["actions"][0]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(SECRET_NAME), "{shown:#}");
    // Neither the old secret nor the new one is in the store.
    let new = current_value(&w, SECRET_NAME).await.unwrap();
    let new: serde_json::Value = serde_json::from_str(&new).unwrap();
    let bytes = std::fs::read(cwd.join("findings.db")).unwrap();
    for s in [
        w.leaked_secret.as_str(),
        new["SecretAccessKey"].as_str().unwrap(),
    ] {
        assert!(!bytes.windows(s.len()).any(|x| x == s.as_bytes()));
    }
}

#[tokio::test]
async fn keep_old_inactive_leaves_it_inactive() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    let out = unleak(
        &m,
        &w,
        &cwd,
        &["rotate", &w.leaked_id, "--keep-old-inactive", "--yes"],
        &[],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("is inactive (kept)"), "{all}");
    assert_rotated(&m, &w, true, &all).await;
}

#[tokio::test]
async fn dry_run_and_missing_yes_change_nothing() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    let before = keys(&w, APP_USER).await;
    let out = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--dry-run"], &[]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("Dry run: nothing was changed"), "{all}");
    assert!(all.contains("delete the old key"), "{all}");
    // Before any question: the old key's last use, and what deleting it means.
    assert!(
        all.contains(&format!("Old key {} was last used with", w.leaked_id))
            || all.contains(&format!(
                "IAM has no record of old key {} being used",
                w.leaked_id
            )),
        "{all}"
    );
    assert!(
        all.contains("Warning: the old key is deleted, for good"),
        "{all}"
    );
    let kept = unleak(
        &m,
        &w,
        &cwd,
        &["rotate", &w.leaked_id, "--dry-run", "--keep-old-inactive"],
        &[],
    );
    let kept = text(&kept);
    assert!(kept.contains("kept (inactive)"), "{kept}");
    assert!(!kept.contains("Warning: the old key is deleted"), "{kept}");
    // The same through a named profile (credentials file) instead of environment credentials.
    let creds = w.state.path().join("credentials");
    std::fs::write(
        &creds,
        format!(
            "[auditor]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            w.admin_id, w.admin_secret
        ),
    )
    .unwrap();
    let creds = creds.to_string_lossy().to_string();
    let profile_env = [
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_SHARED_CREDENTIALS_FILE", creds.as_str()),
    ];
    let out = unleak(
        &m,
        &w,
        &cwd,
        &["rotate", &w.leaked_id, "--dry-run", "--profile", "auditor"],
        &profile_env,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("IAM user `app`"), "{}", text(&out));
    let out = unleak(
        &m,
        &w,
        &cwd,
        &["rotate", &w.leaked_id, "--dry-run", "--profile", "nosuch"],
        &profile_env,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("profile `nosuch`"), "{}", text(&out));
    // Not a terminal and no --yes: refused.
    let out = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("pass --yes"));
    assert_eq!(keys(&w, APP_USER).await, before);
    assert_eq!(version_count(&w, SECRET_NAME).await, 0);
    assert!(!w.state.path().join("state").join("rotations").exists());
}

#[tokio::test]
async fn a_rotation_of_a_key_already_being_rotated_is_refused_and_changes_nothing() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    let before = keys(&w, APP_USER).await;
    // Another unleak (here: this test) is rotating the key.
    let journal = unleak_aws::journal::Journal::at(w.state.path().join("state").join("rotations"));
    let held = journal.lock(&w.leaked_id).unwrap();
    let out = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--yes"], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("another unleak is working on"), "{all}");
    assert_eq!(keys(&w, APP_USER).await, before);
    assert_eq!(version_count(&w, SECRET_NAME).await, 0);
    // Once it is done, the rotation goes through.
    drop(held);
    let out = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--yes"], &[]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert_rotated(&m, &w, false, &all).await;
}

#[tokio::test]
async fn refusals_change_nothing() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    let canary = key_id_for_account(52_310_077_262);
    let other_account = key_id_for_account(111_122_223_333);
    let unknown = key_id_for_account(ACCOUNT.parse().unwrap());
    let temporary = key_id_for_account(ACCOUNT.parse().unwrap()).replacen("AKIA", "ASIA", 1);
    let taken = "taken/by-someone";
    w.sm.create_secret()
        .name(taken)
        .secret_string("something else")
        .send()
        .await
        .unwrap();
    let before = keys(&w, APP_USER).await;

    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![&canary], "canary"),
        (vec![&other_account], "belongs to account 111122223333"),
        (vec![&unknown], "was not found in account 123456789012"),
        (
            vec![&unknown, "--user", "ghost"],
            "IAM user `ghost` was not found",
        ),
        (
            vec![&w.leaked_id, "--user", "auditor"],
            "is not a key of IAM user `auditor`",
        ),
        (
            vec![&w.leaked_id, "--secret-name", taken],
            "already exists and is not unleak's",
        ),
        (vec!["AKIA123"], "is not an IAM user access key id"),
        (vec![&temporary], "temporary"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["rotate"];
        args.extend(extra.iter().copied());
        args.push("--yes");
        let out = unleak(&m, &w, &cwd, &args, &[]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(all.contains(want), "{args:?}: want `{want}` in {all}");
        assert!(!all.contains("panicked"), "{all}");
    }
    assert_eq!(keys(&w, APP_USER).await, before);

    // A second key that is not the leaked one: AWS allows two, so no room for a new one.
    let second = w
        .iam
        .create_access_key()
        .user_name(APP_USER)
        .send()
        .await
        .unwrap();
    let second = second.access_key().unwrap().access_key_id().to_string();
    let before = keys(&w, APP_USER).await;
    let out = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--yes"], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("already has two access keys"), "{all}");
    assert!(all.contains(&second), "{all}");
    assert_eq!(keys(&w, APP_USER).await, before);
    assert_eq!(version_count(&w, SECRET_NAME).await, 0);
    assert!(!w.state.path().join("state").join("rotations").exists());
}

/// The failpoints, in the order the rotation passes them.
const STEPS: &[&str] = &[
    "after-journal",
    "after-create-secret",
    "after-delete-orphans",
    "after-create-key",
    "after-put-secret",
    "after-verify",
    "after-deactivate",
    "after-delete-old",
];

/// After a crash: at most one key besides the old one, and at least one working key that the
/// user can reach (the old key while still active, else the stored new key).
async fn assert_safe_mid_rotation(m: &Moto, w: &World, step: &str) {
    let keys = keys(w, APP_USER).await;
    let orphans = keys.iter().filter(|(id, _)| *id != w.leaked_id).count();
    assert!(orphans <= 1, "{step}: more than one new key: {keys:?}");
    let old_active = keys.iter().any(|(id, a)| *id == w.leaked_id && *a);
    let stored_works = match current_value(w, SECRET_NAME).await {
        Some(v) => {
            let v: serde_json::Value = serde_json::from_str(&v).unwrap();
            caller_arn(
                m,
                v["AccessKeyId"].as_str().unwrap(),
                v["SecretAccessKey"].as_str().unwrap(),
            )
            .await
            .is_some()
        }
        None => false,
    };
    assert!(
        old_active || stored_works,
        "{step}: no working key left: {keys:?}"
    );
}

#[tokio::test]
async fn crash_after_every_step_then_resume() {
    let m = Moto::start();
    for step in STEPS {
        let w = world(&m).await;
        let cwd = w.state.path().to_path_buf();
        let crashed = unleak(
            &m,
            &w,
            &cwd,
            &["rotate", &w.leaked_id, "--yes"],
            &[("UNLEAK_FAILPOINT", step)],
        );
        let mut all = text(&crashed);
        assert!(!crashed.status.success(), "{step}: did not crash: {all}");
        assert!(all.contains(&format!("failpoint {step}")), "{step}: {all}");
        assert_safe_mid_rotation(&m, &w, step).await;

        let st = unleak(&m, &w, &cwd, &["rotate", "--status"], &[]);
        assert_eq!(st.status.code(), Some(1), "{step}: {}", text(&st));
        assert!(text(&st).contains(&w.leaked_id), "{step}: {}", text(&st));

        let resumed = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--yes"], &[]);
        all.push_str(&text(&resumed));
        assert!(resumed.status.success(), "{step}: resume failed: {all}");
        assert!(text(&resumed).contains("Resumed"), "{step}: {all}");
        assert_rotated(&m, &w, false, &all).await;
        let st = unleak(&m, &w, &cwd, &["rotate", "--status"], &[]);
        assert!(text(&st).contains("No unfinished rotations"), "{step}");
    }
}

#[tokio::test]
async fn repeated_crashes_never_leave_two_orphans() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    let mut all = String::new();
    // Crash twice right after making a key (its secret lost both times), then once after the
    // orphan clean-up, then resume.
    for step in [
        "after-create-key",
        "after-create-key",
        "after-delete-orphans",
    ] {
        let out = unleak(
            &m,
            &w,
            &cwd,
            &["rotate", &w.leaked_id, "--yes"],
            &[("UNLEAK_FAILPOINT", step)],
        );
        all.push_str(&text(&out));
        assert!(!out.status.success(), "{step}: {all}");
        assert_safe_mid_rotation(&m, &w, step).await;
    }
    assert!(all.contains("deleted orphan key"), "{all}");
    // The deletion was in the plan shown before it happened.
    assert!(
        all.contains("the interrupted run created it (journaled)"),
        "{all}"
    );
    let keys_now = keys(&w, APP_USER).await;
    assert_eq!(
        keys_now.len(),
        1,
        "orphan deleted, old key kept: {keys_now:?}"
    );
    let out = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--yes"], &[]);
    all.push_str(&text(&out));
    assert!(out.status.success(), "{all}");
    assert_rotated(&m, &w, false, &all).await;
}

#[tokio::test]
async fn rotating_again_reuses_the_users_secret() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    let out = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--yes"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let first: serde_json::Value =
        serde_json::from_str(&current_value(&w, SECRET_NAME).await.unwrap()).unwrap();
    let second_id = first["AccessKeyId"].as_str().unwrap().to_string();

    // The next rotation finds the secret holding the key it rotates, and takes it over.
    let out = unleak(&m, &w, &cwd, &["rotate", &second_id, "--yes"], &[]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("re-tagged secret"), "{all}");
    let keys = keys(&w, APP_USER).await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    let third: serde_json::Value =
        serde_json::from_str(&current_value(&w, SECRET_NAME).await.unwrap()).unwrap();
    assert_eq!(third["AccessKeyId"], keys[0].0.as_str());
    assert_ne!(keys[0].0, second_id);
    assert_eq!(version_count(&w, SECRET_NAME).await, 2);
    let secret = third["SecretAccessKey"].as_str().unwrap();
    assert!(caller_arn(&m, &keys[0].0, secret).await.is_some());
    assert!(!all.contains(secret));
}

/// The key someone else made, as (id, secret).
async fn admin_makes_a_key(w: &World) -> (String, String) {
    let k = w
        .iam
        .create_access_key()
        .user_name(APP_USER)
        .send()
        .await
        .unwrap();
    let k = k.access_key().unwrap();
    (
        k.access_key_id().to_string(),
        k.secret_access_key().to_string(),
    )
}

#[tokio::test]
async fn a_key_someone_else_made_after_an_interrupted_rotation_is_never_deleted() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    // The rotation stops right after its secret is made, before it makes any key...
    let out = unleak(
        &m,
        &w,
        &cwd,
        &["rotate", &w.leaked_id, "--yes"],
        &[("UNLEAK_FAILPOINT", "after-create-secret")],
    );
    assert!(!out.status.success(), "{}", text(&out));
    // ...and an administrator gives the user a second key.
    let (theirs, their_secret) = admin_makes_a_key(&w).await;
    let before = keys(&w, APP_USER).await;
    assert_eq!(before.len(), 2, "{before:?}");

    // The plan and the run both refuse, naming the key, and touch nothing.
    for args in [
        vec!["rotate", w.leaked_id.as_str(), "--dry-run"],
        vec!["rotate", w.leaked_id.as_str(), "--yes"],
    ] {
        let out = unleak(&m, &w, &cwd, &args, &[]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(all.contains(&theirs), "{args:?}: {all}");
        assert!(all.contains("did not create"), "{args:?}: {all}");
        assert!(!all.contains("deleted orphan"), "{args:?}: {all}");
        assert!(!all.contains("may be the key"), "{args:?}: {all}");
        assert_eq!(keys(&w, APP_USER).await, before, "{args:?}");
    }
    assert!(
        caller_arn(&m, &theirs, &their_secret).await.is_some(),
        "their key still works"
    );
    assert_eq!(version_count(&w, SECRET_NAME).await, 0);

    // Once they remove it, the rotation resumes and finishes.
    w.iam
        .delete_access_key()
        .user_name(APP_USER)
        .access_key_id(&theirs)
        .send()
        .await
        .unwrap();
    let out = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--yes"], &[]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("Resumed"), "{all}");
    assert_rotated(&m, &w, false, &all).await;
}

#[tokio::test]
async fn a_key_whose_id_never_reached_the_journal_is_not_deleted() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    // The crash falls between CreateAccessKey's answer and journaling its id: the key may be
    // ours, but nothing proves it.
    let out = unleak(
        &m,
        &w,
        &cwd,
        &["rotate", &w.leaked_id, "--yes"],
        &[("UNLEAK_FAILPOINT", "before-journal-key")],
    );
    assert!(
        text(&out).contains("failpoint before-journal-key"),
        "{}",
        text(&out)
    );
    let before = keys(&w, APP_USER).await;
    assert_eq!(before.len(), 2, "{before:?}");
    let unproved = before
        .iter()
        .find(|(id, _)| *id != w.leaked_id)
        .unwrap()
        .0
        .clone();
    let out = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--yes"], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains(&unproved), "{all}");
    assert!(
        all.contains("may be the key an interrupted run was creating"),
        "{all}"
    );
    assert!(all.contains("aws iam delete-access-key"), "{all}");
    assert_eq!(keys(&w, APP_USER).await, before);

    // The user deletes it as told; the rotation then finishes.
    w.iam
        .delete_access_key()
        .user_name(APP_USER)
        .access_key_id(&unproved)
        .send()
        .await
        .unwrap();
    let out = unleak(&m, &w, &cwd, &["rotate", &w.leaked_id, "--yes"], &[]);
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert_rotated(&m, &w, false, &all).await;
}
