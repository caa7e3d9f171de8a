#!/usr/bin/env python3
"""Real-world accuracy benchmark (issue 17): unleak, betterleaks and kingfisher on public repositories.

    python3 bench/realworld.py                      # scan every repository in bench/realworld/repos.toml
    python3 bench/realworld.py --unleak PATH        # compare another unleak binary (e.g. a branch's)
    python3 bench/realworld.py --only owner/name    # one repository (repeatable)
    python3 bench/realworld.py --dump-unlabelled    # list findings no label covers, redacted, for labelling
    python3 bench/realworld.py --reuse              # reuse the last run's normalised findings (no rescan)

Inputs. `bench/realworld/repos.toml` names each repository, the commit scanned, its kind and why it
is here. The tree at that commit is materialised from the bare mirror the `fetch` tool makes
(`/work/.mirror/OWNER+NAME/repo`, or `--mirrors DIR`) into `--work DIR`; blobs absent from the
mirror (large files a snapshot leaves out) are skipped and counted. Nothing fetched is committed:
`bench/realworld/labels.tsv` holds only repository, commit, path, line, a hash of the value, the
label and a short note of ours.

Tools, all offline: unleak `scan DIR -f json --show-secrets`; betterleaks `DIR -o report.json`
(gitleaks-like, never calls out); kingfisher `scan DIR --no-validate --git-history none --no-dedup
--format json` (`--no-dedup` so it reports every location, as the other two do). Every tool runs
with its default rules and confidence threshold. Secrets never leave this process: each finding
is reduced at once to (path, first line, last line, rule, value hash), where the hash is the first
16 hex digits of sha256 of the value as the tool reports it (unleak `secret`, betterleaks
`match.value`, kingfisher `snippet`). The normalised findings (no values) are kept in
`--work/findings/` for `--reuse`.

Matching a finding to a label: labels are looked up by (repository, commit, path) and a line in
the finding's line span (peers report a private key as lines 1..27, unleak as line 1). If a label
at that location has the finding's value hash it is used (a tie-break when a line holds two
values); otherwise the label at the finding's first line, else the first at any line of the span.
The tools report values differently (a whole `user:pass@host` vs the password, a key with or
without its quotes), so the location decides and the hash only separates values on one line.

Labels, judged by eye on the union of the three tools' findings:
  real          a credential that looks real and usable, even if long revoked: random-looking keys,
                tokens of a provider's format with a plausible body, private keys, passwords that
                are not examples. The planted secrets of a repository made to test scanners count
                as real here (that is what they stand for).
  illustrative  a secret-shaped value that is an example: dictionary or keyboard passwords
                (hunter2, tiger, changeme, secret, password123), documented example keys and
                tokens, test fixtures with obviously fake or sequential values, defaults a
                chart or role tells you to override.
  not-secret    not a secret at all: code or expressions, variable or secret-object names,
                template placeholders, ids, hashes and checksums of public data, prose, URLs
                without a credential, empty values.

Report: per repository and in total, per tool, the counts per label (and unlabelled), then per
rule in total, then the locations that a peer found and that are labelled `real` but that unleak
did not report (matched by location: repository, path and an overlapping line span).
"""
import argparse
import collections
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REPOS = os.path.join(HERE, "realworld", "repos.toml")
LABELS = os.path.join(HERE, "realworld", "labels.tsv")
LABEL_KINDS = ("real", "illustrative", "not-secret")
TOOLS = ("unleak", "betterleaks", "kingfisher")


def vhash(value):
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def redact(value):
    """A preview a person can recognise a value by without being shown it: 3 characters and the length."""
    v = value.replace("\n", "\\n")
    return f"{v[:3]}…({len(value)} chars)" if len(v) > 6 else f"…({len(value)} chars)"


# ---------------------------------------------------------------- materialising a tree at a commit

