//! The judge against a real local AWS emulator (moto on 127.0.0.1, auth checks on): every
//! status, the canary guarantee (no request carries a canary key), a black-hole endpoint,
//! old-format ids, and each key judged once. Every endpoint here is a loopback address, and
//! every setting is explicit, so no environment credential or profile is ever used.

use std::time::Duration;

use unleak_aws::canary::CanaryAccounts;
use unleak_aws::client::{AwsSettings, CredentialSource};
use unleak_aws::judge::{judge, JudgeOptions, KeyToJudge, Status, Verdict};
use unleak_testsupport::keys::{key_id_for_account, secret_access_key as fake_secret};
use unleak_testsupport::moto::{AccessKey as Key, Moto};
use unleak_testsupport::tap::Tap;

/// moto's default account: the account its key ids encode.
const MOTO_ACCOUNT: &str = "123456789012";

/// A moto server (auth on) with an `auditor` user allowed everything, and IAM users with keys:
/// `alice` (active), `bob` (deactivated), `carol` (key deleted), `dave` (active).
struct World {
    moto: Moto,
    auditor: Key,
    alice: Key,
    bob: Key,
    carol: Key,
    dave: Key,
}

fn settings(endpoint: &str, credentials: CredentialSource) -> AwsSettings {
    AwsSettings {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some(endpoint.into()),
        credentials,
        operation_timeout: Duration::from_secs(10),
        max_attempts: 2,
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

impl World {
    fn new() -> World {
        let moto = Moto::start();
        // Auth is still off: moto is seeded without signatures.
        let auditor = moto.create_user("auditor");
        moto.allow("auditor", "*");
        let alice = moto.create_user("alice");
        let bob = moto.create_user("bob");
        moto.deactivate_key("bob", &bob.id);
        let carol = moto.create_user("carol");
        moto.delete_key("carol", &carol.id);
        let dave = moto.create_user("dave");
        moto.enable_auth();
        World {
            moto,
            auditor,
            alice,
            bob,
            carol,
            dave,
        }
    }

    fn auditor(&self) -> CredentialSource {
        CredentialSource::Static {
            access_key_id: self.auditor.id.clone(),
            secret_access_key: self.auditor.secret.clone(),
        }
    }

    fn options(&self, endpoint: &str, with_auditor: bool) -> JudgeOptions {
        JudgeOptions {
            aws: settings(
                endpoint,
                if with_auditor {
                    self.auditor()
                } else {
                    CredentialSource::None
                },
            ),
            signature_retry_delay: Duration::from_millis(20),
            ..JudgeOptions::default()
        }
    }
}

fn pair(k: &Key) -> KeyToJudge {
    KeyToJudge::new(&k.id, Some(k.secret.clone()))
}

fn verdict_of(results: &[(KeyToJudge, Verdict)], key: &KeyToJudge) -> Verdict {
    results
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no verdict for {key:?} in {results:?}"))
}

fn reason(v: &Verdict) -> &str {
    v.reason.as_deref().unwrap_or_default()
}

#[test]
fn a_working_pair_is_live_and_judged_once() {
    let rt = rt();
    let w = World::new();
    let tap = Tap::forward_to(w.moto.port);
    let keys = vec![pair(&w.alice), pair(&w.alice), pair(&w.alice)];
    let results = rt.block_on(judge(keys, &w.options(&tap.endpoint, true)));

    assert_eq!(results.len(), 1, "{results:?}");
    let v = &results[0].1;
    assert_eq!(v.status, Status::Live, "{v:?}");
    assert_eq!(v.account.as_deref(), Some(MOTO_ACCOUNT));
    assert!(
        v.arn
            .as_deref()
            .unwrap_or_default()
            .ends_with(":user/alice"),
        "{v:?}"
    );
    assert_eq!(v.user.as_deref(), Some("alice"));
    assert_eq!(
        tap.requests_signed_by(&w.alice.id),
        1,
        "one GetCallerIdentity"
    );
}

#[test]
fn iam_tells_inactive_and_deleted_keys_apart() {
    let rt = rt();
    let w = World::new();
    let keys = vec![
        pair(&w.bob),
        pair(&w.carol),
        KeyToJudge::new(&w.alice.id, None),
    ];
    let results = rt.block_on(judge(keys, &w.options(&w.moto.endpoint, true)));

    let bob = verdict_of(&results, &pair(&w.bob));
    assert_eq!(bob.status, Status::Inactive, "{bob:?}");
    assert_eq!(bob.user.as_deref(), Some("bob"));
    assert_eq!(reason(&bob), "inactive in IAM");

    let carol = verdict_of(&results, &pair(&w.carol));
    assert_eq!(carol.status, Status::Invalid, "{carol:?}");
    assert_eq!(reason(&carol), "deleted");

    // Without a secret, IAM's word is all there is, and the reason says so.
    let alice = verdict_of(&results, &KeyToJudge::new(&w.alice.id, None));
    assert_eq!(alice.status, Status::Unknown, "{alice:?}");
    assert_eq!(alice.user.as_deref(), Some("alice"));
    assert!(reason(&alice).contains("active in IAM"), "{alice:?}");
    assert!(reason(&alice).contains("no full secret"), "{alice:?}");
}

#[test]
fn without_an_auditor_sts_answers_alone() {
    let rt = rt();
    let w = World::new();
    let keys = vec![pair(&w.carol), pair(&w.alice)];
    let results = rt.block_on(judge(keys, &w.options(&w.moto.endpoint, false)));

    // moto's InvalidClientTokenId comes in XML the SDK cannot parse: read from the raw body.
    let carol = verdict_of(&results, &pair(&w.carol));
    assert_eq!(carol.status, Status::Invalid, "{carol:?}");
    assert!(
        reason(&carol).contains("does not know this key id"),
        "{carol:?}"
    );
    assert_eq!(carol.account.as_deref(), Some(MOTO_ACCOUNT));

    let alice = verdict_of(&results, &pair(&w.alice));
    assert_eq!(alice.status, Status::Live, "{alice:?}");
}

#[test]
fn a_wrong_secret_is_retried_once_then_invalid() {
    let rt = rt();
    let w = World::new();
    let tap = Tap::forward_to(w.moto.port);
    let wrong = KeyToJudge::new(&w.dave.id, Some(fake_secret()));
    let results = rt.block_on(judge(vec![wrong.clone()], &w.options(&tap.endpoint, true)));

    let v = verdict_of(&results, &wrong);
    assert_eq!(v.status, Status::Invalid, "{v:?}");
    assert_eq!(reason(&v), "wrong secret for an existing key id");
    assert_eq!(v.user.as_deref(), Some("dave"));
    assert_eq!(
        tap.requests_signed_by(&w.dave.id),
        2,
        "first try and one retry"
    );
}

#[test]
fn canary_keys_are_never_sent_anywhere() {
    let rt = rt();
    let w = World::new();
    let tap = Tap::forward_to(w.moto.port);
    let builtin = KeyToJudge::new("AKIAXYZDQCEN4B6JSJQI", Some(fake_secret()));
    let own = KeyToJudge::new(
        key_id_for_account("AKIA", 111122223333, "CANARY2"),
        Some(fake_secret()),
    );
    let mut opts = w.options(&tap.endpoint, true);
    opts.canaries = CanaryAccounts::new(["111122223333"]);
    let keys = vec![builtin.clone(), own.clone(), pair(&w.alice)];
    let results = rt.block_on(judge(keys, &opts));

    for (k, account) in [(&builtin, "534261010715"), (&own, "111122223333")] {
        let v = verdict_of(&results, k);
        assert_eq!(v.status, Status::Canary, "{v:?}");
        assert_eq!(v.account.as_deref(), Some(account));
        assert!(reason(&v).contains("not used"), "{v:?}");
        assert!(
            !tap.traffic().contains(&k.access_key_id),
            "canary key id {} reached the server",
            k.access_key_id
        );
    }
    // The tap does see real traffic: the non-canary key in the same run was judged through it.
    assert_eq!(verdict_of(&results, &pair(&w.alice)).status, Status::Live);
    assert!(tap.requests_signed_by(&w.alice.id) >= 1);
}

#[test]
fn a_run_of_canaries_opens_no_connection() {
    let rt = rt();
    let hole = Tap::black_hole();
    let keys = vec![
        KeyToJudge::new("AKIAQYLPMN5HHHFPZAM2", Some(fake_secret())),
        KeyToJudge::new("AKIASP2TPHJSQH3FJRUX", None),
    ];
    let opts = JudgeOptions {
        aws: settings(&hole.endpoint, CredentialSource::None),
        ..JudgeOptions::default()
    };
    let results = rt.block_on(judge(keys, &opts));
    assert!(
        results.iter().all(|(_, v)| v.status == Status::Canary),
        "{results:?}"
    );
    assert_eq!(hole.connections(), 0);
}

#[test]
fn a_black_hole_endpoint_ends_unknown_with_the_reason() {
    let rt = rt();
    let hole = Tap::black_hole();
    let key = KeyToJudge::new(
        key_id_for_account("AKIA", 123456789012, "HOLE234"),
        Some(fake_secret()),
    );
    let mut opts = JudgeOptions {
        aws: settings(&hole.endpoint, CredentialSource::None),
        ..JudgeOptions::default()
    };
    opts.aws.operation_timeout = Duration::from_millis(500);
    let results = rt.block_on(judge(vec![key.clone()], &opts));

    let v = verdict_of(&results, &key);
    assert_eq!(v.status, Status::Unknown, "{v:?}");
    assert_eq!(reason(&v), "timed out after 0.5 s");
    assert!(
        hole.connections() >= 1,
        "the request did reach the black hole"
    );
}

#[test]
fn the_overall_deadline_bounds_a_run() {
    let rt = rt();
    let hole = Tap::black_hole();
    let key = KeyToJudge::new(
        key_id_for_account("AKIA", 123456789012, "SLOW234"),
        Some(fake_secret()),
    );
    let opts = JudgeOptions {
        aws: settings(&hole.endpoint, CredentialSource::None),
        deadline: Duration::from_millis(300),
        ..JudgeOptions::default()
    };
    let results = rt.block_on(judge(vec![key.clone()], &opts));
    let v = verdict_of(&results, &key);
    assert_eq!(v.status, Status::Unknown, "{v:?}");
    assert!(reason(&v).contains("overall deadline"), "{v:?}");
}

#[test]
fn old_format_ids_get_their_account_from_the_auditor() {
    let rt = rt();
    let w = World::new();
    let tap = Tap::forward_to(w.moto.port);
    let old = KeyToJudge::new("AKIAJ5Q7R2D4E6F7G2H3", Some(fake_secret()));

    // moto answers GetAccessKeyInfo with the caller's account for ids it does not know, and
    // IAM then says the key does not exist there.
    let results = rt.block_on(judge(vec![old.clone()], &w.options(&tap.endpoint, true)));
    let v = verdict_of(&results, &old);
    assert_eq!(v.status, Status::Invalid, "{v:?}");
    assert_eq!(v.account.as_deref(), Some(MOTO_ACCOUNT));
    assert!(tap.traffic().contains("Action=GetAccessKeyInfo"));

    // The same id when that account is a canary account: the auditor asked, the key unused.
    let tap = Tap::forward_to(w.moto.port);
    let mut opts = w.options(&tap.endpoint, true);
    opts.canaries = CanaryAccounts::new([MOTO_ACCOUNT]);
    let results = rt.block_on(judge(vec![old.clone()], &opts));
    let v = verdict_of(&results, &old);
    assert_eq!(v.status, Status::Canary, "{v:?}");
    assert!(tap.traffic().contains("Action=GetAccessKeyInfo"));
    assert!(tap.requests_signed_by(&w.auditor.id) >= 1);
    assert_eq!(tap.requests_signed_by(&old.access_key_id), 0);

    // Without an auditor the account stays unknown, and the key is not used either.
    let tap = Tap::forward_to(w.moto.port);
    let results = rt.block_on(judge(vec![old.clone()], &w.options(&tap.endpoint, false)));
    let v = verdict_of(&results, &old);
    assert_eq!(v.status, Status::Unknown, "{v:?}");
    assert!(reason(&v).contains("account unknown"), "{v:?}");
    assert_eq!(tap.requests_signed_by(&old.access_key_id), 0);
}
