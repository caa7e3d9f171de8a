#!/bin/sh
curl -s -H "Accept: application/vnd.pagerduty+json;version=2" \
  -H "Authorization: Token token=u+bVm62oagtLJ9MQcAQH" \
  "https://api.pagerduty.com/incidents?statuses[]=triggered"
PAGERDUTY_SERVICE_ID=PABC123
