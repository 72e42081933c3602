#!/usr/bin/env bash
# Installs node dependencies when they are missing or older than the lockfile; everything else
# (prerequisite checks, the stack itself) is TypeScript run by tsx once this has passed.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v node >/dev/null 2>&1; then
  echo "node is not installed: install Node.js 20 or newer (https://nodejs.org or your package manager)" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "node $(node -v) is too old: install Node.js 20 or newer" >&2
  exit 1
fi

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "installing node dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
