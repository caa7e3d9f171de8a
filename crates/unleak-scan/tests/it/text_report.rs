//! The text report orders a large report quickly: files holding a live key first, findings
//! grouped by file, by verdict and line within it. (Ranking each file by scanning every finding
//! in each comparison took 111 s for 60k findings; this report has 100k.)

use std::collections::HashMap;

use unleak_scan::report::{self, Format, Style};
use unleak_scan::stats::StatsSummary;
use unleak_scan::{Confidence, Excerpt, Finding, RuleSet, Verification};

fn finding(path: String, line: u32, status: Option<&str>, secret: String) -> Finding {
    let text = format!("TOKEN={secret}");
    Finding {
        rule_id: "r".into(),
        kind: "k".into(),
        description: "d".into(),
        advice: "a".into(),
        path,
        line,
        end_line: line,
        column: 7,
        excerpt: Excerpt::new(text.as_bytes(), 6, text.len()),
        secret,
        confidence: Confidence::High,
        entropy: 4.0,
        encrypted: None,
        pair: None,
        commit: None,
        verification: status.map(|s| {
            Box::new(Verification {
                status: serde_json::from_value(serde_json::json!(s)).unwrap(),
                ..Default::default()
            })
        }),
    }
}

fn rank(status: Option<&str>) -> u8 {
    match status {
        Some("live") => 0,
        Some("unknown") => 1,
        Some("inactive") => 2,
        None => 3,
        Some(_) => 4,
    }
}

#[test]
fn a_report_of_100k_findings_is_ordered_by_file_rank_then_path_then_line() {
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let statuses = [
        None,
        None,
        None,
        Some("live"),
        Some("inactive"),
        Some("invalid"),
    ];
    let mut findings = Vec::new();
    let mut file_rank: HashMap<String, u8> = HashMap::new();
    for i in 0..100_000u32 {
        let path = format!("dir{}/file{}.env", next() % 50, next() % 100);
        let status = statuses[(next() % statuses.len() as u64) as usize];
        let r = file_rank.entry(path.clone()).or_insert(u8::MAX);
        *r = (*r).min(rank(status));
        findings.push(finding(
            path,
            (next() % 5000) as u32 + 1,
            status,
            format!("s3cr3t{i:08}x"),
        ));
    }
    let mut out = Vec::new();
    let started = std::time::Instant::now();
    report::write(
        &mut out,
        Format::Text,
        &findings,
        &StatsSummary::default(),
        &RuleSet::builtin().unwrap(),
        Style::default(),
    )
    .unwrap();
    eprintln!("text report of 100k findings: {:?}", started.elapsed());
    let text = String::from_utf8(out).unwrap();
    // File headers: each file once, in (rank, path) order.
    let headers: Vec<&str> = text
        .lines()
        .filter(|l| {
            !l.starts_with(' ')
                && !l.is_empty()
                && !l.contains(" findings in ")
                && !l.contains(" findings (")
        })
        .collect();
    assert_eq!(headers.len(), file_rank.len());
    let keys: Vec<(u8, &str)> = headers.iter().map(|h| (file_rank[*h], *h)).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "files out of order");
    assert!(keys[0].0 == 0, "a file with a live key comes first");
    // Within a file: by verdict, then line.
    let header_set: std::collections::HashSet<&str> = headers.iter().copied().collect();
    let mut current = "";
    let mut last: Option<(u8, u32)> = None;
    for l in text.lines() {
        if header_set.contains(l) {
            current = l;
            last = None;
        } else if let Some(at) = l.find(&format!("  {current}:")) {
            let pos = &l[at + current.len() + 3..];
            let line: u32 = pos.split(':').next().unwrap().parse().unwrap();
            let status = ["[LIVE]", "[INACTIVE]", "[INVALID]"]
                .iter()
                .position(|t| l.trim_start().starts_with(t))
                .map_or(3, |i| [0, 2, 4][i]);
            let key = (status, line);
            assert!(last.is_none_or(|p| p <= key), "{l}");
            last = Some(key);
        }
    }
}

/// The same value in 40 files is one text entry listing a few of its locations and counting
/// the rest; JSON keeps a record per location and says how many there are.
#[test]
fn a_repeated_secret_is_one_text_entry_and_json_counts_its_occurrences() {
    let repeated = "Zq8vR2mK4tXw9pLc".to_string();
    let mut findings: Vec<Finding> = (0..40)
        .map(|i| finding(format!("docs/v{i:02}/api.md"), 12, None, repeated.clone()))
        .collect();
    findings.push(finding(
        "app/.env".into(),
        3,
        None,
        "Hn3sW7qD1yFb5kGe".into(),
    ));
    let render = |format| {
        let mut out = Vec::new();
        report::write(
            &mut out,
            format,
            &findings,
            &StatsSummary::default(),
            &RuleSet::builtin().unwrap(),
            Style::default(),
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    };
    let text = render(Format::Text);
    let entries = text
        .lines()
        .filter(|l| l.trim_start().starts_with("→"))
        .count();
    assert_eq!(entries, 2, "{text}");
    let also: Vec<&str> = text.lines().filter(|l| l.contains("also at")).collect();
    assert_eq!(also.len(), 1, "{text}");
    assert!(
        also[0].contains("docs/v01/api.md:12, docs/v02/api.md:12")
            && also[0].ends_with("and 34 more"),
        "{}",
        also[0]
    );
    assert!(
        text.contains("41 findings (2 distinct secrets) in"),
        "{text}"
    );
    // Neither value appears in full.
    assert!(!text.contains(&repeated) && !text.contains("Hn3sW7qD1yFb5kGe"));

    let json: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
    let counts: Vec<u64> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["occurrences"].as_u64().unwrap())
        .collect();
    assert_eq!(counts.len(), 41);
    assert_eq!(counts.iter().filter(|&&c| c == 40).count(), 40);
    assert_eq!(counts.iter().filter(|&&c| c == 1).count(), 1);
}
