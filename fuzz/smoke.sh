#!/usr/bin/env bash
# Run every fuzz target for a while (default 60 s each; `fuzz/smoke.sh 1800` for the 30-minute
# runs), seeded from the project's own corpus/, patterns/ and a small generated repository.
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain, or the stable one with
# RUSTC_BOOTSTRAP=1 (used when no nightly is installed: cargo-fuzz's -Z flags work on it). Exits non-zero if any target found a crash, a hang (over 10 s
# on one input) or an input that needs over 2 GB; the input is saved under fuzz/artifacts/.
# Usage: fuzz/smoke.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(matcher validators kubernetes_secret config rules_file delta pack loose_object repository archive report)
fi
seeds=target/seeds
rm -rf "$seeds" && mkdir -p "$seeds"

# Seeds. Corpus files are the matcher's and validators' (their first byte picks a path or a
# validator); YAML for the Kubernetes decoder; configurations and rule files as they are.
mkdir -p "$seeds/matcher" "$seeds/validators" "$seeds/kubernetes_secret" "$seeds/config" \
    "$seeds/rules_file" "$seeds/delta" "$seeds/pack" "$seeds/loose_object" "$seeds/repository" \
    "$seeds/archive" "$seeds/report"
n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    cp "$f" "$seeds/matcher/c$n"
    head -c 4096 "$f" > "$seeds/validators/c$n"
    case "$f" in *.yaml|*.yml) cp "$f" "$seeds/kubernetes_secret/c$n" ;; esac
    # The report target: odd first byte, the reports unleak writes of this file.
    { printf '\001'; head -c 4096 "$f"; } > "$seeds/report/c$n"
