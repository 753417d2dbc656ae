# nbconvert settings for scripts/run-notebooks.sh (passed with --config).
# A Python config file, rather than command-line flags, because the error hook is a function.
import os
import sys

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

# Every notebook of the project runs on the project-local tslab kernelspec (scripts/setup.sh).
c.ExecutePreprocessor.kernel_name = "tslab"
# Per cell, in seconds. The slowest cells compile lib/ or load vega (about 1 s).
c.ExecutePreprocessor.timeout = int(os.environ.get("NOTEBOOK_CELL_TIMEOUT", "120"))
# Timings would change the notebook on every run.
c.ExecutePreprocessor.record_timing = False


def report_cell_error(cell, cell_index, execute_reply, **_):
    # tslab reports an error as stderr text and sends an error reply without ename, evalue
    # or traceback, so nbconvert's own message would only say "<Error>:". Print what the
    # cell wrote instead (run-notebooks.sh shows the lines between the markers).
    text = "".join(
        out.get("text", "")
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream" and out.get("name") == "stderr"
    )
    source = cell.get("source", "")
    print("--- cell error ---", file=sys.stderr)
    print(f"cell {cell_index + 1} (id {cell.get('id', '?')}):", file=sys.stderr)
    print("  " + source.replace("\n", "\n  "), file=sys.stderr)
    print("output on stderr:", file=sys.stderr)
    print("  " + (text.rstrip() or "(none)").replace("\n", "\n  "), file=sys.stderr)
    print("--- end ---", file=sys.stderr)


c.ExecutePreprocessor.on_cell_error = report_cell_error
