#!/usr/bin/env bash
# Installs node dependencies when they are missing or older than the lockfile; everything else
# (prerequisite checks, the stack itself) is TypeScript run by tsx once this has passed.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v node >/dev/null 2>&1; then
  echo "node is not installed: install Node.js 22 or 24 (LTS; 20.19 or newer works) from https://nodejs.org or your package manager" >&2
  exit 1
fi
# package.json engines: ^20.19.0 || >=22.12.0 (what vitest, its bundler and zod-openapi need).
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "node $(node -v) is not supported: install Node.js 22 or 24 (LTS; 20.19 or newer works)" >&2
  exit 1
fi

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "installing node dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
