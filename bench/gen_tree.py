#!/usr/bin/env python3
"""Generate a large, deterministic, source-like directory tree for scan benchmarks.

    bench/gen_tree.py OUT_DIR [--mb 200] [--seed 1]

Files look like a real monorepo: Python, JS/TS, Go, Java, YAML, JSON, Markdown, with the words
secret scanners key on ("password", "secret", "token", "key", "BEGIN CERTIFICATE") sprinkled in
at realistic rates, plus a few planted fake secrets. Same seed, same bytes.
"""
import argparse
import os
import random
import string

EXTS = [
    (".py", 22), (".js", 14), (".ts", 12), (".go", 12), (".java", 10), (".yaml", 8),
    (".json", 8), (".md", 6), (".rb", 4), (".sh", 2), (".properties", 2),
]

WORDS = (
    "user account order item config client server request response handler service cache "
    "session auth login logout value name id count index data list "
    "map set get put post update delete create build parse format render load save open close "
    "read write start stop retry timeout error result status message event queue worker job "
    "task path file dir host port url query filter sort page limit offset total size buffer"
).split()


def ident(rng):
    n = rng.randint(1, 3)
    parts = [rng.choice(WORDS) for _ in range(n)]
    style = rng.random()
    if style < 0.4:
        return "_".join(parts)
    if style < 0.8:
        return parts[0] + "".join(p.capitalize() for p in parts[1:])
    return "".join(p.capitalize() for p in parts)


def line(rng, ext):
    r = rng.random()
    a, b, c = ident(rng), ident(rng), ident(rng)
    num = rng.randint(0, 100000)
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 9)))
    if ext == ".py":
        forms = [f"    {a} = {b}({c}, {num})", f"def {a}({b}, {c}):", f"    return {a}.{b}({c})",
                 f"# {text}", f"    if {a} is not None and {b} > {num}:", f"    {a}['{b}'] = \"{text}\"",
                 f"import {a}", f"    log.info(\"{text} %s\", {a})"]
    elif ext in (".js", ".ts"):
        forms = [f"  const {a} = await {b}({c});", f"export function {a}({b}, {c}) {{", f"  return {a}.{b}({num});",
                 f"// {text}", f"  if ({a} && {b}.{c} > {num}) {{", f"  {a}.{b} = '{text}';", "}",
                 f"import {{ {a} }} from './{b}';"]
    elif ext == ".go":
        forms = [f"\t{a} := {b}({c}, {num})", f"func {a}({b} string, {c} int) error {{", f"\treturn {a}.{b}({c})",
                 f"// {text}", f"\tif {a} != nil {{", "\t}", f"\t{a}.{b} = \"{text}\"", "}"]
    elif ext == ".java":
        forms = [f"        {a} {b} = {c}.get({num});", f"    public void {a}(String {b}) {{", f"        return {a}.{b}();",
                 f"    // {text}", f"        if ({a} != null) {{", "        }", f"        this.{a} = \"{text}\";"]
    elif ext == ".yaml":
        forms = [f"{a}:", f"  {b}: {num}", f"  {c}: \"{text}\"", f"  - {a}", f"# {text}", f"  {b}_enabled: true"]
    elif ext == ".json":
        forms = [f'  "{a}": {num},', f'  "{b}": "{text}",', f'  "{c}": [{num}, {num + 1}],', f'  "{a}": {{"{b}": true}},']
    elif ext == ".md":
        forms = [f"{text.capitalize()}.", f"## {text}", f"- `{a}`: {text}", "", f"See [{b}](./{c}.md)."]
    elif ext == ".properties":
        forms = [f"{a}.{b}={num}", f"{a}.{c}={text}", f"# {text}"]
    else:
        forms = [f"  {a} = {b}.{c}({num})", f"# {text}", f"{a}() {{", "}", f"  echo \"{text}\""]
    return rng.choice(forms)


# Lines that mention credentials the way real code does: looked up, templated, hashed, or
# compared; they exercise the keyword prefilter and the filters without being secrets.
CREDENTIAL_LINES = [
    "    password = os.environ[\"DB_PASSWORD\"]",
    "    if not check_password(user, password):",
    "  password: ${DB_PASSWORD}",
    "  \"password\": \"{{ .Values.db.password }}\",",
    "        String password = System.getenv(\"DB_PASSWORD\");",
    "  const token = req.headers['authorization'];",
    "    secret_key = settings.SECRET_KEY",
    "// the api key is read from the environment, never hard-coded",
    "    password_hash = bcrypt.hashpw(password, bcrypt.gensalt())",
    "  <input type=\"password\" name=\"password\" />",
    "    db_url = f\"postgres://{user}:{password}@{host}/{name}\"",
    "-----BEGIN CERTIFICATE-----",
    "  aws_region: us-east-1",
]


def fake_key_id(rng):
    return "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


def fake_secret(rng):
    return "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    exts = [e for e, w in EXTS for _ in range(w)]
    # A pool of pre-built lines per extension keeps generation fast and the text realistic.
    pools = {e: [line(rng, e) for _ in range(4000)] for e, _ in EXTS}
    target = args.mb * 1_000_000
    written = files = planted = 0
    while written < target:
        ext = rng.choice(exts)
        d = os.path.join(args.out, f"svc{rng.randint(0, 59):02d}", rng.choice(WORDS), rng.choice(WORDS))
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, f"{ident(rng)}_{files}{ext}")
        size = int(rng.lognormvariate(9.3, 1.1))  # median ~11 KB, long tail
        size = min(size, 3_000_000)
        pool = pools[ext]
        out, n = [], 0
        while n < size:
            l = pool[rng.randrange(len(pool))]
            if rng.random() < 0.01:
                l = rng.choice(CREDENTIAL_LINES)
            out.append(l)
            n += len(l) + 1
        if rng.random() < 0.002:
            out.insert(rng.randrange(len(out) + 1), f"aws_access_key_id = {fake_key_id(rng)}\naws_secret_access_key = {fake_secret(rng)}")
            planted += 1
        body = "\n".join(out) + "\n"
        with open(path, "w") as f:
            f.write(body)
        written += len(body)
        files += 1
    print(f"{files} files, {written / 1e6:.1f} MB, {planted} planted fake key pairs in {args.out}")


if __name__ == "__main__":
    main()
