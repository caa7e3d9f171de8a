#!/usr/bin/env python3
"""Generate a long, deterministic git history for history-scan benchmarks.

    bench/gen_history.py OUT.git [--commits 30000] [--seed 42]

A bare repository built with `git fast-import`: 2,000 Python files in 40 packages, each commit
editing one to three of them (a line replaced), one commit in 97 on a side branch never
merged, and every 499th commit writing a fake database password that later edits remove
again. Packed with `git gc` at the end, as a real clone would be. Same seed, same objects.
"""
import argparse
import os
import random
import subprocess
import sys


def stream(n, seed, out):
    r = random.Random(seed)
    alnum = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
    words = "alpha beta gamma delta config value server client retry timeout cache index".split()
    files = {}
    paths = [f"pkg{d:02d}/mod{f:03d}.py" for d in range(40) for f in range(50)]

    def text(lines):
        return "\n".join(
            f"def f{i}_{r.randrange(1 << 30)}(x):  # {' '.join(r.choice(words) for _ in range(6))}"
            for i in range(lines)) + "\n"

    def blob(data):
        b = data.encode()
        out.write(b"data %d\n" % len(b))
        out.write(b)
        out.write(b"\n")

    t = 1_600_000_000
    for c in range(1, n + 1):
        branch = "main" if c % 97 else "side"
        out.write(f"commit refs/heads/{branch}\n".encode())
        out.write(f"committer Bench <bench@example.test> {t + c * 60} +0000\n".encode())
        blob(f"change {c}")
        if branch == "side":  # one commit off main's tip, never merged
            out.write(b"from refs/heads/main\n")
        for _ in range(r.randint(1, 3)):
            p = r.choice(paths)
            body = files.get(p) or text(40)
            lines = body.split("\n")
            k = r.randrange(len(lines))
            lines[k] = f"value_{c} = {r.randrange(1 << 40)}  # {r.choice(words)}"
            if c % 499 == 0:  # a fake leak, removed again by later edits most of the time
                pw = "".join(r.choice(alnum) for _ in range(14))
                url = "postgres" + "://app:" + pw + "@db.internal:5432/app"  # no literal here
                lines[k] = f'DATABASE_URL = "{url}"'
            files[p] = "\n".join(lines)
            out.write(f"M 100644 inline {p}\n".encode())
            blob(files[p])
        out.write(b"\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--commits", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", a.out], check=True, env=env)
    p = subprocess.Popen(["git", "-C", a.out, "fast-import", "--quiet"], stdin=subprocess.PIPE, env=env)
    stream(a.commits, a.seed, p.stdin)
    p.stdin.close()
    if p.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", a.out, "gc", "-q"], check=True, env=env)


if __name__ == "__main__":
    main()
