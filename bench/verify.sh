#!/usr/bin/env bash
# What `--verify` adds to a scan: N distinct live AWS key pairs (fake, minted by moto on
# 127.0.0.1 with auth checks on), scanned with and without --verify, best of RUNS each.
#
#   cargo build --release && bench/verify.sh            # N=100 RUNS=3 by default
#   UNLEAK=target/debug/unleak N=20 bench/verify.sh
#
# Needs the moto virtualenv the tests install (target/moto-venv, or $MOTO_VENV).
set -euo pipefail

N=${N:-100}
RUNS=${RUNS:-3}
TARGET=${CARGO_TARGET_DIR:-target}
UNLEAK=${UNLEAK:-$TARGET/release/unleak}
VENV=${MOTO_VENV:-$TARGET/moto-venv}
[ -x "$UNLEAK" ] || { echo "no $UNLEAK: cargo build --release first" >&2; exit 2; }
[ -x "$VENV/bin/moto_server" ] || { echo "no moto in $VENV: run the AWS tests once" >&2; exit 2; }

WORK=$(mktemp -d)
MOTO_PID=
cleanup() { [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
  "$VENV/bin/moto_server" -H 127.0.0.1 -p 0 2>"$WORK/moto.log" &
MOTO_PID=$!
for _ in $(seq 100); do
  PORT=$(sed -n 's|.*Running on http://127.0.0.1:\([0-9]*\).*|\1|p' "$WORK/moto.log" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "${PORT:-}" ] || { echo "moto did not start" >&2; cat "$WORK/moto.log" >&2; exit 2; }
EP=http://127.0.0.1:$PORT

# Users and keys through boto3 (installed with moto), one fake credentials file per key.
mkdir -p "$WORK/tree"
AUDITOR=$(EP=$EP N=$N TREE=$WORK/tree "$VENV/bin/python" - <<'PY'
import json, os, boto3
iam = boto3.client("iam", endpoint_url=os.environ["EP"], region_name="us-east-1",
                   aws_access_key_id="setup", aws_secret_access_key="setup")
def key(user):
    iam.create_user(UserName=user)
    k = iam.create_access_key(UserName=user)["AccessKey"]
    return k["AccessKeyId"], k["SecretAccessKey"]
auditor = key("auditor")
iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
for i in range(int(os.environ["N"])):
    kid, secret = key(f"user{i}")
    with open(os.path.join(os.environ["TREE"], f"creds{i}.ini"), "w") as f:
        f.write(f"[default]\naws_access_key_id = {kid}\naws_secret_access_key = {secret}\n")
print(auditor[0], auditor[1])
PY
)
read -r AUDITOR_ID AUDITOR_SECRET <<<"$AUDITOR"
curl -fsS -X POST -H 'Content-Type: text/plain' --data 0 "$EP/moto-api/reset-auth" >/dev/null

unleak() {
  env -i HOME="$WORK" AWS_ENDPOINT_URL="$EP" AWS_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID="$AUDITOR_ID" AWS_SECRET_ACCESS_KEY="$AUDITOR_SECRET" \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
    "$UNLEAK" "$@"
}

best() { # BEST = best wall time in seconds of RUNS runs of: unleak "$@"
  BEST=
  for _ in $(seq "$RUNS"); do
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    unleak "$@" >"$WORK/out.json" 2>"$WORK/err.txt" || rc=$?
    t1=$(date +%s.%N)
    if [ "$rc" -gt 1 ]; then
      echo "unleak $* failed (exit $rc):" >&2; cat "$WORK/err.txt" >&2; exit 2
    fi
    BEST=$(echo "$t0 $t1 ${BEST:-inf}" | awk '{d=$2-$1; b=($3=="inf")?d:$3; print (d<b)?d:b}')
  done
}

best scan "$WORK/tree" --format json -q
PLAIN=$BEST
best scan "$WORK/tree" --format json -q --verify
VERIFY=$BEST
LIVE=$(grep -c '"status": "live"' "$WORK/out.json" || true)
echo "unleak: $UNLEAK"
echo "keys: $N distinct pairs; live verdicts in the last --verify run: $LIVE (id and secret findings)"
awk -v p="$PLAIN" -v v="$VERIFY" -v n="$N" 'BEGIN {
  printf "scan:          %.3f s (best of runs)\n", p
  printf "scan --verify: %.3f s\n", v
  printf "added:         %.3f s for %d keys (%.1f ms per key)\n", v - p, n, (v - p) * 1000 / n }'
