#!/bin/sh
set -eu
# mirror to Bitbucket for the partner team
git push --mirror https://acme-ci:ATBBvKoYrKUNYbhSR4DeTuHTpJx6L6DwE0F1A365@bitbucket.org/acme/app.git
git push --mirror "https://acme-ci:${BITBUCKET_APP_PASSWORD}@bitbucket.org/acme/tools.git"
git push --mirror https://acme-ci@bitbucket.org/acme/docs.git
