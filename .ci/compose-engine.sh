#!/usr/bin/env bash
# CI only: makes a Docker engine answer, with the images docker-compose.yml names, so that
# `npm run test:compose` runs. Our CI machines have Debian's engine package but no container
# registry; each carries a kit (engine.sh, standins.sh) that starts Debian's dockerd and builds
# stand-in images under the compose file's names. The kit is not part of this repository:
# CI_DOCKER_KIT names its folder, else the machine's usual place is used. Users run the compose
# test against their own engine and registry, with no kit.
set -euo pipefail
cd "$(dirname "$0")/.."

kit=""
for candidate in "${CI_DOCKER_KIT:-}" "$(cd .. && pwd)/shared/docker" /work/shared/docker; do
  if [ -n "$candidate" ] && [ -x "$candidate/engine.sh" ] && [ -x "$candidate/standins.sh" ]; then
    kit=$candidate
    break
  fi
done

if [ -z "$kit" ]; then
  if docker info >/dev/null 2>&1; then
    echo "compose-engine: an engine answers and no stand-in kit is here: using the engine's own images"
    exit 0
  fi
  echo "compose-engine: no Docker engine answers and no stand-in kit found (set CI_DOCKER_KIT)" >&2
  exit 1
fi
echo "compose-engine: kit $kit"
"$kit/engine.sh" up
# The kit reads a compose file for its image names, and compose refuses to read one without the
# secrets it requires: placeholders, for that reading only (the test generates its own). The file
# it reads is docker-compose.yml merged with docker-compose.cluster.yml (npm run test:compose --
# --cluster), as compose resolves them; the kit reads one file.
files=(docker-compose.yml docker-compose.cluster.yml)
placeholders=$(node -e '
  const fs = require("fs");
  const text = process.argv.slice(1).map((f) => fs.readFileSync(f, "utf8")).join("\n");
  console.log([...new Set([...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]))].map((n) => `${n}=image-listing-only`).join(" "));
' "${files[@]}")
mkdir -p .stack
merged=.stack/compose-images.yml
# shellcheck disable=SC2086
env $placeholders docker-compose --project-directory . -f "${files[0]}" -f "${files[1]}" config >"$merged"
"$kit/standins.sh" "$merged"
rm -f "$merged"
