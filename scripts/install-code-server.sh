#!/usr/bin/env bash
# Installs code-server (the real VS Code extension host, from npm) into a cache dir, offline apart
# from the npm registry; prints its executable path. Quick when done before.
set -euo pipefail
VERSION=4.100.3
CACHE=${NEURAL_HPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/neural-hpo}
PREFIX="$CACHE/code-server-$VERSION"
BIN="$PREFIX/node_modules/code-server/out/node/entry.js"
if [ -f "$PREFIX/.installed" ]; then
  echo "$BIN"
  exit 0
fi
command -v rg >/dev/null || { echo "ripgrep (Debian package) is missing: run scripts/setup.sh" >&2; exit 1; }

# code-server's VS Code pins @vscode/ripgrep 1.15.11, whose postinstall fetches this asset from
# GitHub unless $TMPDIR/vscode-ripgrep-cache-1.15.11/<asset> exists: seed it with Debian's rg.
case "$(uname -m)" in
  x86_64) target=x86_64-unknown-linux-musl ;;
  aarch64) target=aarch64-unknown-linux-musl ;;
  *) echo "unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
export TMPDIR="$CACHE/tmp"
seed="$TMPDIR/vscode-ripgrep-cache-1.15.11"
mkdir -p "$seed"
tar czf "$seed/ripgrep-v13.0.0-10-$target.tar.gz" -C "$(dirname "$(command -v rg)")" rg

rm -rf "$PREFIX"
mkdir -p "$PREFIX"
cd "$PREFIX"
# Native modules build against the local Node headers (no download from nodejs.org).
nodedir=$(dirname "$(dirname "$(command -v node)")")
export npm_config_nodedir="$nodedir" npm_config_unsafe_perm=true npm_config_yes=true
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
npm init -y >/dev/null
npm install --no-save --loglevel=error "code-server@$VERSION" >&2
touch .installed
echo "$BIN"
