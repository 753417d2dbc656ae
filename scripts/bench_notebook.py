"""Times tslab cells for `npm run bench` (scripts/bench.ts): an empty cell, then a notebook's import
cell from ../dist/lib (the compiled library with .d.ts; tslab cannot compile the sources, whose
imports name their .ts files), in a fresh kernel per run. Prints one JSON object: milliseconds
per cell (median over the kernels run), the kernel process's CPU milliseconds per cell (Linux,
from /proc: steadier than wall time on a shared machine), and any cell output that was an error.

usage: python3 bench_notebook.py ROOT RUNS   (JUPYTER_PATH etc. from scripts/jupyter-env.sh)
"""
import json
import os
import statistics
import sys
import time

from jupyter_client.manager import start_new_kernel

root, runs = sys.argv[1], int(sys.argv[2])

# The import cell of notebooks/00-start-here.ipynb (the cell with id "imports"), read from the
# notebook itself so that the bench times what a reader runs, whatever that cell becomes.
with open(f"{root}/notebooks/00-start-here.ipynb") as f:
    IMPORT = "".join(next(c for c in json.load(f)["cells"] if c.get("id") == "imports")["source"])


def cpu_ms(pid):
    """CPU (ms) of process `pid` so far, all its threads: from /proc/PID/schedstat (nanoseconds on
    the CPU, summed over its threads; a thread that ended meanwhile is missed), else /proc/PID/stat (user + system in ticks of 10 ms); None where /proc is missing."""
    try:
        ns = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                ns += int(f.read().split()[0])
        return ns / 1e6
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 10  # utime, stime: ticks of 1/100 s
    except (OSError, IndexError, ValueError):
        return None


def timed(kc, code, pid=None):
    """Wall time (ms) from the request to the kernel's reply, the kernel's CPU (ms) meanwhile, and the error text it printed."""
    errors = []
    c0 = cpu_ms(pid)
    t = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        m = kc.get_iopub_msg(timeout=300)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        c = m["content"]
        if m["msg_type"] == "stream" and c.get("name") == "stderr":
            errors.append(c["text"])
        elif m["msg_type"] == "error":
            errors.append("\n".join(c.get("traceback", [])) or c.get("evalue", ""))
        elif m["msg_type"] == "status" and c["execution_state"] == "idle":
            break
    ms = (time.perf_counter() - t) * 1000
    c1 = cpu_ms(pid)
    return ms, (c1 - c0 if c0 is not None and c1 is not None else None), errors


result = {"runs": runs}
for lib in ["dist/lib"]:
    empties, imports, empty_cpu, import_cpu, errors = [], [], [], [], []
    for _ in range(runs):
        km, kc = start_new_kernel(kernel_name="tslab", cwd=f"{root}/notebooks")
        pid = getattr(getattr(getattr(km, "provisioner", None), "process", None), "pid", None)
        try:
            timed(kc, "0")  # the kernel's own first-cell work, not counted
            ms, cpu, err = timed(kc, "", pid)
            empties.append(ms)
            empty_cpu.append(cpu)
            errors += err
            ms, cpu, err = timed(kc, IMPORT, pid)
            imports.append(ms)
            import_cpu.append(cpu)
            errors += err
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    result[lib] = {"emptyMs": statistics.median(empties), "importMs": statistics.median(imports), "errors": errors}
    if None not in empty_cpu + import_cpu:
        result[lib].update({"emptyCpuMs": statistics.median(empty_cpu), "importCpuMs": statistics.median(import_cpu)})
print(json.dumps(result))
