//! What records keep, on both backends: triage through a re-audit, the earliest introducing
//! commit, scanned objects and tips replaced when the settings change, verdicts and actions
//! by fingerprint, and no secret in plaintext anywhere (the SQLite file's bytes, `pg_dump`).

use std::collections::{BTreeMap, HashSet};

use unleak_store::{Action, AuditRecord, Filter, Store};

use crate::backends::{finding, password_at, Backends};

#[test]
fn triage_survives_a_reaudit_and_records_keep_the_earliest_commit() {
    let b = Backends::start();
    let pw = "Pg-Tr14ged-S3cret-Value";
    let key = "AKIA2E0A8F3B244C9986";
    for (backend, target) in b.fresh("triage") {
        let mut s = Store::open(&target).expect("open");
        let first = [
            password_at(pw, "app.env", "bbbb", "2021-03-01T00:00:00Z"),
            finding(
                "aws-access-key-id",
                "aws-access-key-id",
                key,
                "k.txt",
                "bbbb",
                "2021-03-01T00:00:00Z",
            ),
        ];
        let r = s
            .record_audit(
                "repo",
                &AuditRecord {
                    findings: &first,
                    settings: "s1",
                    scanned: &[],
                    tips: None,
                },
            )
            .expect("record");
        assert_eq!((r.new_secrets, r.findings), (2, 2), "{backend}");
        let id = first[0].fingerprint();
        s.triage(&id, "false-positive", "a fixture", "ann")
            .expect("triage");

        // Re-audit: the same secret again, an older commit for it, and in a second repository.
        let second = [
            password_at(pw, "app.env", "aaaa", "2020-01-01T00:00:00Z"),
            password_at(pw, "other.env", "cccc", "2022-01-01T00:00:00Z"),
        ];
        let r = s
            .record_audit(
                "repo",
                &AuditRecord {
                    findings: &second,
                    settings: "s1",
                    scanned: &[],
                    tips: None,
                },
            )
            .expect("record");
        assert_eq!(r.new_secrets, 0, "{backend}");
        s.record("repo-b", &second[..1]).expect("record b");
        let d = s.show(&id).expect("show");
        assert_eq!(d.secret.status, "false-positive", "{backend}: triage kept");
        assert_eq!(d.triage.len(), 1);
        assert_eq!(d.triage[0].who, "ann");
        assert_eq!(d.secret.repos, 2, "{backend}");
        let app = d
            .locations
            .iter()
            .find(|l| l.repo == "repo" && l.path == "app.env")
            .expect("app.env");
        assert_eq!(app.commit, "aaaa", "{backend}: the earliest commit");
        // A later commit does not replace it.
        s.record(
            "repo",
            &[password_at(pw, "app.env", "dddd", "2023-01-01T00:00:00Z")],
        )
        .expect("later");
        let d = s.show(&id).expect("show");
        let app = d
            .locations
            .iter()
            .find(|l| l.repo == "repo" && l.path == "app.env")
            .unwrap();
        assert_eq!(app.commit, "aaaa", "{backend}");
        assert!(s.false_positives().expect("fps").contains(&id));
        assert_eq!(
            s.list(&Filter {
                status: Some("open".into()),
                ..Filter::default()
            })
            .expect("list")
            .len(),
            1,
            "{backend}: the key is open"
        );
        assert_eq!(
            s.list(&Filter {
                repo: Some("repo-b".into()),
                ..Filter::default()
            })
            .expect("list")
            .len(),
            1,
            "{backend}"
        );
        assert_eq!(
            s.list(&Filter {
                kind: Some("aws-access-key-id".into()),
                ..Filter::default()
            })
            .expect("list")[0]
                .secret,
            key,
            "{backend}: key ids are shown whole"
        );
        // Prefixes resolve (with and without `v2:`).
        assert_eq!(s.show(&id[..12]).expect("prefix").secret.id, id);
        assert_eq!(s.show(&id[3..15]).expect("prefix").secret.id, id);
    }
}

