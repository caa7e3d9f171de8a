#!/bin/sh
# purge cache with the account's global key (old script)
curl -X POST "https://api.cloudflare.com/client/v4/zones/$ZONE/purge_cache" \
  -H "X-Auth-Email: ops@acme.dev" \
  -H "X-Auth-Key: fbdd9fedd33add0a19dca9273e7c1f379c72b" \
  --data '{"purge_everything":true}'
export CF_ORIGIN_CA_KEY=v1.0-d57d32343e09790a52eec4b7-190ea9af4f66916abf05676139a8d4aed25793685798b37957842e2e21098d25967580541ec0f152baf19553d7e878f7f8161e5a40fde802357419d1a8f25c875fe1adeb614f44e107
echo "origin-ca-issuer version: v1.0-beta"
