#!/usr/bin/env bash
# Prepares everything the notebooks need; safe to run again (fast when nothing is missing):
#   1. node_modules (npm ci) with the tslab patch from patches/ applied;
#   2. Jupyter from Debian packages (PyPI is not used: Jupyter here comes from apt);
#   3. a project-local tslab kernelspec in .jupyter/ (see scripts/jupyter-env.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# --- 1. npm packages -------------------------------------------------------------------------
# npm records the installed tree in node_modules/.package-lock.json; an older one means
# package-lock.json changed since the last install.
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi
# npm ci applies patches/ through the postinstall script, unless scripts were disabled.
if ! grep -q "iommu-attach-lab patch" node_modules/tslab/dist/converter.js; then
  echo "setup: applying patches/ to node_modules"
  node_modules/.bin/patch-package
fi

# --- 2. Jupyter (Debian packages) ------------------------------------------------------------
apt_packages=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel jupyter-notebook)
jupyter_ok() {
  [ -x /usr/bin/jupyter ] && [ -x /usr/bin/jupyter-nbconvert ] &&
    /usr/bin/python3 -c 'import nbclient, ipykernel' 2>/dev/null
}
if ! jupyter_ok; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null && [ -f /etc/debian_version ]; then
    echo "setup: installing Jupyter from Debian packages: ${apt_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}"
  else
    echo "setup: Jupyter is missing (need /usr/bin/jupyter, /usr/bin/jupyter-nbconvert and the modules nbclient, ipykernel for /usr/bin/python3)." >&2
    echo "setup: on Debian/Ubuntu, as root, run:" >&2
    echo "  apt-get update && apt-get install -y ${apt_packages[*]}" >&2
    exit 1
  fi
  jupyter_ok || { echo "setup: Jupyter still not usable after apt-get install" >&2; exit 1; }
fi

# --- 3. project-local tslab kernelspec -------------------------------------------------------
# shellcheck source=scripts/jupyter-env.sh
. "$root/scripts/jupyter-env.sh"
tslab_bin="$root/node_modules/.bin/tslab"
kernel_json="$JUPYTER_PATH/kernels/tslab/kernel.json"
mkdir -p "$JUPYTER_DATA_DIR" "$JUPYTER_CONFIG_DIR" "$JUPYTER_RUNTIME_DIR"
# The kernelspec holds an absolute path, so rewrite it when the checkout has moved.
if ! grep -qF "\"$tslab_bin\"" "$kernel_json" 2>/dev/null; then
  echo "setup: writing the tslab kernelspec to $JUPYTER_PATH/kernels/tslab"
  "$tslab_bin" install --python=/usr/bin/python3 --binary="$tslab_bin" --prefix="$root/.jupyter" >/dev/null
  # tslab always installs a JavaScript kernel too; the notebooks only use TypeScript.
  rm -rf "$JUPYTER_PATH/kernels/jslab"
fi
