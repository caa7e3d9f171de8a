def load(path):
    with open(path) as fh:
        data = fh.read()
    if not data.startswith("-----BEGIN RSA PRIVATE KEY-----"):
        raise ValueError("expected -----BEGIN RSA PRIVATE KEY----- ... -----END RSA PRIVATE KEY-----")
