#!/usr/bin/env bash
# Prepares what `npm run test:book` needs on top of the notebooks' setup; safe to run again
# (silent and fast when nothing is missing). Kept out of scripts/setup.sh so that the notebook
# setup stays lean: a browser is only needed for the book's browser test.
#   1. node_modules with playwright-core (drives the browser; it never downloads one);
#   2. Chromium from the Debian package `chromium` (/usr/bin/chromium), as root with apt-get.
# CHROMIUM=/path/to/chromium points the test at another Chromium build instead.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/.package-lock.json ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup-browser: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ -n "${CHROMIUM:-}" ]; then
    echo "setup-browser: CHROMIUM=$CHROMIUM is not an executable file" >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null && [ -f /etc/debian_version ]; then
    echo "setup-browser: installing Chromium from the Debian package: chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "setup-browser: Chromium is missing (the book's browser test runs /usr/bin/chromium headless)." >&2
    echo "setup-browser: on Debian/Ubuntu, as root, run:" >&2
    echo "  apt-get update && apt-get install -y chromium" >&2
    echo "setup-browser: or point CHROMIUM=/path/to/chromium at a Chromium or Chrome you have." >&2
    exit 1
  fi
  [ -x "$chromium" ] || { echo "setup-browser: $chromium still missing after apt-get install" >&2; exit 1; }
fi