#[test]
fn scanned_records_follow_the_settings_and_actions_land_on_the_secret() {
    let b = Backends::start();
    let pw = "Pg-Act10n-S3cret-Value";
    for (backend, target) in b.fresh("scanned") {
        let mut s = Store::open(&target).expect("open");
        let tips = BTreeMap::from([
            ("HEAD".to_string(), "11".repeat(20)),
            ("refs/heads/main".to_string(), "11".repeat(20)),
        ]);
        let objs = vec![vec![1u8; 20], vec![2u8; 20]];
        let f = [password_at(pw, "a.env", "c1", "2021-01-01T00:00:00Z")];
        s.record_audit(
            "r",
            &AuditRecord {
                findings: &f,
                settings: "s1",
                scanned: &objs,
                tips: Some(&tips),
            },
        )
        .expect("record");
        let st = s.repo_state("r").expect("state").expect("repo");
        assert_eq!((st.settings.as_str(), &st.tips), ("s1", &tips), "{backend}");
        assert_eq!(s.scanned_objects("r").expect("objects").len(), 2);
        // An incomplete scan (tips: None) adds objects and keeps the tips.
        s.record_audit(
            "r",
            &AuditRecord {
                findings: &[],
                settings: "s1",
                scanned: &[vec![3u8; 20]],
                tips: None,
            },
        )
        .expect("record");
        assert_eq!(
            s.scanned_objects("r").expect("objects").len(),
            3,
            "{backend}"
        );
        assert_eq!(s.repo_state("r").expect("state").expect("repo").tips, tips);
        // Other settings: the old records are dropped, the new ones replace them.
        s.record_audit(
            "r",
            &AuditRecord {
                findings: &[],
                settings: "s2",
                scanned: &[vec![9u8; 20]],
                tips: None,
            },
        )
        .expect("record");
        let st = s.repo_state("r").expect("state").expect("repo");
        assert_eq!(st.settings, "s2", "{backend}");
        assert!(st.tips.is_empty(), "{backend}");
        assert_eq!(
            s.scanned_objects("r").expect("objects"),
            HashSet::from([vec![9u8; 20]])
        );

        // Verdicts and actions by fingerprint; an unknown one records nothing.
        let id = f[0].fingerprint();
        assert!(s
            .record_verdict(&id, "invalid", "login refused")
            .expect("verdict"));
        let a = Action {
            action: "rotate-db",
            outcome: "rotated",
            detail: "secret unleak/db/x",
            who: "ann",
        };
        assert!(s.record_action(&id, &a).expect("action"));
        assert!(
            !s.record_action("v2:0000", &a).expect("unknown"),
            "{backend}"
        );
        let d = s.show(&id).expect("show");
        assert_eq!(d.verdicts.len(), 1);
        assert_eq!(d.verdicts[0].status, "invalid");
        assert_eq!(d.actions.len(), 1, "{backend}");
        assert_eq!(d.actions[0].action, "rotate-db");
        assert_eq!(d.actions[0].who, "ann");
        assert_eq!(d.secret.verdict.as_deref(), Some("invalid"));
        assert_eq!(
            s.list(&Filter {
                verdict: Some("invalid".into()),
                ..Filter::default()
            })
            .expect("list")
            .len(),
            1
        );
        assert_eq!(
            s.rule_ids("db-password").expect("rules"),
            vec!["db-password-assignment"]
        );
    }
}

#[test]
fn no_secret_in_plaintext_in_either_store() {
    let b = Backends::start();
    let secrets = [
        "Pg-N0-Pl41ntext-Here-1",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYNOTAKEY12",
        "Zx9-Third-Secret-Kq2",
    ];
    for (backend, target) in b.fresh("private") {
        let mut s = Store::open(&target).expect("open");
        let fs: Vec<_> = secrets
            .iter()
            .enumerate()
            .map(|(i, v)| password_at(v, &format!("f{i}.env"), "c", "2021-01-01T00:00:00Z"))
            .collect();
        s.record_audit(
            "r",
            &AuditRecord {
                findings: &fs,
                settings: "s",
                scanned: &[],
                tips: None,
            },
        )
        .expect("record");
        s.triage(&fs[0].fingerprint(), "revoked", "rotated by ann", "ann")
            .expect("triage");
        let rows = s.list(&Filter::default()).expect("list");
        assert_eq!(rows.len(), 3);
        for r in &rows {
            assert!(r.secret.ends_with('…'), "{backend}: redacted: {}", r.secret);
        }
        drop(s);
        let haystack: Vec<u8> = match backend {
            "SQLite" => b.sqlite_bytes("private"),
            _ => b.pg.dump("private").expect("pg_dump").into_bytes(),
        };
        assert!(
            haystack.windows(8).any(|w| w == b"db-passw"),
            "{backend}: the dump holds the rows (so the search below means something)"
        );
        for v in secrets {
            assert!(
                !haystack.windows(v.len()).any(|w| w == v.as_bytes()),
                "{backend} holds a secret in plaintext"
            );
        }
    }
}
