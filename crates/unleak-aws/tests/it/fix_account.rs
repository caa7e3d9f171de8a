//! Key id → account decoding used by `rotate`'s canary and account checks, on the documented
//! test vectors.

#[test]
fn decodes_the_documented_test_vectors() {
    for (id, acct) in [
        ("AKIAXYZDQCEN4B6JSJQI", "534261010715"),
        ("AKIAQYLPMN5HHHFPZAM2", "052310077262"),
        ("AKIASP2TPHJSQH3FJRUX", "171436882533"),
        ("ASIAY34FZKBOKMUTVV7A", "609629065308"),
    ] {
        assert_eq!(
            unleak_aws::rotate::account_of_key_id(id).as_deref(),
            Some(acct),
            "{id}"
        );
    }
    // Old-format ids encode no account.
    assert_eq!(
        unleak_aws::rotate::account_of_key_id("AKIAJ2345ABCDEFGHIJK"),
        None
    );
}
