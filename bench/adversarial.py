#!/usr/bin/env python3
"""Adversarial inputs: wall time and peak memory of `unleak scan` on crafted shapes.

    bench/adversarial.py [--unleak target/release/unleak] [--sizes 1,4,16,64]
                         [--timeout 60] [--shapes a,b] [--work DIR]

Each shape (the reliability and fail-closed issues' tables) is generated at each size in MB
under a scratch directory (deleted afterwards, never committed) and scanned once with
`/usr/bin/time`; the table gives seconds, s/MB, peak RSS, and the time relative to a plain
source-like file of the same size. A run over the timeout prints "> T s" and the larger sizes of
that shape are skipped. Fake secrets are generated here with a fixed seed: none is real.
"""
import argparse
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile

MB = 1 << 20
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
B64 = string.ascii_letters + string.digits + "+/"


def key_id(rng):
    return "AKIA" + rng.choice("QRSTUVWXYZ") + "".join(rng.choice(B32) for _ in range(15))


def token40(rng):
    return "".join(rng.choice(B64) for _ in range(40))


def repeat_to(unit, size):
    n = size // len(unit) + 1
    return (unit * n)[:size]


def lines_to(make, size, rng):
    out, n = [], 0
    while n < size:
        s = make(rng)
        out.append(s)
        n += len(s)
    return "".join(out).encode()[:size]


def plain(size, rng):
    words = ("user account order item config client server request response handler "
             "service cache session value name id count index data list map set get put "
             "post update delete create build parse format render load save").split()

    def line(r):
        a, b = r.choice(words), r.choice(words)
        return f"    {a}_{b} = {r.choice(words)}({r.randint(0, 99999)})  # {' '.join(r.choice(words) for _ in range(5))}\n"

    return lines_to(line, size, rng)


def one_file(data):
    def make(d, size, rng):
        path = os.path.join(d, "input.txt")
        with open(path, "wb") as f:
            f.write(data(size, rng))
        # Above the default 50 MB limit at 64 MB: raised so that every size is scanned.
        return ["scan", "--max-file-size", "1G", path]
    return make


def putty(size, rng):
    return repeat_to("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n", size).encode()


def minified_pairs(size, rng):
    items, n = [], 2
    while n < size:
        s = json.dumps({"AccessKeyId": key_id(rng), "SecretAccessKey": token40(rng)},
                       separators=(",", ":"))
        items.append(s)
        n += len(s) + 1
    return ("[" + ",".join(items) + "]").encode()


def ids_and_tokens(size, rng):
    return lines_to(lambda r: key_id(r) + " " + token40(r) + " ", size, rng)


def long_line(size, rng):
    # Keywords sprinkled in one line of token characters, as a minified bundle has.
    parts, n = [], 0
    while n < size:
        s = "".join(rng.choice(B64) for _ in range(200)) + rng.choice(
            [" password=", " secret:", " token=", " key=", " AKIA", " -----BEGIN"])
        parts.append(s)
        n += len(s)
    return "".join(parts).encode()[:size]


def empty_rule(d, size, rng):
    cfg = os.path.join(d, "empty.toml")
    with open(cfg, "w") as f:
        f.write('[[rules.extra]]\nid = "maybe-empty"\nname = "x"\nkind = "x"\n'
                'keywords = ["tok"]\nregex = \'\'\'(?P<secret>[0-9]*)\'\'\'\n'
                'examples = ["tok12345"]\n')
    path = os.path.join(d, "input.txt")
    with open(path, "wb") as f:
        f.write(repeat_to("tok ", size).encode())
    return ["scan", "--max-file-size", "1G", "--config", cfg, path]