def materialise(mirror, commit, dest):
    """Write the tree of `commit` into `dest`; returns (files written, blobs missing from the mirror).

    `git archive` stops at the first absent blob, so blobs are read one by one through
    `cat-file --batch`, which reports an absent object as `missing` and carries on."""
    marker = os.path.join(dest, ".realworld-done")
    if os.path.exists(marker):
        with open(marker) as fh:
            written, missing = map(int, fh.read().split())
        return written, missing
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    out = subprocess.run(["git", "--git-dir", mirror, "ls-tree", "-r", "-z", commit],
                         capture_output=True, check=True).stdout
    entries = []
    for rec in out.split(b"\0"):
        if not rec:
            continue
        meta, path = rec.split(b"\t", 1)
        mode, typ, oid = meta.split()
        if typ == b"blob" and mode in (b"100644", b"100755"):
            entries.append((oid, path))
    written = missing = 0
    batch = subprocess.Popen(["git", "--git-dir", mirror, "cat-file", "--batch"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    for oid, path in entries:
        batch.stdin.write(oid + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            missing += 1
            continue
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        target = os.path.join(dest.encode(), path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(data)
        written += 1
    batch.stdin.close()
    batch.wait()
    with open(marker, "w") as fh:
        fh.write(f"{written} {missing}")
    return written, missing


# ---------------------------------------------------------------- running and normalising the tools

def rel(path, tree):
    path = os.path.relpath(path, tree) if os.path.isabs(path) else path
    return path[2:] if path.startswith("./") else path


def run_unleak(binary, tree, tmp, keep_value=False):
    p = subprocess.run([binary, "scan", tree, "-f", "json", "--show-secrets", "-q", "--no-config"],
                       capture_output=True, text=True, errors="surrogateescape")
    if p.returncode not in (0, 1, 3):
        raise RuntimeError(f"unleak exited {p.returncode}: {p.stderr.strip()[:300]}")
    out = []
    for f in json.loads(p.stdout)["findings"]:
        out.append({"path": rel(f["path"], tree), "line": f["line"], "end": f.get("end_line", f["line"]),
                    "rule": f["rule_id"], "hash": vhash(f["secret"]), "preview": redact(f["secret"]),
                    "confidence": f.get("confidence", "")})
        if keep_value:
            out[-1]["value"] = f["secret"]
    return out


def run_betterleaks(venv, tree, tmp, keep_value=False):
    report = os.path.join(tmp, "bl.json")
    p = subprocess.run([os.path.join(venv, "bin", "betterleaks"), tree, "--no-banner", "--no-color",
                        "-o", report], capture_output=True, text=True, errors="surrogateescape")
    if not os.path.exists(report):
        raise RuntimeError(f"betterleaks exited {p.returncode} without a report: {p.stderr.strip()[:300]}")
    with open(report, errors="surrogateescape") as fh:
        doc = json.load(fh)
    out = []
    for f in doc.get("findings") or []:
        loc = f["location"]
        value = (f.get("match") or {}).get("value") or (f.get("match") or {}).get("full") or ""
        out.append({"path": rel(loc["path"], tree), "line": loc["start_line"],
                    "end": loc.get("end_line", loc["start_line"]), "rule": f["rule_id"],
                    "hash": vhash(value), "preview": redact(value), "confidence": f.get("confidence", "")})
        if keep_value:
            out[-1]["value"] = value
    return out


def run_kingfisher(venv, tree, tmp, keep_value=False):
    report = os.path.join(tmp, "kf.json")
    p = subprocess.run([os.path.join(venv, "bin", "kingfisher"), "--no-update-check", "scan", tree,
                        "--no-validate", "--git-history", "none", "--no-dedup", "--format", "json",
                        "--output", report], capture_output=True, text=True, errors="surrogateescape")
    if not os.path.exists(report):
        raise RuntimeError(f"kingfisher exited {p.returncode} without a report: {p.stderr.strip()[:300]}")
    with open(report, errors="surrogateescape") as fh:
        doc = json.load(fh)
    out = []
    for item in doc.get("findings") or []:
        f = item["finding"]
        value = f.get("snippet") or ""
        lines = value.count("\n")
        out.append({"path": rel(f["path"], tree), "line": f["line"], "end": f["line"] + lines,
                    "rule": item["rule"]["id"], "hash": vhash(value), "preview": redact(value),
                    "confidence": f.get("confidence", "")})
        if keep_value:
            out[-1]["value"] = value
    return out


# ---------------------------------------------------------------- labels

def load_labels():
    """{(repo, commit, path): [(line, hash, label)]}"""
    labels = collections.defaultdict(list)
    if not os.path.exists(LABELS):
        return labels
    with open(LABELS, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            if raw.startswith("#") or not raw.strip():
                continue
            cols = raw.rstrip("\n").split("\t")
            if len(cols) < 6 or cols[5] not in LABEL_KINDS:
                sys.exit(f"{LABELS}:{n}: want repo, commit, path, line, hash, label, note; got {cols[:6]}")
            labels[(cols[0], cols[1], cols[2])].append((int(cols[3]), cols[4], cols[5]))
    return labels


def label_of(labels, repo, commit, f):
    at = [e for e in labels.get((repo, commit, f["path"]), ()) if f["line"] <= e[0] <= max(f["end"], f["line"])]
    if not at:
        return None
    for line, h, lab in at:
        if h == f["hash"]:
            return lab
    first = [e for e in at if e[0] == f["line"]]
    return (first or at)[0][2]


# ---------------------------------------------------------------- report

def counts_line(c, total_time=None):
    s = "  ".join(f"{c.get(k, 0):>5}" for k in LABEL_KINDS + ("unlabelled",))
    n = sum(c.values())
    ns = c.get("not-secret", 0)
    pct = f"{100.0 * ns / n:5.1f}%" if n else "    -"
    t = f"  {total_time:7.1f}s" if total_time is not None else ""
    return f"{s}  {n:>6}  {pct}{t}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unleak", default=os.path.join(ROOT, "target", "release", "unleak"))
    ap.add_argument("--venv", default="/work/tgt/peers-venv", help="virtualenv with betterleaks and kingfisher")
    ap.add_argument("--mirrors", default="/work/.mirror", help="where OWNER+NAME/repo bare mirrors live")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "unleak-realworld"))
    ap.add_argument("--only", action="append", default=[], help="only this repository (owner/name; repeatable)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of " + ",".join(TOOLS))
    ap.add_argument("--reuse", action="store_true", help="reuse saved normalised findings instead of scanning")
    ap.add_argument("--dump-unlabelled", action="store_true", help="list unlabelled findings (redacted) for labelling")
    ap.add_argument("--per-rule", action="store_true", default=True)
    a = ap.parse_args()

    with open(REPOS, "rb") as fh:
        repos = tomllib.load(fh)["repo"]
    if a.only:
        repos = [r for r in repos if r["name"] in a.only]
        if not repos:
            sys.exit(f"no repository in {REPOS} matches {a.only}")
    tools = [t for t in a.tools.split(",") if t]
    runners = {"unleak": lambda tree, tmp: run_unleak(a.unleak, tree, tmp),
               "betterleaks": lambda tree, tmp: run_betterleaks(a.venv, tree, tmp),
               "kingfisher": lambda tree, tmp: run_kingfisher(a.venv, tree, tmp)}
    if "unleak" in tools and not a.reuse and not os.access(a.unleak, os.X_OK):
        sys.exit(f"no unleak binary at {a.unleak} (build with `cargo build --release` or pass --unleak PATH)")
    labels = load_labels()
    os.makedirs(os.path.join(a.work, "findings"), exist_ok=True)

    results = {}  # (repo, tool) -> (findings, seconds)
    for r in repos:
        name, commit = r["name"], r["commit"]
        slug = name.replace("/", "+")
        tree = os.path.join(a.work, "trees", f"{slug}-{commit[:12]}")
        if not a.reuse:
            mirror = os.path.join(a.mirrors, slug, "repo")
            if not os.path.isdir(mirror):
                sys.exit(f"{name}: no mirror at {mirror}; fetch github:{name} first (it must hold commit {commit})")
            written, missing = materialise(mirror, commit, tree)
            note = f", {missing} blobs absent from the mirror skipped" if missing else ""
            print(f"# {name} @ {commit[:12]} ({r['kind']}): {written} files{note}", file=sys.stderr)
        for tool in tools:
            saved = os.path.join(a.work, "findings", f"{slug}-{commit[:12]}-{tool}.json")
            if a.reuse and os.path.exists(saved):
                with open(saved) as fh:
                    doc = json.load(fh)
                results[(name, tool)] = (doc["findings"], doc["seconds"])
                continue
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.monotonic()
                found = runners[tool](tree, tmp)
                secs = time.monotonic() - t0
            with open(saved, "w") as fh:
                json.dump({"findings": found, "seconds": secs}, fh)
            results[(name, tool)] = (found, secs)

    by_commit = {r["name"]: r["commit"] for r in repos}
    header = f"{'':44}" + "  ".join(f"{k:>5}"[:5] if k != "illustrative" else "illus" for k in LABEL_KINDS + ("unlabelled",))
    header = f"{'input / tool':44}{'real':>5}  {'illus':>5}  {'not-s':>5}  {'unlab':>5}  {'total':>6}  {'not-s%':>6}  {'time':>8}"
    print(header)
    totals = {t: collections.Counter() for t in tools}
    total_time = collections.Counter()
    per_rule = {t: collections.defaultdict(collections.Counter) for t in tools}
    unlabelled = collections.defaultdict(list)  # (repo, path, line) -> [(tool, finding)]
    for r in repos:
        name = r["name"]
        for tool in tools:
            if (name, tool) not in results:
                continue
            found, secs = results[(name, tool)]
            c = collections.Counter()
            for f in found:
                lab = label_of(labels, name, by_commit[name], f) or "unlabelled"
                f["label"] = lab
                c[lab] += 1
                per_rule[tool][f["rule"]][lab] += 1
                if lab == "unlabelled":
                    unlabelled[(name, f["path"], f["line"])].append((tool, f))
            totals[tool] += c
            total_time[tool] += secs
            print(f"{name + ' / ' + tool:44}{counts_line(c, secs)}")
    print()
    for tool in tools:
        print(f"{'TOTAL / ' + tool:44}{counts_line(totals[tool], total_time[tool])}")

    if a.per_rule:
        for tool in tools:
            print(f"\nper rule, {tool}:")
            for rule, c in sorted(per_rule[tool].items(), key=lambda kv: -sum(kv[1].values())):
                print(f"  {rule:42}{counts_line(c)}")

    if "unleak" in tools:
        print("\nreal credentials found by a peer but missed by unleak (by location):")
        missed = 0
        for r in repos:
            name = r["name"]
            ours = results.get((name, "unleak"), ([], 0))[0]
            spans = collections.defaultdict(list)
            for f in ours:
                spans[f["path"]].append((f["line"], max(f["end"], f["line"])))
            seen = set()
            for tool in tools:
                if tool == "unleak" or (name, tool) not in results:
                    continue
                for f in results[(name, tool)][0]:
                    if f["label"] != "real":
                        continue
                    lo, hi = f["line"], max(f["end"], f["line"])
                    if any(a0 <= hi and lo <= b0 for a0, b0 in spans[f["path"]]):
                        continue
                    key = (f["path"], f["line"])
                    if key in seen:
                        continue
                    seen.add(key)
                    missed += 1
                    print(f"  {name}  {f['path']}:{f['line']}  {tool} {f['rule']}  {f['hash']}")
        print(f"  ({missed} locations)")

    if a.dump_unlabelled:
        print("\nunlabelled findings (repo, commit, path, line, hash, tool:rule, preview):")
        for (name, path, line), items in sorted(unlabelled.items()):
            for h in sorted({f["hash"] for _, f in items}):
                fs = [(t, f) for t, f in items if f["hash"] == h]
                tools_s = ",".join(f"{t}:{f['rule']}" for t, f in fs)
                print(f"{name}\t{by_commit[name]}\t{path}\t{line}\t{h}\t{tools_s}\t{fs[0][1]['preview']}")


if __name__ == "__main__":
    main()
