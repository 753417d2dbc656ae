#!/usr/bin/env bash
# Opens the notebooks in the classic Jupyter Notebook (Debian's jupyter-notebook) with the
# project-local tslab kernel. Notebooks are signed first: the classic UI shows SVG charts only
# in trusted notebooks.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/jupyter-env.sh
. scripts/jupyter-env.sh
for nb in notebooks/*.ipynb; do /usr/bin/python3 -m nbformat.sign "$nb" >/dev/null; done
exec /usr/bin/jupyter notebook --notebook-dir="$root/notebooks" "$@"