def git(d, *args, data=None):
    subprocess.run(["git", "-C", d, *args], input=data, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def same_blob_paths(d, size, rng):
    # 80,000 paths at 64 MB: the count the issue measured (1,250 paths per MB).
    n = size // MB * 1250
    repo = os.path.join(d, "repo")
    os.mkdir(repo)
    git(repo, "init", "-q")
    s = "blob\nmark :1\ndata 0\n\ncommit refs/heads/main\ncommitter t <t@e> 1700000000 +0000\ndata 2\nc\n"
    s += "".join(f"M 100644 :1 pkg{i}/__init__.py\n" for i in range(n))
    git(repo, "fast-import", "--quiet", data=s.encode())
    return ["scan", "--history", repo]


def delta_base(d, size, rng):
    # A blob above --max-file-size stored as a delta base (and a delta on it): neither may be
    # inflated. The limit is 512 KiB at every size, so memory must stay flat.
    repo = os.path.join(d, "repo")
    os.mkdir(repo)
    git(repo, "init", "-q")
    body = bytearray(rng.randbytes(size // 2).hex().encode())
    with open(os.path.join(repo, "big.txt"), "wb") as f:
        f.write(body)
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "a")
    body[len(body) // 2: len(body) // 2 + 8] = b"changed!"
    with open(os.path.join(repo, "big.txt"), "wb") as f:
        f.write(body)
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qam", "b")
    git(repo, "-c", "pack.window=10", "repack", "-adfq", "--window=10")
    return ["scan", "--history", "--max-file-size", "512K", repo]


def stdin_limit(d, size, rng):
    path = os.path.join(d, "input.txt")
    with open(path, "wb") as f:
        f.write(plain(size, rng))
    return ["scan", "--max-file-size", "512K", "-"], path


def raised_limit(d, size, rng):
    path = os.path.join(d, "input.txt")
    with open(path, "wb") as f:
        f.write(plain(size, rng))
    return ["scan", "--max-file-size", "100G", path]


SHAPES = {
    # issue 15
    "password-spaces-line": one_file(lambda s, r: repeat_to("password= x ", s).encode()),
    "distinct-password-lines": one_file(lambda s, r: lines_to(
        lambda r: "password" + f' = "{token40(r)[:16]}"\n', s, r)),  # unleak:allow
    "aws-key-ids-lines": one_file(lambda s, r: lines_to(lambda r: key_id(r) + "\n", s, r)),
    "putty-headers": one_file(putty),
    "password=-one-line": one_file(lambda s, r: repeat_to("password=", s).encode()),
    "one-long-line": one_file(long_line),
    # issue 23
    "ids-and-tokens-one-line": one_file(ids_and_tokens),
    "minified-json-pairs": one_file(minified_pairs),
    "empty-matching-rule": empty_rule,
    "same-blob-many-paths": same_blob_paths,
    "delta-base-over-limit": delta_base,
    "stdin-over-limit": stdin_limit,
    "raised-limit-file": raised_limit,
}


def run(unleak, cmd, stdin_path, timeout):
    full = ["/usr/bin/time", "-f", "@@%e %M", unleak, *cmd, "-f", "json", "-o", os.devnull, "-q"]
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    # A session of its own, so that a timeout ends unleak too and not only `time`.
    p = subprocess.Popen(full, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        p.communicate()
        return None
    finally:
        if stdin_path:
            stdin.close()
    err = err.decode(errors="replace")
    tail = [l for l in err.splitlines() if l.startswith("@@")]
    if not tail:
        return ("error", err.strip()[-200:])
    secs, kb = tail[-1][2:].split()
    return float(secs), int(kb), p.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--unleak", default="target/release/unleak")
    ap.add_argument("--sizes", default="1,4,16,64")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--work", default=None, help="scratch directory (default: a temp dir)")
    args = ap.parse_args()
    unleak = os.path.abspath(args.unleak)
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.work or tempfile.mkdtemp(prefix="unleak-adv-")
    os.makedirs(work, exist_ok=True)
    base = {}
    print(f"{'shape':26} {'MB':>4} {'seconds':>9} {'s/MB':>7} {'peak RSS':>9} {'x plain':>8} exit")
    for name in ["plain"] + args.shapes.split(","):
        make = one_file(plain) if name == "plain" else SHAPES[name]
        for mb in sizes:
            d = os.path.join(work, f"{name}-{mb}")
            os.makedirs(d, exist_ok=True)
            made = make(d, mb * MB, random.Random(mb))
            cmd, stdin_path = made if isinstance(made, tuple) else (made, None)
            r = run(unleak, cmd, stdin_path, args.timeout)
            shutil.rmtree(d, ignore_errors=True)
            if r is None:
                print(f"{name:26} {mb:>4} {'> %g s' % args.timeout:>9}", flush=True)
                break
            if r[0] == "error":
                print(f"{name:26} {mb:>4} error: {r[1]}", flush=True)
                break
            secs, kb, rc = r
            if name == "plain":
                base[mb] = secs
            rel = secs / base[mb] if base.get(mb) else float("nan")
            print(f"{name:26} {mb:>4} {secs:>9.2f} {secs / mb:>7.3f} {kb / 1024:>7.0f}MB "
                  f"{rel:>8.1f} {rc}", flush=True)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
