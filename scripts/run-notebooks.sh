#!/usr/bin/env bash
# Executes notebooks headless on the project-local tslab kernel (run scripts/setup.sh first).
#
#   scripts/run-notebooks.sh [NB...]          execute in place, then normalise (notebook_tidy.py)
#   scripts/run-notebooks.sh --check [NB...]  execute into a temp copy and fail if any text
#                                             output differs from the committed notebook
#   scripts/run-notebooks.sh --kernel deno [NB...]
#                                             execute into a temp copy on Deno's Jupyter kernel
#                                             (the committed tslab outputs are never touched) and
#                                             fail on any cell error, or if a chart output lacks
#                                             one of its three mime types or a chart is missing
#                                             (check_kernel_outputs.py); text is not compared.
#                                             nbconvert settings: nbconvert_deno_config.py
# NB paths are relative to the project root; without them: every notebooks/*.ipynb.
# Exit 1 if any notebook fails.
#
# No --allow-errors: after an error tslab aborts every request of the next 200 ms, so the
# cells after a failing one would come back empty instead of showing their own results.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/jupyter-env.sh
. scripts/jupyter-env.sh

check=0
kernel=tslab
config=scripts/nbconvert_config.py
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1; shift ;;
    --kernel=*) kernel="${1#--kernel=}"; shift ;;
    --kernel)
      [ $# -ge 2 ] || { echo "run-notebooks: --kernel needs a name (tslab or deno)" >&2; exit 2; }
      kernel="$2"; shift 2 ;;
    *) break ;;
  esac
done
case "$kernel" in
  tslab) ;;
  deno)
    if [ $check -eq 1 ]; then
      echo "run-notebooks: --check compares with the committed tslab outputs; --kernel deno has its own check" >&2
      exit 2
    fi
    [ -f "$JUPYTER_PATH/kernels/deno/kernel.json" ] ||
      { echo "run-notebooks: no Deno kernelspec in $JUPYTER_PATH/kernels/deno (run scripts/setup.sh)" >&2; exit 1; }
    config=scripts/nbconvert_deno_config.py ;;
  *) echo "run-notebooks: unknown kernel '$kernel' (tslab or deno)" >&2; exit 2 ;;
esac
if [ $# -eq 0 ]; then
  shopt -s nullglob
  set -- notebooks/*.ipynb
  [ $# -gt 0 ] || { echo "run-notebooks: no notebooks/*.ipynb, nothing to do"; exit 0; }
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tidy=(/usr/bin/python3 scripts/notebook_tidy.py)

# execute NB [nbconvert output options...]: runs nbconvert, on failure shows why.
# The kernel starts in the folder of NB itself (so ../lib resolves), wherever the output goes.
execute() {
  local nb="$1"; shift
  if ! /usr/bin/jupyter nbconvert --config "$config" --to notebook --execute \
    "$@" "$nb" >"$tmp/log" 2>&1; then
    # The error hook in nbconvert_config.py prints the failing cell between markers; a
    # timeout or a dead kernel has no such block: show nbconvert's last exception message.
    local at
    if grep -q -- '^--- cell error ---' "$tmp/log"; then
      sed -n '/^--- cell error ---$/,/^--- end ---$/p' "$tmp/log" | sed '1d;$d' >&2
      # Deno reports a failure as an error output (not stderr text): show nbclient's account of
      # it, the part after the cell's source (which the block above already shows).
      if [ "$kernel" != tslab ] && grep -q '^nbclient.exceptions.CellExecutionError' "$tmp/log"; then
        echo "error:" >&2
        sed -n '/^nbclient.exceptions.CellExecutionError/,$p' "$tmp/log" |
          awk 'n >= 2 && NF { print "  " $0 } /^------------------$/ { n++ }' >&2
      fi
    elif at="$(grep -n -E '^[A-Za-z_.]+(Error|Exception)\b' "$tmp/log" | tail -n 1 | cut -d: -f1)" &&
      [ -n "$at" ]; then
      tail -n "+$at" "$tmp/log" >&2
    else
      tail -n 15 "$tmp/log" >&2
    fi
    return 1
  fi
}

failed=()
for nb in "$@"; do
  start=$SECONDS
  if [ "$kernel" = deno ]; then
    # The kernel still starts in the notebook's own folder; only the output goes to $tmp.
    fresh="$tmp/$(basename "$nb")"
    if execute "$nb" --output-dir "$tmp" --output "$(basename "$nb")" &&
      /usr/bin/python3 scripts/check_kernel_outputs.py "$nb" "$fresh" >"$tmp/charts" 2>&1; then
      echo "ok deno $nb ($((SECONDS - start)) s): $(sed "s|^$nb: ||" "$tmp/charts")"
    else
      [ -s "$tmp/charts" ] && cat "$tmp/charts" >&2
      echo "FAILED  $nb (on the deno kernel)" >&2
      failed+=("$nb")
    fi
  elif [ $check -eq 0 ]; then
    # Normalise first too, so that cells get their stable ids before nbconvert sees them.
    if "${tidy[@]}" tidy "$nb" && execute "$nb" --inplace && "${tidy[@]}" tidy "$nb"; then
      echo "ok      $nb ($((SECONDS - start)) s)"
    else
      echo "FAILED  $nb" >&2; failed+=("$nb")
    fi
  else
    fresh="$tmp/$(basename "$nb")"
    if execute "$nb" --output-dir "$tmp" --output "$(basename "$nb")" &&
      "${tidy[@]}" compare "$nb" "$fresh"; then
      echo "same    $nb ($((SECONDS - start)) s)"
    else
      echo "FAILED  $nb (execution failed or outputs differ from the committed notebook)" >&2
      failed+=("$nb")
    fi
  fi
done

label=notebooks
[ "$kernel" = tslab ] || label="notebooks-$kernel"
echo "$label: $(($# - ${#failed[@]})) passed, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
  echo "run-notebooks: failed: ${failed[*]}" >&2
  exit 1
fi
