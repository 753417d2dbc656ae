"""Checks a notebook executed on another kernel (scripts/run-notebooks.sh --kernel deno).

  check_kernel_outputs.py COMMITTED FRESH

FRESH is COMMITTED executed on the other kernel, into a temporary copy. Text outputs are not
compared (another kernel prints some values, such as objects, in another form), only:
  - no cell has an error output;
  - every chart output (a display_data carrying a Vega-Lite or SVG mime type) carries all three
    of application/vnd.vegalite.v5+json (as a JSON object), image/svg+xml and text/plain;
  - each code cell shows as many charts as in the committed (tslab) notebook, so a chart that
    came back as a plain value instead of a display is noticed. Skipped for cells that have no
    outputs in the committed notebook (not executed yet; `npm run notebooks:check` makes sure
    the committed outputs are complete).
Exit 1 with one line per problem. Run with /usr/bin/python3 (Debian's Python, which has nbformat).
"""
import sys
import warnings

import nbformat

# nbformat warns about cells without ids (a notebook not yet normalised by notebook_tidy.py);
# that is not this check's business and would clutter its one-line report.
warnings.simplefilter("ignore")

VEGA = "application/vnd.vegalite.v5+json"
SVG = "image/svg+xml"
TEXT = "text/plain"


def charts(cell):
    """The outputs of a cell that are (or try to be) charts."""
    return [out for out in cell.get("outputs", [])
            if out.output_type in ("display_data", "execute_result")
            and (VEGA in out.get("data", {}) or SVG in out.get("data", {})
                 or any(k.startswith("application/vnd.vegalite") for k in out.get("data", {})))]


def check(committed_path, fresh_path):
    committed = nbformat.read(committed_path, as_version=4)
    fresh = nbformat.read(fresh_path, as_version=4)
    problems = []
    executed = any(cell.get("outputs") for cell in committed.cells if cell.cell_type == "code")
    if len(committed.cells) != len(fresh.cells):
        problems.append(f"cell count differs: {len(committed.cells)} committed, {len(fresh.cells)} now")
    total = 0
    for index, (old, new) in enumerate(zip(committed.cells, fresh.cells), 1):
        if new.cell_type != "code":
            continue
        where = f"cell {index} (id {new.get('id', '?')})"
        for out in new.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"{where}: error {out.get('ename', '?')}: {out.get('evalue', '')}")
        found = charts(new)
        total += len(found)
        for n, out in enumerate(found, 1):
            data = out.get("data", {})
            missing = [m for m in (VEGA, SVG, TEXT) if m not in data]
            if missing:
                problems.append(f"{where}: chart {n} lacks {', '.join(missing)} (has {', '.join(sorted(data))})")
            if VEGA in data and not isinstance(data[VEGA], dict):
                problems.append(f"{where}: chart {n}: {VEGA} is a {type(data[VEGA]).__name__}, not a JSON object")
            if SVG in data and not str(data[SVG]).lstrip().startswith("<svg"):
                problems.append(f"{where}: chart {n}: {SVG} does not start with <svg")
        if old.get("outputs") and len(found) != len(charts(old)):
            problems.append(f"{where}: {len(found)} chart(s), the committed notebook has {len(charts(old))}")
    for problem in problems:
        print(f"{committed_path}: {problem}", file=sys.stderr)
    if not problems:
        note = "" if executed else " (committed copy has no outputs: chart counts not compared)"
        print(f"{committed_path}: {total} chart(s), each with {VEGA}, {SVG}, {TEXT}{note}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(check(sys.argv[1], sys.argv[2]))
