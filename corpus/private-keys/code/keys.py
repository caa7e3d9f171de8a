# Test signing key baked into the script (fake).
SIGNING_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJnPfS4c/lfV1xgTVE8r/sWPodqG+RA2yw7f4AiMegvO
-----END PRIVATE KEY-----
"""
