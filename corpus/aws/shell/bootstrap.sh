#!/bin/bash
mkdir -p ~/.aws
cat > ~/.aws/credentials <<EOF
[default]
aws_access_key_id=AKIAPWVXNVACRSR6TPVY
aws_secret_access_key=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
EOF
