"""Normalise executed notebooks and compare their outputs (used by scripts/run-notebooks.sh).

  notebook_tidy.py tidy NB...              rewrite each notebook in normal form, in place
  notebook_tidy.py compare COMMITTED FRESH compare text outputs; exit 1 with a summary if they differ

Normal form: nbformat 4.5; every cell has an id (existing ids kept, missing ones derived from
the cell's position and source, so they do not change between runs); code cells numbered
1..n (tslab reports no execution counts); adjacent stream outputs of the same name merged
(the kernel may split them differently); no timing metadata.
Run with /usr/bin/python3 (Debian's Python, which has nbformat).
"""
import copy
import difflib
import hashlib
import json
import sys

import nbformat

VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")


def tidy(nb):
    nb.nbformat, nb.nbformat_minor = 4, 5
    seen = set()
    count = 0
    for index, cell in enumerate(nb.cells):
        cell_id = cell.get("id")
        if not cell_id or cell_id in seen:
            digest = hashlib.sha1(f"{index}\n{cell.source}".encode()).hexdigest()
            cell_id = digest[:8]
            while cell_id in seen:
                digest = hashlib.sha1(digest.encode()).hexdigest()
                cell_id = digest[:8]
            cell["id"] = cell_id
        seen.add(cell_id)
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count
        merged = []
        for out in cell.outputs:
            if out.output_type == "execute_result":
                out.execution_count = count
            prev = merged[-1] if merged else None
            if (out.output_type == "stream" and prev is not None
                    and prev.output_type == "stream" and prev.name == out.name):
                prev.text += out.text
            else:
                merged.append(out)
        cell.outputs = merged
    return nb


def text_outputs(cell):
    """The outputs of a cell as (label, text) pairs: streams, text/* and SVG, JSON mime types."""
    items = []
    for n, out in enumerate(cell.get("outputs", []), 1):
        kind = out.output_type
        if kind == "stream":
            items.append((f"output {n} ({out.name})", out.text))
        elif kind == "error":
            items.append((f"output {n} (error)", "\n".join(out.get("traceback", []))))
        else:
            for mime, value in sorted(out.get("data", {}).items()):
                if mime.startswith("text/") or mime == "image/svg+xml":
                    items.append((f"output {n} ({mime})", value))
                elif mime.endswith("json"):
                    items.append((f"output {n} ({mime})", json.dumps(value, indent=1, sort_keys=True)))
    return items


def describe(old, new, max_lines=20, max_width=200):
    """A short, readable account of how two texts differ."""
    if max(map(len, (old + "\n" + new).splitlines() or [""])) <= max_width:
        diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(),
                                         "committed", "now", lineterm="", n=1))
        return diff[:max_lines] + ([f"... {len(diff) - max_lines} more diff lines"]
                                   if len(diff) > max_lines else [])
    # Long lines (an SVG is one line): show where the texts part, with some context.
    at = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    lo = max(0, at - 60)
    return [f"first difference at character {at} of {len(old)} (committed) / {len(new)} (now):",
            f"committed: ...{old[lo:at + 60]!r}...",
            f"now:       ...{new[lo:at + 60]!r}..."]


def compare(committed_path, fresh_path):
    committed = nbformat.read(committed_path, as_version=4)
    fresh = tidy(nbformat.read(fresh_path, as_version=4))
    problems = []
    if nbformat.writes(tidy(copy.deepcopy(committed))) != nbformat.writes(committed):
        problems.append("the committed file is not in normal form (run: npm run notebooks)")
    if len(committed.cells) != len(fresh.cells):
        problems.append(f"cell count differs: {len(committed.cells)} committed, {len(fresh.cells)} now")
    for index, (old, new) in enumerate(zip(committed.cells, fresh.cells), 1):
        if old.cell_type != "code":
            continue
        first_line = (old.source.splitlines() or [""])[0][:60]
        where = f"cell {index} (id {old.get('id', '?')}: {first_line!r})"
        old_items, new_items = text_outputs(old), text_outputs(new)
        if [label for label, _ in old_items] != [label for label, _ in new_items]:
            problems.append(f"{where}: outputs differ in kind or number\n"
                            f"    committed: {[label for label, _ in old_items]}\n"
                            f"    now:       {[label for label, _ in new_items]}")
            continue
        for (label, old_text), (_, new_text) in zip(old_items, new_items):
            if old_text == new_text:
                continue
            problems.append(f"{where}, {label} differs:\n    " + "\n    ".join(describe(old_text, new_text)))
    for problem in problems:
        print(f"{committed_path}: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "tidy":
        for path in argv[1:]:
            nb = tidy(nbformat.read(path, as_version=4))
            nbformat.validate(nb)
            nbformat.write(nb, path)
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        return compare(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
