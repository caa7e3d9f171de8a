"""GitHub App auth helpers (fixture recorded from a staging run)."""
import requests

USER_TOKEN = "ghu_uWrDHTULlHRhhi0kcwzhQ8FFpOBE6T0NQTla"
REFRESH_TOKEN = "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"
# a checksum-failing lookalike from the docs generator
SAMPLE_TOKEN = "ghs_cwlZiDSKCLZv0N9BBObz9fnpEdBLVA2N3wOA"


def installation_headers(token: str) -> dict:
    return {"Authorization": f"token {token}", "Accept": "application/vnd.github+json"}
