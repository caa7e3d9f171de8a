//! The scanner's integration tests through its public API, one test binary with a module per
//! area: archives and chunked input, decoding, the pack reader against git itself, provider
//! rules that overlap, redaction, and the text report.

mod archives;
mod decode;
mod pack;
mod provider_overlap;
mod redaction;
mod text_report;
