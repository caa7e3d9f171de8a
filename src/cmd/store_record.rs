//! What the judge and the fixers record in a findings store (`--store` on `verify`, `rotate`,
//! `store` and `rotate-db`): a verdict or an action against the secret it was about, found by
//! fingerprint. The store keys a secret by `unleak_scan`'s fingerprint of (rule id, value);
//! a fixer that holds the value but not the rule that found it (`rotate AKIA…`, `rotate-db
//! URI`) tries the value under every rule the store found secrets of that kind by, so the
//! action lands on the secret whichever rule reported it. Nothing recorded carries a value:
//! an outcome word and, as detail, where things went (a secret's name, a new key's id).

use anyhow::Result;
use unleak_scan::kind::shown_whole;
use unleak_store::{Action, Store};

/// Who is acting: `$USER`, else `unknown`.
pub fn who() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The fingerprints the store may know `values` (one secret, as written and decoded) of
/// `kind` by: under `rule` (when the finding is at hand) and under each rule of the store's
/// secrets of this kind.
fn fingerprints(
    store: &mut Store,
    kind: &str,
    rule: Option<&str>,
    values: &[&str],
) -> Result<Vec<String>> {
    let mut rules = store.rule_ids(kind)?;
    rules.extend(rule.map(str::to_string));
    rules.sort();
    rules.dedup();
    let mut fps: Vec<String> = rules
        .iter()
        .flat_map(|r| {
            values
                .iter()
                .map(move |v| unleak_scan::fingerprint::of(r, v, shown_whole(kind)))
        })
        .collect();
    fps.sort();
    fps.dedup();
    Ok(fps)
}

/// Record `action` against the store's secret(s) that are `values` of `kind`; how many there
/// were. None is a note, not an error: the fix was made, the store just never saw the secret.
pub fn action(
    store: &mut Store,
    kind: &str,
    rule: Option<&str>,
    values: &[&str],
    action: &Action<'_>,
) -> Result<usize> {
    Ok(record(store, kind, rule, values, action)?.len())
}

/// A finished rotation (`rotate`, `rotate-db`): recorded as [`action`] records, and the secret's
/// triage status set to `rotated`, noted with what was done: the value found no longer works,
/// so its findings are settled (a later audit keeps the status, as it keeps any triage).
pub fn rotation(
    store: &mut Store,
    kind: &str,
    rule: Option<&str>,
    values: &[&str],
    action: &Action<'_>,
) -> Result<usize> {
    let found = record(store, kind, rule, values, action)?;
    let note = format!("unleak {}: {}", action.action, action.detail);
    for fp in &found {
        store.triage(fp, "rotated", &note, action.who)?;
    }
    Ok(found.len())
}

/// The fingerprints of the store's secrets `action` was recorded against.
fn record(
    store: &mut Store,
    kind: &str,
    rule: Option<&str>,
    values: &[&str],
    action: &Action<'_>,
) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for fp in fingerprints(store, kind, rule, values)? {
        if store.record_action(&fp, action)? {
            found.push(fp);
        }
    }
    if found.is_empty() {
        crate::output::note(&format!(
            "the findings store {} has no such {kind}: nothing recorded (audit the repository into it first)",
            store.name()
        ));
    }
    Ok(found)
}
