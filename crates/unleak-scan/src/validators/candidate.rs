//! What a validator looks at: a candidate secret with its line and context.

/// A candidate on its way to becoming a finding.
pub struct Candidate<'a> {
    pub secret: String,
    /// The source line the secret starts on.
    pub line: &'a [u8],
    /// What follows the secret on its line (bounded): an unquoted value followed by arguments
    /// is the head of an expression (`include "x" (dict …)`, `coalesce .Values.a`).
    pub after: &'a [u8],
    /// What precedes the secret on its line (bounded): inside an open `{{` it is template code.
    pub before: &'a [u8],
    /// The lines before the secret's line (bounded, ending with its newline): the block a
    /// value stands in (`algolia: {`, `[params.algolia]`) is named there.
    pub lines_before: &'a [u8],
    pub path: &'a str,
    /// The name the secret is assigned to, when the rule captures it (`key` group).
    pub key: Option<&'a [u8]>,
    /// The secret stood between matching quotes in the source (a string literal).
    pub quoted: bool,
    pub encrypted: Option<bool>,
}
