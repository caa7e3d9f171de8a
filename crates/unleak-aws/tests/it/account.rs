//! The offline account decoder against the documented test vectors, and the canary list.
//! (Key ids live here, under `crates/*/tests/**`, which the project allowlists.)

use unleak_aws::account::{decode_account, is_key_id, is_long_term, is_new_format};
use unleak_aws::canary::CanaryAccounts;

use unleak_testsupport::keys::key_id_for_account;

#[test]
fn documented_vectors_decode_to_their_accounts() {
    for (id, account) in [
        ("AKIAXYZDQCEN4B6JSJQI", "534261010715"),
        ("AKIAQYLPMN5HHHFPZAM2", "052310077262"),
        ("AKIASP2TPHJSQH3FJRUX", "171436882533"),
        ("ASIAY34FZKBOKMUTVV7A", "609629065308"),
    ] {
        assert_eq!(decode_account(id).as_deref(), Some(account), "{id}");
    }
}

#[test]
fn old_format_and_malformed_ids_do_not_decode() {
    for id in [
        "AKIAIOSFODNN7EXAMPLE",
        "AKIAJ5Q7R2D4E6F7G2H3",
        "AKIAXYZDQCEN4B6JSJQ",
        "AKIAXYZDQCEN4B6JSJQ1",
        "AIDAXYZDQCEN4B6JSJQI",
        "akiaxyzdqcen4b6jsjqi",
        "",
    ] {
        assert_eq!(decode_account(id), None, "{id}");
    }
    assert!(is_key_id("AKIAJ5Q7R2D4E6F7G2H3"));
    assert!(!is_new_format("AKIAJ5Q7R2D4E6F7G2H3"));
    assert!(is_new_format("AKIA2MMZSB246PLHAV6K"));
    assert!(is_long_term("AKIA2MMZSB246PLHAV6K"));
    assert!(!is_long_term("ASIAY34FZKBOKMUTVV7A"));
}

#[test]
fn encoded_accounts_round_trip() {
    for account in [0u64, 1, 123456789012, 999999999999, 52310077262] {
        let id = key_id_for_account("AKIA", account, "ABCDEFG");
        assert_eq!(id.len(), 20);
        assert_eq!(decode_account(&id), Some(format!("{account:012}")), "{id}");
    }
}

#[test]
fn canary_list_is_builtin_plus_config() {
    let c = CanaryAccounts::new(["111122223333"]);
    assert!(c.contains("534261010715"));
    assert!(c.contains("111122223333"));
    assert!(!c.contains("123456789012"));
    assert!(!CanaryAccounts::default().contains("111122223333"));
}
