//! Canary (honeytoken) accounts: keys minted by canary services alert their owner when used,
//! so keys of these accounts are judged offline and never sent anywhere.

use std::collections::HashSet;

/// Accounts known to issue canary keys (the union of the public lists).
pub const BUILTIN_CANARY_ACCOUNTS: &[&str] = &[
    "052310077262",
    "171436882533",
    "534261010715",
    "595918472158",
    "717712589309",
    "819147034852",
    "992382622183",
    "730335385048",
    "266735846894",
    "893192397702",
    "528757803018",
    "538784191382",
    "729780141977",
    "044858866125",
    "251535659677",
    "344043088457",
    "351906852752",
    "390477818340",
    "426127672474",
    "427150556519",
    "439872796651",
    "445142720921",
    "465867158099",
    "637958123769",
    "693412236332",
    "732624840810",
    "735421457923",
    "959235150393",
    "982842642351",
];

/// The built-in list plus the user's own (`[aws] canary_accounts` in `.unleak.toml`).
#[derive(Clone, Debug)]
pub struct CanaryAccounts(HashSet<String>);

impl CanaryAccounts {
    pub fn new<I, S>(extra: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut set: HashSet<String> = BUILTIN_CANARY_ACCOUNTS
            .iter()
            .map(|s| s.to_string())
            .collect();
        set.extend(extra.into_iter().map(Into::into));
        CanaryAccounts(set)
    }

    pub fn contains(&self, account: &str) -> bool {
        self.0.contains(account)
    }
}

impl Default for CanaryAccounts {
    fn default() -> Self {
        Self::new(std::iter::empty::<String>())
    }
}
