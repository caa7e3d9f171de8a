#!/bin/sh
# Nightly index cleanup
curl -s -H "Authorization: ApiKey ajVRbjJBMkJvc1RiWVRTdTFxVWw6UmhPaHY2S25XaTNaQVJGOXNPMENjMw==" \
  "https://es.acme.internal:9200/_cat/indices?v"
curl -s -H "Authorization: ApiKey ${ELASTIC_API_KEY}" "https://es.acme.internal:9200/_cluster/health"
