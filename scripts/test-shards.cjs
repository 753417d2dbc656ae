// How scripts/test.cjs deals a long file's tests into shards (its own module, for its test).
"use strict";

/**
 * A file's time in the last run (ms): its own entry, else the sum of its shards' (it ran split),
 * else undefined (never ran).
 */
function lastTime(last, file) {
  if (last[file] !== undefined) return last[file];
  const shards = Object.keys(last).filter((k) => k.startsWith(`${file}#`));
  return shards.length ? shards.reduce((sum, k) => sum + last[k], 0) : undefined;
}

/**
 * The number of shards of each file of `files` on `processes` processes: a file of `split` (file ->
 * the most shards its tests may be dealt into) is split only as far as its last time exceeds a
 * process's share of the run (the files' last times summed, over the processes): a shard in
 * another process loads and warms up the file's code again (sweep-equivalence: 3-4 s of CPU), and
 * a file shorter than a share still lets the processes end together (the others fill around it).
 * A file without a time, or in a run that has files without one, gets its most shards.
 */
function shardCounts(files, split, last, processes) {
  const counts = new Map(files.map((f) => [f, 1]));
  if (processes < 2) return counts;
  const times = files.map((f) => lastTime(last, f));
  const share = times.reduce((a, b) => a + (b ?? NaN), 0) / processes;
  const known = share > 0; // every file timed (an untimed one makes the sum NaN)
  files.forEach((f, i) => {
    const most = split.get(f) ?? 1;
    counts.set(f, known ? Math.min(most, Math.max(1, Math.ceil(times[i] / share))) : most);
  });
  return counts;
}

module.exports = { lastTime, shardCounts };
