//! Every rule proves itself on its own examples: each positive example must yield a finding
//! of that rule, each negative example none. Run by the test suite and by `rules check`.

use crate::matcher::Matcher;
use crate::rules::RuleSet;

/// Check all examples of all rules in `set`, with the whole set active (pairing rules need
/// their partners). Returns one message per failure.
pub fn check_examples(set: &RuleSet) -> Vec<String> {
    let specs: Vec<_> = set.rules.iter().map(|r| r.spec.clone()).collect();
    let matcher = match RuleSet::from_specs(specs.clone(), true) {
        Ok(s) => Matcher::new(s),
        Err(e) => return vec![e.to_string()],
    };
    let mut failures = Vec::new();
    for spec in &specs {
        if spec.examples.is_empty() {
            failures.push(format!("rule `{}`: has no examples", spec.id));
        }
        for ex in &spec.examples {
            let found = matcher.scan_text(ex.path(), ex.text().as_bytes());
            if !found.iter().any(|f| f.rule_id == spec.id) {
                let got: Vec<_> = found.iter().map(|f| f.rule_id.as_str()).collect();
                failures.push(format!(
                    "rule `{}`: example not found: {:?} (found: {got:?})",
                    spec.id,
                    ex.text()
                ));
            }
        }
        for ex in &spec.negative_examples {
            let found = matcher.scan_text(ex.path(), ex.text().as_bytes());
            if let Some(f) = found.iter().find(|f| f.rule_id == spec.id) {
                failures.push(format!(
                    "rule `{}`: negative example reported ({:?}): {:?}",
                    spec.id,
                    f.secret,
                    ex.text()
                ));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile_and_pass_their_examples() {
        let set = RuleSet::builtin_with_examples().expect("built-in rules load");
        for r in &set.rules {
            r.precompile().unwrap_or_else(|e| panic!("{e}"));
        }
        let failures = check_examples(&set);
        assert!(
            failures.is_empty(),
            "{} failure(s):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn core_kinds_are_covered() {
        let set = RuleSet::builtin().unwrap();
        for kind in crate::rules::CORE_KINDS {
            assert!(
                set.rules.iter().any(|r| r.spec.kind == *kind),
                "no rule of kind {kind}"
            );
        }
    }
}
