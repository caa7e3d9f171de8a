//! Migrations on both backends: from an empty database, from the previous version (v3) with
//! its rows kept, idempotent, and six workers opening one new store at once migrate it once.

use std::collections::BTreeMap;

use unleak_store::{AuditRecord, Filter, Store, SCHEMA_VERSION};

use crate::backends::{password_at, Backends};

#[test]
fn migrate_from_empty_from_v3_and_concurrently() {
    let b = Backends::start();
    for (backend, target) in b.fresh("empty") {
        let mut s = Store::open(&target).unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(s.version().expect("version"), SCHEMA_VERSION, "{backend}");
        assert_eq!(SCHEMA_VERSION, 4);
        // v4's tables are there and empty.
        assert_eq!(s.repo_state("r").expect("state"), None, "{backend}");
        assert!(s.list(&Filter::default()).expect("list").is_empty());
        drop(s);
        // Opening again migrates nothing.
        let mut s = Store::open(&target).expect("again");
        assert_eq!(s.version().expect("version"), SCHEMA_VERSION);
    }

    let secret = "Pg-Sm1gr4t3d-0ld-St0re";
    for (backend, target) in b.fresh("from_v3") {
        let mut old =
            Store::open_at_version(&target, 3).unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(old.version().expect("version"), 3, "{backend}");
        // What a v3 unleak wrote: a secret with an occurrence, triage, scanned objects.
        let f = password_at(secret, "app.env", "c0ffee", "2020-01-01T00:00:00Z");
        old.record("repo-a", std::slice::from_ref(&f))
            .expect("v3 record");
        let id = f.fingerprint();
        old.triage(&id, "accepted", "known", "ann").expect("triage");
        drop(old);

        let mut s = Store::open(&target).unwrap_or_else(|e| panic!("{backend}: v3 to v4: {e}"));
        assert_eq!(s.version().expect("version"), SCHEMA_VERSION, "{backend}");
        let d = s.show(&id).expect("kept");
        assert_eq!(d.secret.status, "accepted", "{backend}");
        assert_eq!(d.locations.len(), 1);
        assert_eq!(d.triage.len(), 1);
        // v3 records carry no settings: not trusted by a v4 audit.
        let st = s.repo_state("repo-a").expect("state").expect("repo");
        assert_eq!(st.settings, "", "{backend}");
        assert!(st.tips.is_empty());
        // And v4's records work on the migrated store.
        let tips = BTreeMap::from([("refs/heads/main".to_string(), "ab".repeat(20))]);
        s.record_audit(
            "repo-a",
            &AuditRecord {
                findings: &[],
                settings: "s1",
                scanned: &[vec![1; 20]],
                tips: Some(&tips),
            },
        )
        .expect("v4 record");
        assert_eq!(
            s.repo_state("repo-a").expect("state").expect("repo").tips,
            tips
        );
    }

    // Six workers start at once against one new store: one migrates, the others wait for it
    // (SQLite's IMMEDIATE transaction, PostgreSQL's advisory lock) and see version 4.
    for (backend, target) in b.fresh("racing") {
        let versions: Vec<i64> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..6)
                .map(|_| {
                    sc.spawn(|| {
                        let mut s = Store::open(&target)
                            .unwrap_or_else(|e| panic!("{backend}: concurrent open: {e}"));
                        s.version().expect("version")
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        assert_eq!(versions, vec![SCHEMA_VERSION; 6], "{backend}");
    }
    if let Ok(n) =
        b.pg.sql("SELECT count(*) FROM pg_database WHERE datname = 'racing'")
    {
        assert_eq!(n, "1");
    }
}
