#!/bin/sh
# verify-pinned.sh PINS FILE...: each FILE's SHA-256 must be the one pinned for its name in PINS
# (infra/maven-artifacts.sha256, sha256sum's format); exits 1 on the first one that is not, or
# that has no pin. The Dockerfiles run it on what they ADD from a URL: the builder of Debian's
# Docker engine (20.10) rejects ADD --checksum (docs/security-supply-chain.md). POSIX sh, so that
# it runs on any base image with sha256sum.
set -eu
pins=$1
shift
for file in "$@"; do
  name=$(basename "$file")
  expected=
  # `|| [ -n "$sum" ]`: a last line without its newline counts too.
  while read -r sum pinned || [ -n "$sum" ]; do
    case $sum in '#'* | '') continue ;; esac
    if [ "$pinned" = "$name" ]; then expected=$sum; fi
  done <"$pins"
  if [ -z "$expected" ]; then
    echo "no SHA-256 pinned for $name in infra/maven-artifacts.sha256: refusing it unverified. Pin it as docs/security-supply-chain.md says (the hash Maven Central publishes beside it, checked against the file), then build again" >&2
    exit 1
  fi
  actual=$(sha256sum "$file" | cut -d' ' -f1)
  if [ "$actual" != "$expected" ]; then
    echo "SHA-256 mismatch for $name: expected $expected (infra/maven-artifacts.sha256), got $actual" >&2
    exit 1
  fi
  echo "$name: SHA-256 $actual, as pinned"
done
