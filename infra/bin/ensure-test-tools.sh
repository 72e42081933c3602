#!/usr/bin/env bash
# What `npm test` needs beyond `npm start`: promtool (Debian's prometheus package) for the alert
# rules' unit tests, and Debian's chromium for the console's browser test (driven by
# playwright-core, which downloads no browser of its own). Installed with apt-get when missing and
# running as root; otherwise the command to run is printed and the test that needs it fails saying so.
set -euo pipefail

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ -x /usr/bin/chromium ] || missing+=(chromium)

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (Debian packages, for the tests)..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
else
  echo "missing for the tests: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
fi
