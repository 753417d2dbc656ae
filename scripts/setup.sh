#!/usr/bin/env bash
# Prepares everything the notebooks need; safe to run again (fast when nothing is missing):
#   1. node_modules (npm ci) with the tslab patch from patches/ applied, and dist/ (the bundled
#      command line and the compiled library the notebooks import; scripts/build.cjs, skipped
#      when dist/ is newer than every source);
#   2. Jupyter from Debian packages (PyPI is not used: Jupyter here comes from apt);
#   3. a project-local tslab kernelspec in .jupyter/ (see scripts/jupyter-env.sh);
#   4. a project-local Deno kernelspec beside it (Deno from its npm package for this platform).
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
# codeCacheState and pathForLibFileMemo mark the newest parts of the patches (tslab and the
# TypeScript it bundles): an older patch in place is replaced through a fresh install
# (patch-package cannot apply a patch over another one).
converter=node_modules/tslab/dist/converter.js
typescript=node_modules/@tslab/typescript-for-tslab/lib/typescript.js
patched() { grep -q "codeCacheState" "$converter" && grep -q "pathForLibFileMemo" "$typescript"; }
if ! patched && grep -q "iommu-attach-lab patch" "$converter"; then
  echo "setup: node_modules/tslab carries an older patch; reinstalling npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi
if ! patched; then
  echo "setup: applying patches/ to node_modules"
  node_modules/.bin/patch-package
fi
node scripts/build.cjs --quiet

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

# --- 4. project-local Deno kernelspec --------------------------------------------------------
# The same notebooks also run on Deno's Jupyter kernel (scripts/run-notebooks.sh --kernel deno).
# `deno jupyter --install` would write under ~/.local/share, so the kernelspec is written here,
# with absolute paths like tslab's. DENO_DIR keeps Deno's compile cache inside the project too;
# DENO_NO_UPDATE_CHECK stops the kernel from asking the network for a newer Deno.
# No sloppy imports: the notebooks' cells import `../dist/lib/x.js`, which tslab and Deno both
# resolve, and the library's own imports name their files.
# The pinned binary (Linux x86-64), else a Deno the user installed (other platforms; see README "Deno").
deno_bin="$(node "$root/scripts/deno-path.cjs" || true)"
deno_spec="$JUPYTER_PATH/kernels/deno/kernel.json"
deno_json="$(node -e '
  const [bin, dir] = process.argv.slice(1);
  process.stdout.write(JSON.stringify({
    argv: [bin, "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: "Deno",
    language: "typescript",
    env: { DENO_DIR: dir, DENO_NO_UPDATE_CHECK: "1" },
  }, null, 1) + "\n");
' "$deno_bin" "$root/.jupyter/deno")"
# Deno comes as an optional dependency with its binary for Linux x86-64 (the registry here has
# no other platform's build); elsewhere the tslab kernel still works and the Deno one is skipped.
if [ ! -x "$deno_bin" ]; then
  echo "setup: no Deno binary (neither its npm package for this platform nor deno on PATH); skipping the Deno kernel" >&2
elif [ "$(cat "$deno_spec" 2>/dev/null)" != "$deno_json" ]; then
  echo "setup: writing the Deno kernelspec to $JUPYTER_PATH/kernels/deno"
  mkdir -p "$(dirname "$deno_spec")"
  printf '%s\n' "$deno_json" >"$deno_spec"
fi
