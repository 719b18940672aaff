#!/usr/bin/env bash
# Fetches GitHub's contract as test data from the npm registry, once, into the cache:
#   @octokit/openapi            generated/api.github.com.json (GitHub's official OpenAPI description)
#   @octokit/webhooks-examples  api.github.com/index.json (GitHub's example webhook payloads)
# Prints the directory holding api.github.com.json and webhooks-examples.json.
# Never committed: the packages are large (the OpenAPI one unpacks to 385 MB; only one file is kept).
set -euo pipefail
OPENAPI_VERSION=${OCTOKIT_OPENAPI_VERSION:-23.0.2}
EXAMPLES_VERSION=${OCTOKIT_WEBHOOKS_EXAMPLES_VERSION:-7.6.1}
CACHE=${GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-gitops}
DIR="$CACHE/github/openapi-$OPENAPI_VERSION-examples-$EXAMPLES_VERSION"
if [ -s "$DIR/api.github.com.json" ] && [ -s "$DIR/webhooks-examples.json" ]; then echo "$DIR"; exit 0; fi
command -v npm >/dev/null || { echo "github-spec: npm is needed (Node.js ships it)" >&2; exit 1; }
mkdir -p "$DIR"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "[github-spec] fetching @octokit/openapi@$OPENAPI_VERSION and @octokit/webhooks-examples@$EXAMPLES_VERSION" >&2
npm pack --silent "@octokit/openapi@$OPENAPI_VERSION" "@octokit/webhooks-examples@$EXAMPLES_VERSION" >/dev/null
tar -xzf "octokit-openapi-$OPENAPI_VERSION.tgz" package/generated/api.github.com.json
mv package/generated/api.github.com.json "$DIR/api.github.com.json.tmp"
tar -xzf "octokit-webhooks-examples-$EXAMPLES_VERSION.tgz" package/api.github.com/index.json
mv package/api.github.com/index.json "$DIR/webhooks-examples.json.tmp"
mv "$DIR/api.github.com.json.tmp" "$DIR/api.github.com.json"
mv "$DIR/webhooks-examples.json.tmp" "$DIR/webhooks-examples.json"
echo "$DIR"
