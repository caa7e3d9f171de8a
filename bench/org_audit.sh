#!/usr/bin/env bash
# Org-wide audit numbers: N generated repositories behind a `git daemon` on 127.0.0.1, audited
# once in full (time and peak RSS), again unchanged (incremental: no walk, no blob read), and
# split into 1, 2 and 4 shard workers running at once against one PostgreSQL store (each run
# a fresh database: its secrets count must equal the full audit's).
#
#     bench/org_audit.sh [UNLEAK] [REPOS] [COMMITS]   (defaults: target/release/unleak 20 1500)
#
# PostgreSQL: $UNLEAK_BENCH_PG (a server URL without a database, e.g.
# postgres://me:pw@127.0.0.1:5432) or a throwaway server started here with initdb from
# /usr/lib/postgresql/*/bin (as the `postgres` account when run as root).
#
# Prints numbers; it is not a test. Work files go to a temp dir, removed at the end.
set -euo pipefail
UNLEAK=${1:-target/release/unleak}
N=${2:-20}
COMMITS=${3:-1500}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pgpid=
trap 'kill "$daemon" 2>/dev/null || true; [ -z "$pgpid" ] || kill "$pgpid" 2>/dev/null || true; sleep 1; rm -rf "$work"' EXIT
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

if [ -n "${UNLEAK_BENCH_PG:-}" ]; then
    pgbase=$UNLEAK_BENCH_PG
    psqlc() { psql "$pgbase/postgres" -qAt -c "$1"; }
else
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    as=()
    if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); fi
    mkdir -p "$work/pg" && chmod 777 "$work/pg" && chmod 755 "$work"
    "${as[@]}" "$bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --no-sync --locale=C >/dev/null
    pgport=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
    "${as[@]}" "$bin/postgres" -D "$work/pg/data" -p "$pgport" -c listen_addresses=127.0.0.1 \
        -c unix_socket_directories="$work/pg" -c fsync=off >"$work/pg/log" 2>&1 &
    pgpid=$!
    for _ in $(seq 100); do "$bin/pg_isready" -q -h 127.0.0.1 -p "$pgport" && break; sleep 0.1; done
    pgbase="postgres://postgres@127.0.0.1:$pgport"
    psqlc() { "$bin/psql" "$pgbase/postgres" -qAt -c "$1"; }
fi
secrets() { # store URL: the number of secrets in it
    "$UNLEAK" findings list --json --store "$1" | python3 -c 'import json,sys;print(len(json.load(sys.stdin)))'
}

measure "full audit, clone ($N repos)" audit --repos "$work/repos.txt" -j 2 -q -f json --store "$work/s.db"
measure "re-audit, unchanged (fetch + walk)" audit --repos "$work/repos.txt" -j 2 -q -f json --store "$work/s.db"
echo "secrets in the SQLite store: $(secrets "$work/s.db")"
psqlc "CREATE DATABASE full_pg" >/dev/null
measure "full audit into PostgreSQL (mirrors cached)" audit --repos "$work/repos.txt" -j 2 -q -f json --store "$pgbase/full_pg"
measure "re-audit into PostgreSQL, unchanged" audit --repos "$work/repos.txt" -j 2 -q -f json --store "$pgbase/full_pg"
for workers in 1 2 4; do
    psqlc "CREATE DATABASE shards_$workers" >/dev/null
    start=$(date +%s.%N)
    pids=()
    for i in $(seq 1 "$workers"); do
        XDG_CACHE_HOME="$work/cache-$workers-$i" "$UNLEAK" audit --repos "$work/repos.txt" --shard "$i/$workers" -q -f json \
            --store "$pgbase/shards_$workers" > "$work/shard-$workers-$i.json" || true &
        pids+=($!)
    done
    wait "${pids[@]}"
    end=$(date +%s.%N)
    echo "$workers shard worker(s) on one PostgreSQL store: $(python3 -c "print(round($end-$start,1))") s, secrets $(secrets "$pgbase/shards_$workers")"
done
