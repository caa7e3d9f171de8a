#!/bin/sh
set -eu
export AWS_ACCESS_KEY_ID=AKIASJ4OWW4SNZYG5E5Y
export AWS_SECRET_ACCESS_KEY=89QYHXRRHBUAyUv8gePaJ08DnpU0dMTfqUoYdWyF
aws s3 sync ./dist s3://fake-corpus-bucket/
