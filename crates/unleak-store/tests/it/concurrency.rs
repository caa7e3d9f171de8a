//! Six writers at once (threads, each with its own connection, as shard workers have),
//! recording the same secrets in different repositories and in different orders: one secret
//! each, every occurrence kept, no duplicate; a repeated record is idempotent.

use std::collections::HashSet;

use unleak_scan::Finding;
use unleak_store::{AuditRecord, Filter, Store};

use crate::backends::{finding, password_at, Backends};

/// Worker `w`'s findings: the 12 shared secrets (in an order of its own) and 4 of its own.
fn findings_of(w: usize, shared: &[String]) -> Vec<Finding> {
    let mut out: Vec<Finding> = shared
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i % 3 == 0 {
                password_at(
                    s,
                    &format!("cfg/{i}.env"),
                    &format!("{w:02}{i:038}"),
                    "2021-05-01T00:00:00Z",
                )
            } else {
                finding(
                    "aws-access-key-id",
                    "aws-access-key-id",
                    s,
                    &format!("keys/{i}.txt"),
                    &format!("{w:02}{i:038}"),
                    "2021-05-01T00:00:00Z",
                )
            }
        })
        .collect();
    out.rotate_left(w * 5 % shared.len());
    if w % 2 == 1 {
        out.reverse();
    }
    for j in 0..4 {
        out.push(password_at(
            &format!("Own-{w}-{j}-Pw9xq"),
            "own.env",
            "ff",
            "2022-01-01T00:00:00Z",
        ));
    }
    out
}

#[test]
fn six_concurrent_writers_neither_duplicate_nor_lose() {
    let b = Backends::start();
    let shared: Vec<String> = (0..12)
        .map(|i| {
            if i % 3 == 0 {
                format!("Shared-Pw-{i}-Zq81x")
            } else {
                format!("AKIA{:016}", 7_000_000 + i)
            }
        })
        .collect();
    for (backend, target) in b.fresh("writers") {
        Store::open(&target).expect("create");
        std::thread::scope(|sc| {
            for w in 0..6 {
                let (target, shared) = (&target, &shared);
                sc.spawn(move || {
                    let mut s = Store::open(target).expect("open");
                    let fs = findings_of(w, shared);
                    // Three transactions each, interleaving with the other workers'.
                    for part in fs.chunks(6) {
                        s.record_audit(
                            &format!("repo-{w}"),
                            &AuditRecord {
                                findings: part,
                                settings: "s",
                                scanned: &[vec![w as u8; 20]],
                                tips: None,
                            },
                        )
                        .unwrap_or_else(|e| panic!("{backend}: worker {w}: {e}"));
                    }
                });
            }
        });
        let mut s = Store::open(&target).expect("open");
        let rows = s.list(&Filter::default()).expect("list");
        let ids: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), rows.len(), "{backend}: a duplicate secret");
        assert_eq!(rows.len(), 12 + 6 * 4, "{backend}: secrets");
        for r in rows.iter().filter(|r| r.repos == 6) {
            assert_eq!(r.occurrences, 6, "{backend}: {r:?}");
        }
        assert_eq!(
            rows.iter().filter(|r| r.repos == 6).count(),
            12,
            "{backend}"
        );
        let total: u64 = rows.iter().map(|r| r.occurrences).sum();
        assert_eq!(total, 6 * 16, "{backend}: every occurrence kept");
        for w in 0..6u8 {
            let objs = s.scanned_objects(&format!("repo-{w}")).expect("objects");
            assert_eq!(objs, HashSet::from([vec![w; 20]]), "{backend}");
        }

        // A shard run again records the same thing: nothing changes.
        let again = findings_of(2, &shared);
        s.record_audit(
            "repo-2",
            &AuditRecord {
                findings: &again,
                settings: "s",
                scanned: &[vec![2; 20]],
                tips: None,
            },
        )
        .expect("re-run");
        let after = s.list(&Filter::default()).expect("list");
        assert_eq!(after.len(), rows.len(), "{backend}");
        assert_eq!(
            after.iter().map(|r| r.occurrences).sum::<u64>(),
            total,
            "{backend}: idempotent"
        );
    }
}
