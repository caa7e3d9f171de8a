#!/bin/sh
echo "dckr_pat_un0ZSJi2v0j6RPMs1e_PkPkK6c9" | docker login -u acmebot --password-stdin
echo "$DOCKERHUB_TOKEN" | docker login -u acmebot --password-stdin
