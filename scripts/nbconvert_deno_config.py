# nbconvert settings for `scripts/run-notebooks.sh --kernel deno`: the tslab settings
# (nbconvert_config.py: timeout, error hook) with Deno's kernel, plus a grace period for output.
#
# Deno's kernel (2.9) reports a cell finished ("status: idle") while the cell's last stdout lines
# are still on their way: they arrive 1-3 ms later, tagged with the right cell. nbclient stops
# listening at "idle" and drops them, so a cell printing six lines could come back with one.
# Here, after "idle", the client keeps taking that cell's messages until none has come for
# GRACE seconds. Timing-based, so not a guarantee; the Deno check compares no text anyway.
import asyncio
import os
import queue

import nbclient.client

load_subconfig("nbconvert_config.py")  # noqa: F821 (provided by traitlets)
c = get_config()  # noqa: F821

c.ExecutePreprocessor.kernel_name = "deno"

GRACE = float(os.environ.get("DENO_OUTPUT_GRACE", "0.05"))
_poll = nbclient.client.NotebookClient._async_poll_output_msg


async def _poll_with_grace(self, parent_msg_id, cell, cell_index):
    await _poll(self, parent_msg_id, cell, cell_index)
    while True:
        try:
            msg = await nbclient.client.ensure_async(self.kc.iopub_channel.get_msg(timeout=GRACE))
        except (queue.Empty, asyncio.TimeoutError):
            return
        if msg["parent_header"].get("msg_id") != parent_msg_id:
            continue
        try:
            self.process_message(msg, cell, cell_index)
        except nbclient.client.CellExecutionComplete:
            pass


nbclient.client.NotebookClient._async_poll_output_msg = _poll_with_grace
