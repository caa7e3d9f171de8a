//! User rules through the real binary: a validator given odd input must not crash the scan
//! (the `github-checksum` panic on a multi-byte character), and a rule that does not compile
//! is reported with the file and line it is written at.

use std::process::Stdio;

fn scan(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = unleak_testsupport::unleak::command()
        .args(args)
        .current_dir(dir)
        .env("UNLEAK_TEST", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run unleak");
    (
        out.status.code().expect("exited normally, not by a signal"),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A rule table's body in TOML.
fn rule(id: &str, regex: &str, validators: &str) -> String {
    format!(
        "id = \"{id}\"\nname = \"t\"\nkind = \"t\"\nkeywords = [\"tok_\"]\nregex = '''{regex}'''\nvalidators = [{validators}]\nexamples = [\"tok_abc\"]\n"
    )
}

#[test]
fn a_checksum_validator_on_multi_byte_text_does_not_crash_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".unleak.toml"),
        format!(
            "[[rules.extra]]\n{}",
            rule("tok", r"(?P<secret>tok_[^\s]+)", "\"github-checksum\"")
        ),
    )
    .unwrap();
    // The multi-byte character at every position of the checksum's tail.
    let mut text = String::new();
    for i in 0..8 {
        let mut tail: Vec<char> = "ab1234567".chars().collect();
        tail.insert(i, 'é');
        text.push_str(&format!(
            "x = tok_{}\n",
            tail.into_iter().collect::<String>()
        ));
    }
    std::fs::write(dir.path().join("a.txt"), text).unwrap();
    let (code, all) = scan(dir.path(), &["scan", "."]);
    assert!(!all.contains("panicked"), "{all}");
    assert_eq!(code, 0, "no valid checksum, no finding: {all}");
}

#[test]
fn a_rule_that_does_not_compile_is_reported_at_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = rule("good", r"(?P<secret>tok_[a-z]+)", "");
    let cases = [
        (
            rule("bad", r"(?P<secret>tok_[a-z", ""),
            "regex does not compile",
        ),
        (
            rule("bad", r"tok_[a-z]+", ""),
            "no capture group named `secret`",
        ),
        (
            rule("bad", r"(?P<secret>tok_[a-z]+)", "\"no-such\""),
            "unknown validator `no-such`",
        ),
    ];
    for (bad, want) in &cases {
        // The bad rule is the second one; its table starts on this line.
        let head = format!("[rules]\ndisable = []\n\n[[rules.extra]]\n{good}\n");
        let line = head.lines().count() + 1;
        std::fs::write(
            dir.path().join(".unleak.toml"),
            format!("{head}[[rules.extra]]\n{bad}"),
        )
        .unwrap();
        let (code, all) = scan(dir.path(), &["scan", "."]);
        assert_eq!(code, 2, "{all}");
        assert!(all.contains(want), "{want}: {all}");
        assert!(
            all.contains(&format!(".unleak.toml line {line}: rule `bad`")),
            "{want}: file and line {line} in {all}"
        );

        // The same rule in a rules file for `unleak rules check`.
        let head = format!("# user rules\n\n[[rules]]\n{good}\n");
        let line = head.lines().count() + 1;
        std::fs::write(
            dir.path().join("mine.toml"),
            format!("{head}[[rules]]\n{bad}"),
        )
        .unwrap();
        let (code, all) = scan(dir.path(), &["rules", "check", "mine.toml"]);
        assert_eq!(code, 2, "{all}");
        assert!(
            all.contains(&format!("mine.toml line {line}: rule `bad`")),
            "{want}: file and line {line} in {all}"
        );
    }
}
