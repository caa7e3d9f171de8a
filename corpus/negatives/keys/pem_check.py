import re

PEM_RE = re.compile(r"-----BEGIN ([A-Z ]+) PRIVATE KEY-----(.*?)-----END \1 PRIVATE KEY-----", re.S)

def is_key(text):
    return "-----BEGIN PRIVATE KEY-----" in text or "-----BEGIN OPENSSH PRIVATE KEY-----" in text
