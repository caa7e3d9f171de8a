#!/usr/bin/env bash
# Org-wide audit numbers: N generated repositories behind a `git daemon` on 127.0.0.1, audited
# once in full (time and peak RSS), again unchanged (incremental: no blob read), and split
# into 1, 2 and 4 shard workers running at once (their findings counts must add up to the
# full audit's).
#
#     bench/org_audit.sh [UNLEAK] [REPOS] [COMMITS]   (defaults: target/release/unleak 20 1500)
#
# Prints numbers; it is not a test. Work files go to a temp dir, removed at the end.
set -euo pipefail
UNLEAK=${1:-target/release/unleak}
N=${2:-20}
COMMITS=${3:-1500}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$daemon" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/srv"
for i in $(seq 1 "$N"); do
    python3 "$here/gen_history.py" "$work/srv/r$i.git" --commits "$COMMITS" --seed "$i" >/dev/null
done
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
git daemon --reuseaddr --export-all --listen=127.0.0.1 --port="$port" --base-path="$work/srv" "$work/srv" &
daemon=$!
sleep 1
for i in $(seq 1 "$N"); do echo "git://127.0.0.1:$port/r$i.git"; done > "$work/repos.txt"
export XDG_CACHE_HOME="$work/cache"

measure() { # label, args...
    local label=$1; shift
    /usr/bin/time -v "$UNLEAK" "$@" 2> "$work/time.txt" > "$work/out.json" || true
    local wall rss findings files
    if ! [ -s "$work/out.json" ]; then echo "$label: failed:"; head -5 "$work/time.txt"; return; fi
    wall=$(grep 'Elapsed (wall' "$work/time.txt" | awk '{print $NF}')
    rss=$(grep 'Maximum resident' "$work/time.txt" | awk '{print $NF}')
    findings=$(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print(len(d["findings"]))' "$work/out.json")
    files=$(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print(d["stats"]["files"])' "$work/out.json")
    echo "$label: wall $wall, peak RSS ${rss} KiB, findings $findings, blobs scanned $files"
}

measure "full audit, clone ($N repos)" audit --repos "$work/repos.txt" -j 2 -q -f json --store "$work/s.db"
measure "re-audit, unchanged (fetch + walk)" audit --repos "$work/repos.txt" -j 2 -q -f json --store "$work/s.db"
for workers in 1 2 4; do
    start=$(date +%s.%N)
    total=0
    pids=()
    for i in $(seq 1 "$workers"); do
        "$UNLEAK" audit --repos "$work/repos.txt" --shard "$i/$workers" -q -f json \
            --store "$work/shard-$workers-$i.db" > "$work/shard-$workers-$i.json" || true &
        pids+=($!)
    done
    wait "${pids[@]}"
    for i in $(seq 1 "$workers"); do
        n=$(python3 -c 'import json,sys;print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/shard-$workers-$i.json")
        total=$((total + n))
    done
    end=$(date +%s.%N)
    echo "$workers shard worker(s): $(python3 -c "print(round($end-$start,1))") s, findings $total"
done
