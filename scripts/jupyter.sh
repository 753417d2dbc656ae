#!/usr/bin/env bash
# Opens the notebooks in the classic Jupyter Notebook (Debian's jupyter-notebook) with the
# project-local tslab and Deno kernels (scripts/jupyter-env.sh). Notebooks are signed first: the
# classic UI shows SVG charts only in trusted notebooks. As root (the README's set-up) it adds
# --allow-root; without a graphical display it adds --no-browser (Debian's fallback browser would
# be a text one taking over the terminal). The server prints the URL with its token; extra
# arguments go to Jupyter (npm run jupyter -- --port 9999).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/jupyter-env.sh
. scripts/jupyter-env.sh
for nb in notebooks/*.ipynb; do /usr/bin/python3 -m nbformat.sign "$nb" >/dev/null; done
extra=()
if [ "$(id -u)" -eq 0 ]; then extra+=(--allow-root); fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then extra+=(--no-browser); fi
echo "jupyter: starting the Notebook server in $root/notebooks; open the http://...?token=... URL it prints below (Ctrl-C stops it)"
exec /usr/bin/jupyter notebook --notebook-dir="$root/notebooks" "${extra[@]}" "$@"