done < <(find ../corpus -type f -size -256k -print0)
cp ../.unleak.toml "$seeds/config/project"
i=0
for f in ../patterns/*.toml; do
    i=$((i + 1))
    cp "$f" "$seeds/rules_file/p$i"
done
python3 - "$seeds" <<'PY'
import os, subprocess, sys, tempfile, zlib
seeds = sys.argv[1]
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)
# A delta: copy 5 bytes of the base at 0, insert "!!", copy 5 at 6.
base = b"hello world"
delta = varint(len(base)) + varint(12) + bytes([0x90, 5]) + b"\x02!!" + bytes([0x91, 6, 5])
open(os.path.join(seeds, "delta", "d1"), "wb").write(bytes([len(base)]) + base + delta)
# A small repository: its pack (u16 index length, index, pack) and its loose objects.
env = dict(os.environ, GIT_AUTHOR_NAME="f", GIT_AUTHOR_EMAIL="f@example.invalid",
           GIT_COMMITTER_NAME="f", GIT_COMMITTER_EMAIL="f@example.invalid", GIT_CONFIG_NOSYSTEM="1",
           GIT_AUTHOR_DATE="1700000000 +0000", GIT_COMMITTER_DATE="1700000000 +0000")
with tempfile.TemporaryDirectory() as d:
    git = lambda *a: subprocess.run(["git", *a], cwd=d, env=env, check=True, capture_output=True)
    git("init", "-q")
    for v in range(3):
        with open(os.path.join(d, "f.txt"), "w") as fh:
            fh.write("".join(f"line {n} v{v}\n" for n in range(30)))
        git("add", ".")
        git("commit", "-qm", f"v{v}")
    objs = os.path.join(d, ".git", "objects")
    k = 0
    for root, _, files in os.walk(objs):
        for name in files:
            if len(name) == 38:
                k += 1
                data = open(os.path.join(root, name), "rb").read()
                open(os.path.join(seeds, "loose_object", f"l{k}"), "wb").write(b"\x01" + data)
                raw = zlib.decompress(data)
                body = raw[raw.index(b"\0") + 1:]
                kind = raw.split(b" ")[0]
                mode = {b"commit": 0, b"tree": 2, b"blob": 4, b"tag": 6}[kind]
                open(os.path.join(seeds, "loose_object", f"b{k}"), "wb").write(bytes([mode]) + body)
    git("repack", "-adq")
    pdir = os.path.join(objs, "pack")
    idx = next(f for f in os.listdir(pdir) if f.endswith(".idx"))
    i = open(os.path.join(pdir, idx), "rb").read()
    p = open(os.path.join(pdir, idx[:-4] + ".pack"), "rb").read()
    assert len(i) < 65536
    open(os.path.join(seeds, "pack", "p1"), "wb").write(len(i).to_bytes(2, "little") + i + p)
# The archive target: a zip, a tar, a tar.gz and a gzip holding a fake key (first byte 0: the
# input as it is).
import io, gzip, tarfile, zipfile
env_text = b"AWS_ACCESS_KEY_ID=AKIA" + b"QYLPMN5HHHFPZAM2\n"
zbuf = io.BytesIO()
with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("conf/.env", env_text)
tbuf = io.BytesIO()
with tarfile.open(fileobj=tbuf, mode="w") as t:
    info = tarfile.TarInfo("conf/.env")
    info.size = len(env_text)
    t.addfile(info, io.BytesIO(env_text))
for name, data in [("zip", zbuf.getvalue()), ("tar", tbuf.getvalue()),
                   ("tgz", gzip.compress(tbuf.getvalue(), mtime=0)), ("gz", gzip.compress(env_text, mtime=0))]:
    open(os.path.join(seeds, "archive", name), "wb").write(b"\0" + data)
# The report target, even first byte: report texts as they are (a json report with a field
# this version does not know, which must survive the round trip, and a JSON Lines record).
import json
record = {"rule_id": "r", "kind": "k", "path": "a.env", "line": 1, "end_line": 1, "column": 1,
          "secret": "ab…", "confidence": "high", "entropy": 4.5, "pair": {"kind": "k2", "secret": "cd…", "line": 1},
          "commit": {"commit": "00" * 20, "author": "a", "email": "a@example.invalid", "date": "2024-01-01T00:00:00Z",
                     "message": "m", "paths": ["a.env"]},
          "verification": {"status": "unknown", "reason": "r"}, "occurrences": []}
report = {"version": 1, "findings": [record], "stats": {"files": 1, "duration_ms": 1}, "from_a_newer_version": [1]}
open(os.path.join(seeds, "report", "json"), "wb").write(b"\0" + json.dumps(report).encode())
open(os.path.join(seeds, "report", "jsonl"), "wb").write(b"\0" + (json.dumps(record) + "\n") .encode() * 2)
# The repository target: no damage, and a few records of damage.
open(os.path.join(seeds, "repository", "none"), "wb").write(b"")
open(os.path.join(seeds, "repository", "some"), "wb").write(bytes([0, 40, 0, 0, 0, 0xff, 1, 9, 0, 0, 0, 1]))
PY

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    fuzz=(cargo +nightly fuzz)
else
    fuzz=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
fi
# Targets run one at a time by default; FUZZ_JOBS=N runs N at once (each with its own corpus
# directory and log, so they do not share state): on a 2-core machine the 30-minute runs of all
# ten targets take 5 hours serially.
jobs=${FUZZ_JOBS:-1}
run_one() {
    local t=$1 log=target/smoke-$1.log
    mkdir -p "corpus/$t"
    if "${fuzz[@]}" run "$t" "corpus/$t" "$seeds/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 >"$log" 2>&1; then
        echo "== $t: ${secs}s, $(grep -E '^stat::number_of_executed_units' "$log" | tail -n 1)"
    else
        echo "== $t: FAILED"
        grep -E 'ERROR|panicked|SUMMARY|Test unit written' "$log" | head -n 8
        return 1
    fi
}
# Build once up front, so the runs started together each find the build done.
"${fuzz[@]}" build >"target/smoke-build.log" 2>&1 || { tail -n 20 target/smoke-build.log; exit 1; }
failed=()
declare -A pids=()
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
    run_one "$t" &
    pids[$t]=$!
done
for t in "${targets[@]}"; do
    wait "${pids[$t]}" || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "crashes in: ${failed[*]} (inputs under fuzz/artifacts/, logs under fuzz/target/)"
    exit 1
fi
echo "all ${#targets[@]} targets ran ${secs}s without a crash"
