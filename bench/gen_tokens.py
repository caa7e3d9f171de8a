#!/usr/bin/env python3
"""Fake provider tokens with the right structure (prefixes, lengths, checksums, encoded
headers), for rule examples and the corpus. Never real credentials: every byte is random.

    python3 bench/gen_tokens.py list                  # generator names
    python3 bench/gen_tokens.py npm 3                 # three fake npm tokens
    python3 bench/gen_tokens.py fill SRC DST [--expected FILE] [--seed N]

`fill` copies a template file or tree, replacing markers:
    ⟦gen⟧            a fresh token from generator `gen`
    ⟦gen(name)⟧      a generator that takes a stored value (e.g. a JWT signed with a secret)
    ⟦gen@name⟧       a fresh token, stored as `name`;   ⟦=name⟧  the stored value again
    ⟦+kind:gen…⟧     the same, and an expected finding of `kind` on this line (EXPECTED.toml)
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
import random
import re
import sys

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
UPNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def pick(r, alphabet, n):
    return "".join(r.choice(alphabet) for _ in range(n))


def b62_crc(s):
    n = binascii.crc32(s.encode()) & 0xFFFFFFFF
    out = ""
    for _ in range(6):
        out = B62[n % 62] + out
        n //= 62
    return out


def b62_token(r, prefix):
    body = pick(r, ALNUM, 30)
    return prefix + body + b62_crc(body)


def bad_checksum(tok):
    last = tok[-1]
    return tok[:-1] + ("A" if last != "A" else "B")


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64(data):
    return base64.b64encode(data).decode()


def digits(r, n):
    return str(r.randint(1, 9)) + pick(r, "0123456789", n - 1)


def jwt(r, secret, alg="HS256"):
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(
        json.dumps(
            {"sub": digits(r, 8), "name": "svc-" + pick(r, "abcdefghijklmnopqrstuvwxyz", 6), "iat": 1700000000 + r.randint(0, 10**7)},
            separators=(",", ":"),
        ).encode()
    )
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    sig = hmac.new(secret.encode(), f"{header}.{payload}".encode(), digest).digest()
    return f"{header}.{payload}.{b64url(sig)}"


def jwt_rs(r, _=None):
    header = b64url(b'{"alg":"RS256","typ":"JWT","kid":"k1"}')
    payload = b64url(json.dumps({"sub": digits(r, 8), "iss": "https://issuer.internal"}).encode())
    return f"{header}.{payload}.{b64url(r.randbytes(256))}"


def macaroon(r, location):
    ident = json.dumps({"version": 1, "permissions": "user"}).encode()
    caveat = json.dumps({"nonce": pick(r, HEX, 16)}).encode()
    raw = (
        b"\x02\x01" + bytes([len(location)]) + location
        + b"\x02" + bytes([len(ident)]) + ident + b"\x00"
        + b"\x02" + bytes([len(caveat)]) + caveat + b"\x00\x00"
        + b"\x06\x20" + r.randbytes(32)
    )
    return "pypi-" + b64url(raw)


def grafana_sa(r):
    head = "glsa_" + pick(r, ALNUM, 32)
    crc = (binascii.crc32(head.encode()) & 0xFFFFFFFF).to_bytes(4, "little").hex()
    return f"{head}_{crc}"


def pct(s):
    return s.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def basic_b64(r):
    return b64(f"ci-{pick(r, 'abcdefghijklmnopqrstuvwxyz', 5)}:{pick(r, ALNUM, 14)}-{pick(r, ALNUM, 6)}".encode())


def discord_bot(r):
    ident = b64url(digits(r, 18).encode())
    return f"{ident}.{pick(r, URLSAFE, 6)}.{pick(r, URLSAFE, 38)}"


def snowflake(r):
    return digits(r, 18)


# --- providers-a: source control, CI/CD, cloud and infra, registries, observability ---------

BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
LOWNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
B32LOW = "abcdefghijklmnopqrstuvwxyz234567"


def bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def bech32_encode(hrp, data):
    """Bech32 (BIP-173) of 8-bit `data` under `hrp`."""
    acc, bits, five = 0, 0, []
    for b in data:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            five.append((acc >> bits) & 31)
    if bits:
        five.append((acc << (5 - bits)) & 31)
    expand = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = bech32_polymod(expand + five + [0] * 6) ^ 1
    check = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32[d] for d in five + check)


def age_key(r):
    return bech32_encode("age-secret-key-", r.randbytes(32)).upper()


def age_key_bad(r):
    k = age_key(r)
    return k[:-1] + ("Q" if k[-1] != "Q" else "P")


def jwt_claims(r, claims, secret="x"):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(sig)}"


def supabase_jwt(r, role):
    ref = pick(r, "abcdefghijklmnopqrstuvwxyz", 20)
    iat = 1690000000 + r.randint(0, 10**7)
    return jwt_claims(r, {"iss": "supabase", "ref": ref, "role": role, "iat": iat, "exp": iat + 10**9}, pick(r, ALNUM, 40))


def perm_token(r):
    user = b64(pick(r, "abcdefghijklmnopqrstuvwxyz", 6).encode())
    name = b64(("ci-" + digits(r, 2)).encode())
    return f"perm:{user}.{name}.{pick(r, ALNUM, 30)}"


def teamcity(r):
    return "eyJ0eXAiOiAiVENWMiJ9." + pick(r, URLSAFE, 36) + "." + pick(r, URLSAFE, 48)


def onepassword(r):
    claims = {"signInAddress": "acme.1password.com", "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256", "iterations": 650000, "salt": pick(r, URLSAFE, 22)}, "email": pick(r, "abcdefghijklmnopqrstuvwxyz", 10) + "@1passwordserviceaccounts.com", "srpX": pick(r, HEX, 64), "muk": {"alg": "A256GCM", "ext": True, "k": pick(r, URLSAFE, 43), "key_ops": ["encrypt", "decrypt"], "kty": "oct", "kid": "mp"}, "secretKey": "A3-" + pick(r, UPNUM, 6) + "-" + pick(r, UPNUM, 6), "throttleSecret": {"seed": pick(r, HEX, 64), "uuid": pick(r, UPNUM, 26)}, "deviceUuid": pick(r, LOWNUM, 26)}
    return "ops_" + b64url(json.dumps(claims, separators=(",", ":")).encode())


def elastic_apikey(r):
    return b64(f"{pick(r, URLSAFE, 20)}:{pick(r, URLSAFE, 22)}".encode())


def jfrog_access(r):
    header = b64url(json.dumps({"ver": "2", "typ": "JWT", "alg": "RS256", "kid": pick(r, URLSAFE, 43)}, separators=(",", ":")).encode())
    sid = pick(r, "0123456789abcdefghjkmnpqrstvwxyz", 26)
    payload = b64url(json.dumps({"sub": f"jfac@{sid}/users/ci-bot", "scp": "applied-permissions/user", "aud": "*@*", "iss": f"jfac@{sid}", "exp": 1900000000 + r.randint(0, 10**7), "iat": 1700000000 + r.randint(0, 10**7), "jti": f"{pick(r, HEX, 8)}-{pick(r, HEX, 4)}-4{pick(r, HEX, 3)}-a{pick(r, HEX, 3)}-{pick(r, HEX, 12)}"}, separators=(",", ":")).encode())
    return f"{header}.{payload}.{b64url(r.randbytes(256))}"


def azdo_pat(r):
    return pick(r, ALNUM, 52) + "JQQJ99" + pick(r, UPNUM, 2) + "ACAAAAAAAAAAAAAS" + "AZDO" + pick(r, ALNUM, 4)


GEN = {
    # GitHub
    "ghp": lambda r: b62_token(r, "ghp_"),
    "gho": lambda r: b62_token(r, "gho_"),
    "ghu": lambda r: b62_token(r, "ghu_"),
    "ghs": lambda r: b62_token(r, "ghs_"),
    "ghr": lambda r: b62_token(r, "ghr_"),
    "ghp_bad": lambda r: bad_checksum(b62_token(r, "ghp_")),
    "ghs_bad": lambda r: bad_checksum(b62_token(r, "ghs_")),
    "github_pat": lambda r: "github_pat_11" + pick(r, UPNUM, 20) + "_" + pick(r, ALNUM, 59),
    # GitLab, Bitbucket
    "glpat": lambda r: "glpat-" + pick(r, URLSAFE, 20),
    "glptt": lambda r: "glptt-" + pick(r, HEX, 40),
    "glrt": lambda r: "glrt-" + pick(r, URLSAFE, 20),
    "glrr": lambda r: "GR1348941" + pick(r, URLSAFE, 20),
    "gldt": lambda r: "gldt-" + pick(r, URLSAFE, 20),
    "gloas": lambda r: "gloas-" + pick(r, HEX, 64),
    "glft": lambda r: "glft-" + pick(r, URLSAFE, 20),
    "glcbt": lambda r: "glcbt-" + pick(r, HEX, 2) + "_" + pick(r, URLSAFE, 20),
    "bb_app_pw": lambda r: "ATBB" + pick(r, ALNUM, 28) + pick(r, HEX.upper(), 8),
    # Slack
    "xoxb": lambda r: f"xoxb-{digits(r, 12)}-{digits(r, 13)}-{pick(r, ALNUM, 24)}",
    "xoxp": lambda r: f"xoxp-{digits(r, 12)}-{digits(r, 12)}-{digits(r, 13)}-{pick(r, HEX, 32)}",
    "xapp": lambda r: f"xapp-1-A{pick(r, UPNUM, 10)}-{digits(r, 13)}-{pick(r, HEX, 64)}",
    "xoxe": lambda r: "xoxe.xoxp-1-" + pick(r, ALNUM, 150),
    "xoxe_refresh": lambda r: "xoxe-1-" + pick(r, ALNUM, 150),
    "slack_webhook": lambda r: f"https://hooks.slack.com/services/T{pick(r, UPNUM, 10)}/B{pick(r, UPNUM, 10)}/{pick(r, ALNUM, 24)}",
    # Discord, Telegram, messaging
    "discord_bot": discord_bot,
    "discord_bot_bad": lambda r: "Tm90QUJvdElkQXRBbGxYWFhY." + pick(r, URLSAFE, 6) + "." + pick(r, URLSAFE, 38),
    "discord_webhook": lambda r: f"https://discord.com/api/webhooks/{snowflake(r)}/{pick(r, URLSAFE, 68)}",
    "telegram": lambda r: f"{digits(r, 10)}:AA{pick(r, URLSAFE, 33)}",
    "hex32": lambda r: pick(r, HEX, 32),
    "hex40": lambda r: pick(r, HEX, 40),
    "hex64": lambda r: pick(r, HEX, 64),
    "sendgrid": lambda r: f"SG.{pick(r, URLSAFE, 22)}.{pick(r, URLSAFE, 43)}",
    "mailgun": lambda r: "key-" + pick(r, HEX, 32),
    "mailgun_new": lambda r: f"{pick(r, HEX, 32)}-{pick(r, HEX, 8)}-{pick(r, HEX, 8)}",
    "mailchimp": lambda r: pick(r, HEX, 32) + "-us" + str(r.randint(1, 21)),
    "uuid": lambda r: f"{pick(r, HEX, 8)}-{pick(r, HEX, 4)}-4{pick(r, HEX, 3)}-a{pick(r, HEX, 3)}-{pick(r, HEX, 12)}",
    # Payments, commerce
    "sk_live": lambda r: "sk_live_51" + pick(r, ALNUM, 97),
    "sk_live_short": lambda r: "sk_live_" + pick(r, ALNUM, 24),
    "rk_live": lambda r: "rk_live_51" + pick(r, ALNUM, 97),
    "sk_test": lambda r: "sk_test_51" + pick(r, ALNUM, 97),
    "pk_live": lambda r: "pk_live_51" + pick(r, ALNUM, 97),
    "whsec": lambda r: "whsec_" + pick(r, ALNUM, 32),
    "square_eaaa": lambda r: "EAAA" + pick(r, URLSAFE, 60),
    "square_sq0atp": lambda r: "sq0atp-" + pick(r, URLSAFE, 22),
    "square_sq0csp": lambda r: "sq0csp-" + pick(r, URLSAFE, 43),
    "braintree": lambda r: f"access_token$production${pick(r, '0123456789abcdefghijklmnopqrstuvwxyz', 16)}${pick(r, HEX, 32)}",
    "braintree_sandbox": lambda r: f"access_token$sandbox${pick(r, '0123456789abcdefghijklmnopqrstuvwxyz', 16)}${pick(r, HEX, 32)}",
    "paypal_secret": lambda r: "E" + pick(r, URLSAFE, 79),
    "paypal_client_id": lambda r: "A" + pick(r, URLSAFE, 79),
    "shpat": lambda r: "shpat_" + pick(r, HEX, 32),
    "shppa": lambda r: "shppa_" + pick(r, HEX, 32),
    "shpss": lambda r: "shpss_" + pick(r, HEX, 32),
    # Google, Firebase
    "google_api": lambda r: "AIza" + pick(r, URLSAFE, 35),
    "gocspx": lambda r: "GOCSPX-" + pick(r, URLSAFE, 28),
    "fcm": lambda r: "AAAA" + pick(r, URLSAFE, 7) + ":APA91b" + pick(r, URLSAFE, 134),
    # Azure
    "azure_storage_key": lambda r: b64(r.randbytes(64)),
    "azure_storage_key_short": lambda r: b64(r.randbytes(48)),
    "sas_sig": lambda r: pct(b64(r.randbytes(32))),
    "sb_key": lambda r: b64(r.randbytes(32)),
    "azure_ad_secret": lambda r: pick(r, ALNUM, 3) + str(r.randint(0, 9)) + "Q~" + pick(r, ALNUM + "_.-", 34),
    # Cloud platforms
    "dop": lambda r: "dop_v1_" + pick(r, HEX, 64),
    "doo": lambda r: "doo_v1_" + pick(r, HEX, 64),
    "hrku": lambda r: "HRKU-AA" + pick(r, URLSAFE, 58),
    "cf_token": lambda r: pick(r, URLSAFE, 40),
    "cf_global": lambda r: pick(r, HEX, 37),
    "cf_origin_ca": lambda r: "v1.0-" + pick(r, HEX, 24) + "-" + pick(r, HEX, 146),
    "fastly": lambda r: pick(r, URLSAFE, 32),
    "vercel": lambda r: pick(r, ALNUM, 24),
    "nfp": lambda r: "nfp_" + pick(r, ALNUM, 36),
    "netlify_legacy": lambda r: pick(r, URLSAFE, 43),
    # Registries
    "npm": lambda r: b62_token(r, "npm_"),
    "npm_bad": lambda r: bad_checksum(b62_token(r, "npm_")),
    "basic_b64": basic_b64,
    "pypi": lambda r: macaroon(r, b"pypi.org"),
    "pypi_test": lambda r: macaroon(r, b"test.pypi.org"),
    "pypi_bad": lambda r: macaroon(r, b"evil.example"),
    "rubygems": lambda r: "rubygems_" + pick(r, HEX, 48),
    "nuget": lambda r: "oy2" + pick(r, "abcdefghijklmnopqrstuvwxyz0123456789", 43),
    "dckr_pat": lambda r: "dckr_pat_" + pick(r, URLSAFE, 27),
    "tfc": lambda r: pick(r, ALNUM, 14) + ".atlasv1." + pick(r, ALNUM, 67),
    "hvs": lambda r: "hvs.CAESI" + pick(r, URLSAFE, 86),
    "hvs_short": lambda r: "hvs." + pick(r, ALNUM, 24),
    "hvb": lambda r: "hvb.AAAAAQ" + pick(r, URLSAFE, 128),
    "akcp": lambda r: "AKCp" + pick(r, ALNUM, 69),
    "jfrog_ref": lambda r: b64(f"reftkn:01:{digits(r, 10)}:{pick(r, ALNUM, 32)}".encode()).rstrip("="),
    # Observability
    "sntrys": lambda r: "sntrys_" + b64(json.dumps({"iat": 1700000000 + r.randint(0, 10**7), "url": "https://sentry.io", "region_url": "https://us.sentry.io", "org": "acme"}).encode()).rstrip("=") + "_" + pick(r, ALNUM + "+/", 43),
    "sntryu": lambda r: "sntryu_" + pick(r, HEX, 64),
    "nrak": lambda r: "NRAK-" + pick(r, UPNUM, 27),
    "nral": lambda r: pick(r, HEX, 36) + "NRAL",
    "nrii": lambda r: "NRII-" + pick(r, URLSAFE, 32),
    "glsa": grafana_sa,
    "glsa_bad": lambda r: grafana_sa(r)[:-8] + "00000000",
    "glc": lambda r: "glc_" + b64(json.dumps({"o": digits(r, 6), "n": "stack-" + digits(r, 6) + "-hm-read", "k": pick(r, ALNUM, 24), "m": {"r": "prod-us-east-0"}}).encode()).rstrip("="),
    "grafana_key": lambda r: b64(json.dumps({"k": pick(r, ALNUM, 32), "n": "deploy", "id": r.randint(1, 9)}, separators=(",", ":")).encode()).rstrip("="),
    "pagerduty": lambda r: "u+" + pick(r, URLSAFE, 18),
    # AI providers
    "openai_proj": lambda r: "sk-proj-" + pick(r, URLSAFE, 74) + "T3BlbkFJ" + pick(r, URLSAFE, 74),
    "openai_legacy": lambda r: "sk-" + pick(r, ALNUM, 20) + "T3BlbkFJ" + pick(r, ALNUM, 20),
    "openai_svc": lambda r: "sk-svcacct-" + pick(r, URLSAFE, 74) + "T3BlbkFJ" + pick(r, URLSAFE, 74),
    "anthropic": lambda r: "sk-ant-api03-" + pick(r, URLSAFE, 93) + "AA",
    "anthropic_admin": lambda r: "sk-ant-admin01-" + pick(r, URLSAFE, 93) + "AA",
    "hf": lambda r: "hf_" + pick(r, LETTERS, 34),
    # JWT, generic
    "secret32": lambda r: pick(r, ALNUM, 32),
    "secret24": lambda r: pick(r, ALNUM + "-_", 24),
    "jwt256": lambda r, s: jwt(r, s, "HS256"),
    "jwt512": lambda r, s: jwt(r, s, "HS512"),
    "jwt_rs": jwt_rs,
    # nothing: `⟦+kind:empty⟧` records a finding another family's rule makes on this line
    "empty": lambda r: "",
    "human_secret": lambda r: pick(r, LETTERS, 6) + "-" + pick(r, ALNUM, 8) + "!",
    # --- providers-a -------------------------------------------------------------------
    # source control, CI/CD, secrets managers
    "github_legacy": lambda r: pick(r, HEX, 40),
    "atatt": lambda r: "ATATT3xFfGF0" + pick(r, URLSAFE, 171) + "=" + pick(r, HEX.upper(), 8),
    "atctt": lambda r: "ATCTT3xFfGN0" + pick(r, URLSAFE, 171) + "=" + pick(r, HEX.upper(), 8),
    "atlassian_legacy": lambda r: pick(r, ALNUM, 24),
    "bbdc": lambda r: "BBDC-" + pick(r, ALNUM + "+_", 44),
    "sgp": lambda r: "sgp_" + pick(r, HEX, 16) + "_" + pick(r, HEX, 40),
    "sgp_local": lambda r: "sgp_local_" + pick(r, HEX, 40),
    "azdo_pat": azdo_pat,
    "azdo_legacy": lambda r: pick(r, B32LOW, 52),
    "ccipat": lambda r: "CCIPAT_" + pick(r, ALNUM, 22) + "_" + pick(r, HEX, 40),
    "cciprj": lambda r: "CCIPRJ_" + pick(r, ALNUM, 22) + "_" + pick(r, HEX, 40),
    "travis": lambda r: pick(r, ALNUM, 22),
    "bkua": lambda r: "bkua_" + pick(r, HEX, 40),
    "drone": lambda r: pick(r, ALNUM, 32),
    "teamcity": teamcity,
    "jenkins": lambda r: "11" + pick(r, HEX, 32),
    "sonar": lambda r: r.choice(["squ_", "sqp_", "sqa_"]) + pick(r, HEX, 40),
    "doppler_pt": lambda r: "dp.pt." + pick(r, ALNUM, 43),
    "doppler_st": lambda r: "dp.st.prd." + pick(r, ALNUM, 40),
    "doppler_sa": lambda r: "dp.sa." + pick(r, ALNUM, 43),
    "hvr": lambda r: "hvr." + pick(r, ALNUM, 24),
    "vault_legacy": lambda r: "s." + pick(r, ALNUM, 24),
    "pulumi": lambda r: "pul-" + pick(r, HEX, 40),
    "octopus": lambda r: "API-" + pick(r, UPNUM, 27),
    "harness": lambda r: "pat." + pick(r, URLSAFE, 22) + "." + pick(r, HEX, 24) + "." + pick(r, ALNUM, 20),
    "onepassword": onepassword,
    "deno": lambda r: "ddp_" + pick(r, ALNUM, 36),
    "prefect": lambda r: "pnu_" + pick(r, ALNUM, 36),
    "perm": perm_token,
    # cloud and infra
    "age": age_key,
    "age_bad": age_key_bad,
    "swmtkn": lambda r: "SWMTKN-1-" + pick(r, B36, 50) + "-" + pick(r, B36, 25),
    "swmkey": lambda r: "SWMKEY-1-" + b64(r.randbytes(32)).rstrip("="),
    "k8s_bootstrap": lambda r: pick(r, LOWNUM, 6) + "." + pick(r, LOWNUM, 16),
    "tskey": lambda r: "tskey-auth-k" + pick(r, ALNUM, 11) + "-" + pick(r, ALNUM, 33),
    "tskey_api": lambda r: "tskey-api-k" + pick(r, ALNUM, 11) + "-" + pick(r, ALNUM, 33),
    "ngrok": lambda r: str(r.randint(1, 2)) + pick(r, ALNUM, 26) + "_" + pick(r, ALNUM, 21),
    "fo1": lambda r: "fo1_" + pick(r, URLSAFE, 43),
    "flyv1": lambda r: "FlyV1 fm2_" + b64(r.randbytes(180)) + ",fm2_" + b64(r.randbytes(120)),
    "rnd": lambda r: "rnd_" + pick(r, ALNUM, 32),
    "vultr": lambda r: pick(r, UPNUM, 36),
    "hetzner": lambda r: pick(r, ALNUM, 64),
    "scw_ak": lambda r: "SCW" + pick(r, UPNUM, 17),
    "ltai": lambda r: "LTAI5t" + pick(r, ALNUM, 18),
    "alibaba_secret": lambda r: pick(r, ALNUM, 30),
    "akid": lambda r: "AKID" + pick(r, ALNUM, 32),
    "ibm_key": lambda r: pick(r, URLSAFE, 44),
    "sbp": lambda r: "sbp_" + pick(r, HEX, 40),
    "sb_secret": lambda r: "sb_secret_" + pick(r, URLSAFE, 31),
    "supabase_service": lambda r: supabase_jwt(r, "service_role"),
    "supabase_anon": lambda r: supabase_jwt(r, "anon"),
    "sb_publishable": lambda r: "sb_publishable_" + pick(r, URLSAFE, 31),
    "pscale_tkn": lambda r: "pscale_tkn_" + pick(r, URLSAFE, 43),
    "pscale_pw": lambda r: "pscale_pw_" + pick(r, URLSAFE, 43),
    "pscale_oauth": lambda r: "pscale_oauth_" + pick(r, URLSAFE, 43),
    "napi": lambda r: "napi_" + pick(r, LOWNUM, 64),
    "dapi": lambda r: "dapi" + pick(r, HEX, 32),
    "dose": lambda r: "dose" + pick(r, HEX, 32),
    "confluent_secret": lambda r: pick(r, ALNUM + "+/", 64),
    "vercel_blob": lambda r: "vercel_blob_rw_" + pick(r, ALNUM, 16) + "_" + pick(r, ALNUM, 30),
    "upstash": lambda r: "A" + pick(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1) + pick(r, URLSAFE, 70),
    # registries
    "cio": lambda r: "cio" + pick(r, ALNUM, 32),
    "clojars": lambda r: "CLOJARS_" + pick(r, LOWNUM, 60),
    "gradle": lambda r: pick(r, ALNUM, 32),
    # observability
    "nraa": lambda r: "NRAA-" + pick(r, HEX, 27),
    "nrra": lambda r: "NRRA-" + pick(r, HEX, 42),
    "nrjs": lambda r: "NRJS-" + pick(r, HEX, 19),
    "dt0c01": lambda r: "dt0c01." + pick(r, UPNUM, 24) + "." + pick(r, UPNUM, 64),
    "hcaik": lambda r: "hcaik_" + pick(r, LOWNUM, 58),
    "honeycomb_legacy": lambda r: pick(r, ALNUM, 22),
    "sumo_key": lambda r: pick(r, ALNUM, 64),
    "xaat": lambda r: "xaat-" + f"{pick(r, HEX, 8)}-{pick(r, HEX, 4)}-4{pick(r, HEX, 3)}-a{pick(r, HEX, 3)}-{pick(r, HEX, 12)}",
    "elastic_apikey": elastic_apikey,
    "alnum32": lambda r: pick(r, ALNUM, 32),
    "confluent_key": lambda r: pick(r, UPNUM, 16),
    "jfrog_access": jfrog_access,
    "cloudinary_url": lambda r: f"cloudinary://{digits(r, 15)}:{pick(r, URLSAFE, 27)}@acme-media",
}


# --- Chat, email/SMS, payments, AI, feature flags, CRM/marketing, identity, productivity
# (issue 18, second half of the families). Kept in a block of its own for an easy merge.
LOWNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
B32L = "abcdefghijklmnopqrstuvwxyz234567"
HEXU = "0123456789ABCDEF"


def uuid4(r):
    return f"{pick(r, HEX, 8)}-{pick(r, HEX, 4)}-4{pick(r, HEX, 3)}-{r.choice('89ab')}{pick(r, HEX, 3)}-{pick(r, HEX, 12)}"


def jwt_claims(r, claims, alg="HS256", header=None):
    h = b64url(json.dumps(header or {"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    p = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = {"HS256": 32, "HS512": 64, "RS256": 256, "ES256": 64}[alg]
    return f"{h}.{p}.{b64url(r.randbytes(sig))}"


def intercom(r):
    ident = "_".join(pick(r, HEX, n) for n in (8, 4, 4, 4, 12))
    return b64(f"tok:{ident}:1:0".encode())


GEN.update({
    # Chat and collaboration
    "xoxa": lambda r: f"xoxa-2-{digits(r, 12)}-{digits(r, 12)}-{digits(r, 12)}-{pick(r, HEX, 32)}",
    "xoxr": lambda r: f"xoxr-{digits(r, 12)}-{digits(r, 12)}-{digits(r, 12)}-{pick(r, HEX, 32)}",
    "xoxb_legacy": lambda r: f"xoxb-{digits(r, 11)}-{pick(r, ALNUM, 24)}",
    "slack_workflow": lambda r: f"https://hooks.slack.com/workflows/T{pick(r, UPNUM, 10)}/A{pick(r, UPNUM, 10)}/{digits(r, 18)}/{pick(r, ALNUM, 24)}",
    "slack_trigger": lambda r: f"https://hooks.slack.com/triggers/T{pick(r, UPNUM, 10)}/{digits(r, 13)}/{pick(r, HEX, 32)}",
    "teams_webhook": lambda r: f"https://acme.webhook.office.com/webhookb2/{uuid4(r)}@{uuid4(r)}/IncomingWebhook/{pick(r, HEX, 32)}/{uuid4(r)}",
    "teams_workflow": lambda r: f"https://prod-{r.randint(10, 99)}.westeurope.logic.azure.com:443/workflows/{pick(r, HEX, 32)}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={pick(r, URLSAFE, 43)}",
    "mattermost": lambda r: pick(r, LOWNUM, 26),
    "webex": lambda r: f"{pick(r, ALNUM, 64)}_{pick(r, UPNUM, 4)}_{uuid4(r)}",
    "asana": lambda r: f"2/{digits(r, 16)}/{digits(r, 16)}:{pick(r, HEX, 32)}",
    "notion_secret": lambda r: "secret_" + pick(r, ALNUM, 43),
    "notion_ntn": lambda r: "ntn_" + digits(r, 11) + pick(r, ALNUM, 35),
    "linear": lambda r: "lin_api_" + pick(r, ALNUM, 40),
    "linear_oauth": lambda r: "lin_oauth_" + pick(r, HEX, 64),
    "trello": lambda r: "ATTA" + pick(r, HEX, 64) + pick(r, HEXU, 8),
    "monday": lambda r: jwt_claims(r, {"tid": r.randint(10**8, 10**9), "aai": 11, "uid": r.randint(10**7, 10**8), "iad": "2024-03-01T10:00:00.000Z", "per": "me:write", "actid": r.randint(10**6, 10**7), "rgn": "euc1"}, header={"alg": "HS256"}),
    "clickup": lambda r: f"pk_{digits(r, 8)}_{pick(r, UPNUM, 32)}",
    "airtable_pat": lambda r: f"pat{pick(r, ALNUM, 14)}.{pick(r, HEX, 64)}",
    "figma": lambda r: "figd_" + pick(r, URLSAFE, 40),
    "miro": lambda r: b64url(b'{"miro.origin":"eu01"}') + "_" + pick(r, URLSAFE, 27),
    "dropbox_long": lambda r: pick(r, LOWNUM, 11) + "AAAAAAAAAA" + pick(r, URLSAFE, 43),
    "dropbox_short": lambda r: "sl.B" + pick(r, URLSAFE, 134),
    "zapier_hook": lambda r: f"https://hooks.zapier.com/hooks/catch/{digits(r, 8)}/{pick(r, LOWNUM, 7)}/",
    "make_hook": lambda r: f"https://hook.eu1.make.com/{pick(r, LOWNUM, 32)}",
    "ifttt_key": lambda r: pick(r, URLSAFE, 22),
    "configcat_legacy": lambda r: f"{pick(r, URLSAFE, 22)}/{pick(r, URLSAFE, 22)}",
    "hex20": lambda r: pick(r, HEX, 20),
    "pushover": lambda r: pick(r, LOWNUM, 30),
    "pushbullet": lambda r: "o." + pick(r, ALNUM, 32),
    "alnum16": lambda r: pick(r, ALNUM, 16),
    "alnum20": lambda r: pick(r, ALNUM, 20),
    "alnum25": lambda r: pick(r, ALNUM, 25),
    "alnum40": lambda r: pick(r, ALNUM, 40),
    "alnum64": lambda r: pick(r, ALNUM, 64),
    "urlsafe32": lambda r: pick(r, URLSAFE, 32),
    "urlsafe64": lambda r: pick(r, URLSAFE, 64),
    # Email, SMS, voice
    "twilio_sid": lambda r: "AC" + pick(r, HEX, 32),
    "twilio_sk": lambda r: "SK" + pick(r, HEX, 32),
    "mandrill": lambda r: "md-" + pick(r, URLSAFE, 22),
    "brevo": lambda r: f"xkeysib-{pick(r, HEX, 64)}-{pick(r, ALNUM, 16)}",
    "brevo_smtp": lambda r: f"xsmtpsib-{pick(r, HEX, 64)}-{pick(r, ALNUM, 16)}",
    "resend": lambda r: f"re_{pick(r, ALNUM, 8)}_{pick(r, ALNUM, 24)}",
    "mailersend": lambda r: "mlsn." + pick(r, HEX, 64),
    "telnyx": lambda r: f"KEY{pick(r, HEXU, 32)}_{pick(r, ALNUM, 22)}",
    "plivo_id": lambda r: "MA" + pick(r, UPNUM, 18),
    # Payments and commerce
    "paystack": lambda r: "sk_live_" + pick(r, HEX, 40),
    "flutterwave": lambda r: f"FLWSECK-{pick(r, HEX, 32)}-X",
    "flutterwave_test": lambda r: f"FLWSECK_TEST-{pick(r, HEX, 32)}-X",
    "razorpay_id": lambda r: "rzp_live_" + pick(r, ALNUM, 14),
    "alnum24": lambda r: pick(r, ALNUM, 24),
    "mollie": lambda r: "live_" + pick(r, ALNUM, 30),
    "gocardless": lambda r: "live_" + pick(r, URLSAFE, 40),
    "checkout_sbox": lambda r: "sk_sbox_" + pick(r, B32L, 27),
    "checkout_live": lambda r: "sk_" + pick(r, B32L, 27),
    "plaid_access": lambda r: "access-production-" + uuid4(r),
    "hex30": lambda r: pick(r, HEX, 30),
    "duffel": lambda r: "duffel_live_" + pick(r, URLSAFE, 43),
    "paddle": lambda r: f"pdl_live_apikey_01{pick(r, LOWNUM, 24)}_{pick(r, ALNUM, 22)}_{pick(r, ALNUM, 3)}",
    "lemonsqueezy": lambda r: jwt_claims(r, {"aud": "1", "jti": pick(r, HEX, 80), "iat": 1700000000 + r.randint(0, 10**7), "sub": digits(r, 6), "scopes": []}, "RS256"),
    "shippo": lambda r: "shippo_live_" + pick(r, HEX, 40),
    "easypost": lambda r: "EZAK" + pick(r, HEX, 54),
    "easypost_test": lambda r: "EZTK" + pick(r, HEX, 54),
    # AI and ML
    "hf_org": lambda r: "api_org_" + pick(r, LETTERS, 34),
    "replicate": lambda r: "r8_" + pick(r, ALNUM, 37),
    "groq": lambda r: "gsk_" + pick(r, ALNUM, 52),
    "perplexity": lambda r: "pplx-" + pick(r, ALNUM, 48),
    "xai": lambda r: "xai-" + pick(r, ALNUM, 80),
    "langsmith": lambda r: f"lsv2_pt_{pick(r, HEX, 32)}_{pick(r, HEX, 10)}",
    "langsmith_sk": lambda r: f"lsv2_sk_{pick(r, HEX, 32)}_{pick(r, HEX, 10)}",
    "pinecone": lambda r: f"pcsk_{pick(r, ALNUM, 6)}_{pick(r, ALNUM, 63)}",
    "openrouter": lambda r: "sk-or-v1-" + pick(r, HEX, 64),
    "nvidia": lambda r: "nvapi-" + pick(r, URLSAFE, 64),
    "together": lambda r: "tgp_v1_" + pick(r, URLSAFE, 43),
    "fireworks": lambda r: "fw_" + pick(r, ALNUM, 24),
    "cerebras": lambda r: "csk-" + pick(r, LOWNUM, 48),
    "tavily": lambda r: "tvly-dev-" + pick(r, ALNUM, 32),
    "firecrawl": lambda r: "fc-" + pick(r, HEX, 32),
    "langfuse": lambda r: "sk-lf-" + uuid4(r),
    "deepseek": lambda r: "sk-" + pick(r, HEX, 32),
    "elevenlabs": lambda r: "sk_" + pick(r, HEX, 48),
    "jina": lambda r: "jina_" + pick(r, HEX, 32) + pick(r, URLSAFE, 28),
    "voyage": lambda r: "pa-" + pick(r, URLSAFE, 43),
    "helicone": lambda r: "sk-helicone-" + "-".join(pick(r, LOWNUM, 7) for _ in range(4)),
    "stability": lambda r: "sk-" + pick(r, ALNUM, 48),
    "neptune": lambda r: b64(json.dumps({"api_address": "https://app.neptune.ai", "api_url": "https://app.neptune.ai", "api_key": uuid4(r)}).encode()),
    "anyscale": lambda r: "esecret_" + pick(r, LOWNUM, 26),
    # Feature flags
    "launchdarkly_sdk": lambda r: "sdk-" + uuid4(r),
    "launchdarkly_api": lambda r: "api-" + uuid4(r),
    "launchdarkly_mob": lambda r: "mob-" + uuid4(r),
    "configcat": lambda r: f"configcat-sdk-1/{pick(r, URLSAFE, 22)}/{pick(r, URLSAFE, 22)}",
    "flagsmith": lambda r: "ser." + pick(r, ALNUM, 22),
    "posthog": lambda r: "phx_" + pick(r, ALNUM, 43),
    "statsig": lambda r: "secret-" + pick(r, ALNUM, 43),
    "unleash": lambda r: f"default:production.{pick(r, HEX, 64)}",
    "lowhex36": lambda r: pick(r, LOWNUM, 36),
    # CRM, marketing, analytics, content
    "segment_sgp": lambda r: "sgp_" + pick(r, ALNUM, 64),
    "hubspot": lambda r: "pat-na1-" + uuid4(r),
    "mapbox": lambda r: "sk.eyJ" + b64url(json.dumps({"u": "acme-" + pick(r, LOWNUM, 5), "a": pick(r, URLSAFE, 25)}, separators=(",", ":")).encode())[3:] + "." + pick(r, URLSAFE, 22),
    "contentful": lambda r: "CFPAT-" + pick(r, URLSAFE, 43),
    "sanity": lambda r: "sk" + pick(r, ALNUM, 178),
    "typeform": lambda r: f"tfp_{pick(r, URLSAFE, 44)}_{pick(r, URLSAFE, 14)}",
    "calendly": lambda r: jwt_claims(r, {"iss": "https://auth.calendly.com", "iat": 1700000000 + r.randint(0, 10**7), "jti": uuid4(r), "user_uuid": uuid4(r)}, "ES256", header={"kid": pick(r, HEX, 64), "typ": "PAT", "alg": "ES256"}),
    "intercom": intercom,
    "salesforce": lambda r: f"00D{pick(r, ALNUM, 15)}!{pick(r, ALNUM, 3)}{pick(r, ALNUM + '._', 93)}",
    "frameio": lambda r: "fio-u-" + pick(r, URLSAFE, 64),
    "postman": lambda r: f"PMAK-{pick(r, HEX, 24)}-{pick(r, HEX, 34)}",
    "readme": lambda r: "rdme_" + pick(r, LOWNUM, 70),
    "klaviyo": lambda r: "pk_" + pick(r, HEX, 34),
    # Identity
    "stytch": lambda r: "secret-live-" + pick(r, URLSAFE, 36),
    "okta": lambda r: "00" + pick(r, URLSAFE, 40),
    "auth0_secret": lambda r: pick(r, URLSAFE, 64),
    "ory": lambda r: "ory_pat_" + pick(r, ALNUM, 32),
})


# --- providers-b: the long tail (issue 18, third pass). Kept in a block of its own. ---------
def azure_ident(r, body_len, sig, tail=5, pad="=="):
    """Azure identifiable key: random base64 body, the service's 4-character signature at a
    fixed offset, then 5 characters and padding (a 32- or 64-byte key)."""
    b64a = ALNUM + "+/"
    return pick(r, b64a, body_len) + sig + pick(r, b64a, tail) + r.choice("AQgw") + pad


def laravel_key(r):
    return "base64:" + b64(r.randbytes(32))


GEN.update({
    # source control, CI
    "gitlab_session": lambda r: "_gitlab_session=" + pick(r, HEX, 32),
    "glagent": lambda r: "glagent-" + pick(r, URLSAFE, 50),
    "glimt": lambda r: "glimt-" + pick(r, URLSAFE, 25),
    "glsoat": lambda r: "glsoat-" + pick(r, URLSAFE, 20),
    "glffct": lambda r: "glffct-" + pick(r, URLSAFE, 20),
    "packagist_ort": lambda r: "packagist_ort_" + pick(r, HEX, 68),
    "packagist_out": lambda r: "packagist_out_" + pick(r, HEX, 68),
    "packagist_uut": lambda r: "packagist_uut_" + pick(r, HEX, 68),
    "packagist_cut": lambda r: "packagist_cut_" + pick(r, HEX, 68),
    "packagist_acs": lambda r: "packagist_acs_" + pick(r, HEX, 80),
    "odt": lambda r: "odt_" + pick(r, ALNUM, 32),
    "infracost": lambda r: "ico-" + pick(r, ALNUM, 32),
    "scalingo": lambda r: "tk-us-" + pick(r, URLSAFE, 48),
    "openshift": lambda r: "sha256~" + pick(r, URLSAFE, 43),
    "dnkey": lambda r: f"dnkey-{pick(r, LOWNUM, 26)}-{pick(r, LOWNUM, 52)}",
    "settlemint_pat": lambda r: "sm_pat_" + pick(r, ALNUM, 16),
    "settlemint_aat": lambda r: "sm_aat_" + pick(r, ALNUM, 16),
    "settlemint_sat": lambda r: "sm_sat_" + pick(r, ALNUM, 16),
    "sidekiq": lambda r: f"{pick(r, HEX, 8)}:{pick(r, HEX, 8)}",
    # cloud
    "absk": lambda r: "ABSK" + b64(b"BedrockAPIKey-" + pick(r, LOWNUM, 4).encode() + b"-at-" + digits(r, 12).encode() + b":" + pick(r, ALNUM + "+/", 56).encode()),
    "bedrock_short": lambda r: "bedrock-api-key-" + b64(b"bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + pick(r, UPNUM, 20).encode() + b"&X-Amz-Signature=" + pick(r, HEX, 64).encode()),
    "ya29": lambda r: "ya29.a0" + pick(r, URLSAFE, 150),
    "google_refresh": lambda r: "1//0" + pick(r, ALNUM, 1) + pick(r, URLSAFE, 98),
    "az_storage_ident": lambda r: azure_ident(r, 76, "+ASt"),
    "az_cosmos_ident": lambda r: azure_ident(r, 76, "ACDb"),
    "az_apim_ident": lambda r: azure_ident(r, 76, "APIM"),
    "az_function_ident": lambda r: pick(r, URLSAFE, 44) + "AzFu" + pick(r, URLSAFE, 5) + r.choice("AQgw") + "==",
    "az_sb_ident": lambda r: azure_ident(r, 33, "+ASb", pad="="),
    "az_eh_ident": lambda r: azure_ident(r, 33, "+AEh", pad="="),
    "az_relay_ident": lambda r: azure_ident(r, 33, "+ARm", pad="="),
    "az_iot_ident": lambda r: azure_ident(r, 33, "AIoT", pad="="),
    "az_acr_ident": lambda r: pick(r, ALNUM + "+/", 42) + "+ACR" + pick(r, ALNUM + "+/", 6),
    "az_search_ident": lambda r: pick(r, ALNUM, 42) + "AzSe" + r.choice("ABCD") + pick(r, ALNUM, 5),
    "akamai_secret": lambda r: b64(r.randbytes(32)),
    "akab": lambda r: f"akab-{pick(r, LOWNUM, 16)}-{pick(r, LOWNUM, 16)}",
    "aiven_pw": lambda r: "AVNS_" + pick(r, URLSAFE, 19),
    "aiven_token": lambda r: b64(r.randbytes(279)),
    "clickhouse": lambda r: "4b1d" + pick(r, ALNUM, 38),
    "yandex_aqvn": lambda r: "AQVN" + pick(r, URLSAFE, 36),
    "yandex_yc": lambda r: "YC" + pick(r, URLSAFE, 38),
    "yandex_iam": lambda r: "t1." + pick(r, URLSAFE, 60) + "." + pick(r, URLSAFE, 86),
    "xata": lambda r: "xau_" + pick(r, ALNUM, 40),
    "appwrite": lambda r: "standard_" + pick(r, HEX, 256),
    "wg_key": lambda r: b64(r.randbytes(32)),
    "laravel": laravel_key,
    # social and consumer platforms
    "fb_token": lambda r: "EAA" + r.choice("BGIJM") + pick(r, ALNUM, 180),
    "fb_app_token": lambda r: digits(r, 15) + "|" + pick(r, URLSAFE, 27),
    "instagram": lambda r: "IGQV" + pick(r, URLSAFE, 180),
    "twitter_bearer": lambda r: "A" * 22 + pick(r, ALNUM, 20) + "%3D" + pick(r, ALNUM, 60),
    "twitter_access": lambda r: digits(r, 19) + "-" + pick(r, ALNUM, 40),
    "alnum50": lambda r: pick(r, ALNUM, 50),
    "pinterest": lambda r: "pina_" + pick(r, UPNUM, 96),
    "line_token": lambda r: pick(r, ALNUM + "+/", 171) + "=",
    "hexup32": lambda r: pick(r, HEXU, 32),
    # payments and commerce
    "woo_ck": lambda r: "ck_" + pick(r, HEX, 40),
    "woo_cs": lambda r: "cs_" + pick(r, HEX, 40),
    "mercadopago": lambda r: f"APP_USR-{digits(r, 16)}-{digits(r, 6)}-{pick(r, HEX, 32)}-{digits(r, 9)}",
    "amzn_mws": lambda r: "amzn.mws." + uuid4(r),
    "amzn_lwa_cs": lambda r: "amzn1.oa2-cs.v1." + pick(r, HEX, 64),
    "amzn_refresh": lambda r: "Atzr|" + pick(r, URLSAFE, 300),
    "sq_sandbox_secret": lambda r: "sandbox-sq0csb-" + pick(r, URLSAFE, 43),
    "sq_sandbox_token": lambda r: "sandbox-sq0atb-" + pick(r, URLSAFE, 22),
    "adyen": lambda r: "AQE" + pick(r, ALNUM, 40) + "+" + pick(r, ALNUM + "+/", 30) + "==-" + pick(r, ALNUM + "+/", 43) + "=-" + pick(r, ALNUM, 16),
    "lob": lambda r: r.choice(["live_", "test_"]) + pick(r, HEX, 35),
    "cdp_secret": lambda r: b64(r.randbytes(64)),
    # email, messaging
    "onesignal": lambda r: "os_v2_app_" + pick(r, B32L, 113),
    "pubnub_sec": lambda r: "sec-c-" + pick(r, ALNUM, 48),
    "ably": lambda r: f"{pick(r, URLSAFE, 6)}.{pick(r, URLSAFE, 6)}:{pick(r, URLSAFE, 43)}",
    "atsk": lambda r: "atsk_" + pick(r, HEX, 64),
    "zeptomail": lambda r: "Zoho-enczapikey " + b64(r.randbytes(96)),
    "zoho": lambda r: f"1000.{pick(r, HEX, 32)}.{pick(r, HEX, 32)}",
    # observability, ops
    "uptimerobot": lambda r: "ur" + digits(r, 7) + "-" + pick(r, HEX, 24),
    "checkly": lambda r: "cu_" + pick(r, HEX, 32),
    "rootly": lambda r: "rootly_" + pick(r, HEX, 64),
    "coralogix": lambda r: "cxtp_" + pick(r, ALNUM, 30),
    # SaaS long tail
    "maxmind": lambda r: f"{pick(r, ALNUM, 6)}_{pick(r, ALNUM, 29)}_mmk",
    "op_secret_key": lambda r: f"A3-{pick(r, UPNUM, 6)}-{pick(r, UPNUM, 6)}-{pick(r, UPNUM, 5)}-{pick(r, UPNUM, 5)}-{pick(r, UPNUM, 5)}-{pick(r, UPNUM, 5)}",
    "adobe_secret": lambda r: "p8e-" + pick(r, LOWNUM, 32),
    "intra42": lambda r: r.choice(["s-s4t2ud-", "s-s4t2af-"]) + pick(r, HEX, 64),
    "authress": lambda r: f"sc_{pick(r, LOWNUM, 12)}.{pick(r, LOWNUM, 5)}.acc_{pick(r, LOWNUM, 20)}.{pick(r, URLSAFE, 64)}",
    "tines": lambda r: f"https://acme-{pick(r, LOWNUM, 6)}.tines.com/webhook/{pick(r, LOWNUM, 32)}/{pick(r, LOWNUM, 32)}",
    "ghost_admin": lambda r: f"{pick(r, HEX, 24)}:{pick(r, HEX, 64)}",
    "llx": lambda r: "llx-" + pick(r, ALNUM, 48),
    "rpa": lambda r: "rpa_" + pick(r, UPNUM, 40),
    "deepl": lambda r: uuid4(r) + ":fx",
    "anthropic_oat": lambda r: "sk-ant-oat01-" + pick(r, URLSAFE, 93) + "AA",
    "openai_admin": lambda r: "sk-admin-" + pick(r, URLSAFE, 74) + "T3BlbkFJ" + pick(r, URLSAFE, 74),
    "rails_master": lambda r: pick(r, HEX, 32),
    "hex14": lambda r: pick(r, HEX, 14),
    "upnum34": lambda r: pick(r, UPNUM, 34),
    "low20": lambda r: pick(r, LOWNUM, 20),
    "low30": lambda r: pick(r, LOWNUM, 30),
})


MARK = re.compile(r"⟦(\+(?P<kind>[a-z0-9-]+):)?(?:=(?P<ref>\w+)|(?P<gen>\w+)(?:\((?P<arg>\w+)\))?(?:@(?P<store>\w+))?)⟧")


def fill_text(text, r, store):
    expected = []
    out_lines = []
    for no, line in enumerate(text.split("\n"), 1):
        def sub(m):
            if m.group("ref"):
                v = store[m.group("ref")]
            elif m.group("arg"):
                v = GEN[m.group("gen")](r, store[m.group("arg")])
            else:
                v = GEN[m.group("gen")](r)
            if m.group("store"):
                store[m.group("store")] = v
            if m.group("kind"):
                expected.append((no, m.group("kind")))
            return v
        out_lines.append(MARK.sub(sub, line))
    return "\n".join(out_lines), expected


def fill(src, dst, expected_path, seed):
    r = random.Random(seed)
    store = {}
    files = []
    if os.path.isdir(src):
        for root, _, names in os.walk(src):
            for n in names:
                files.append(os.path.relpath(os.path.join(root, n), src))
        files.sort()
    else:
        files = [""]
    findings = []
    for rel in files:
        s = os.path.join(src, rel) if rel else src
        d = os.path.join(dst, rel) if rel else dst
        with open(s, encoding="utf-8") as f:
            text, exp = fill_text(f.read(), r, store)
        os.makedirs(os.path.dirname(d) or ".", exist_ok=True)
        with open(d, "w", encoding="utf-8") as f:
            f.write(text)
        findings += [(rel, line, kind) for line, kind in exp]
    if expected_path:
        with open(expected_path, "w") as f:
            f.write("# Every finding unleak must report for the files in this folder, and nothing else.\n")
            for rel, line, kind in findings:
                f.write(f'\n[[finding]]\nfile = "{rel}"\nline = {line}\nkind = "{kind}"\n')


def main(argv):
    if not argv or argv[0] == "list":
        print("\n".join(sorted(GEN)))
    elif argv[0] == "fill":
        seed = 42
        exp = None
        rest = argv[1:]
        if "--seed" in rest:
            i = rest.index("--seed")
            seed = int(rest[i + 1])
            del rest[i : i + 2]
        if "--expected" in rest:
            i = rest.index("--expected")
            exp = rest[i + 1]
            del rest[i : i + 2]
        fill(rest[0], rest[1], exp, seed)
    else:
        r = random.Random(int(os.environ.get("SEED", "7")))
        for _ in range(int(argv[1]) if len(argv) > 1 else 1):
            print(GEN[argv[0]](r))


if __name__ == "__main__":
    main(sys.argv[1:])
