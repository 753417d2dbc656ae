// CPU time of this process and of the child processes it has waited for, for the test runner's
// per-file and per-run figures (the suites are CPU-bound on a shared machine: wall time is noise).
"use strict";
const fs = require("node:fs");

/**
 * Milliseconds of CPU (user + system): this process, all its threads, and, on Linux, every child
 * process it has reaped (their own reaped children included, from /proc/self/stat's cutime and
 * cstime, in ticks of 1/100 s). Elsewhere this process only.
 */
function treeCpuMs() {
  const self = process.cpuUsage();
  let children = 0;
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    // After the command name (which may hold spaces and parentheses), cutime and cstime are the 14th and 15th fields.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    children = (Number(f[13]) + Number(f[14])) * 10;
  } catch {}
  return (self.user + self.system) / 1000 + children;
}

module.exports = { treeCpuMs };
