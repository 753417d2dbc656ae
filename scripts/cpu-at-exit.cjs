// Preloaded (`node -r`) by scripts/bench.ts into a process it times: at exit, print the process's
// CPU time from its start (user + system, microseconds) as the last line of stderr.
"use strict";
process.on("exit", () => {
  const u = process.cpuUsage();
  require("node:fs").writeSync(2, `\ncpu-us: ${u.user + u.system}\n`);
});
