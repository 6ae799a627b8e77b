#!/usr/bin/env bash
# The services and tools the tests use, from Debian's packages, installed when missing:
# redis-server (the queue's tests start a real Redis) and chromium (the report's browser tests).
# Run by `pnpm test` before the tests, so the README's test command works on a fresh machine.
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo_="sudo"; else
    echo "gitfleet tests: ${missing[*]} missing and not root (no password-less sudo): run 'sudo apt-get install ${missing[*]}'" >&2
    exit 1
  fi
fi
echo "gitfleet tests: installing ${missing[*]} (Debian packages)" >&2
if ! { $sudo_ apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "${missing[@]}"; } >/dev/null 2>&1; then
  echo "gitfleet tests: could not install ${missing[*]} with apt-get" >&2
  exit 1
fi
