#!/bin/sh
# CI deploy helper (fixture)
set -eu
export INFRACOST_API_KEY=ico-tHHUdpXsb9NST22WIyg7ZCiepgkrGmGd
export SCALINGO_API_TOKEN=tk-us-3VJaI3n5HRJ3vDG3Vkpla2i-25rTINpw0xIUJDlfXXzkGCXK
oc login --token=sha256~l4foWTWDZV1q8AFpJWkk0YkNAPAftOz9D4zG3IjjXbV --server=https://api.ocp.acme.internal:6443
export DN_API_KEY=dnkey-hkmbbxnwb0frdyy4byhrn64z1o-ljyi5iwqzvd9243myezyn6a8y727i4uq61sa4myl19wvsvgmdvxg
export SETTLEMINT_ACCESS_TOKEN=sm_pat_Nt44PWXqojkvhhhh
export BUNDLE_GEMS__CONTRIBSYS__COM=078ba917:612528fa
curl -u deploy:aijCUa-76p0K3oZ! https://ci.acme.internal/job/release/build
curl -H "X-Api-Key: odt_H0bmm5ayij8y7ZsJL7TrmVqq0L2I0KJe" https://dtrack.acme.internal/api/v1/project
helm upgrade --install agent gitlab/gitlab-agent --set config.token=glagent-eLOAxHL9gVpxJswk80kBPtS3EvGDWsx12I_7rpd4jKW7dWQ1lz
# references, not secrets
curl -u "$CI_USER:$CI_PASSWORD" https://ci.acme.internal/
oc login --token=sha256~<token>
