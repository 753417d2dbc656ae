/**
 * The uncompressed reference engine: every group of the fleet is probed and attached through
 * the library, one after the other, in one kernel. Exact by construction and O(fleet) in
 * objects and time (the kernel's users index spares the library's scans; about 30 times the
 * compressed engine's time at 10^5 devices, `npm run bench`), so it serves as the yardstick:
 * the test that the compressed engine (./compressed) gives the same table.
 */
import { drivers } from "../../hardware/index.ts";
import { Kernel, type Group } from "../../lib/model.ts";
import { buildPlatform } from "../../lib/platform.ts";
import { type Fleet, groupDevices, groupId } from "./fleet.ts";
import type { EngineOptions } from "./compressed.ts";
import { TICK } from "./compressed.ts";
import type { Experiment } from "./load.ts";
import { attachGroup, checkLimit, ConsumerContext, probeGroup } from "./runner.ts";
import { type Cell, type CellResult, Tally } from "./tally.ts";

export function runReference(exp: Experiment, fleet: Fleet, cell: Cell, opts: EngineOptions = {}): CellResult {
  const tick = opts.tick ?? (() => {});
  const k = new Kernel({ era: cell.era, drivers, variants: cell.variants, trace: false });
  buildPlatform(k, { instances: fleet.instances, devices: [] });
  const tally = new Tally();
  const n = fleet.classOf.length;
  const groups: Group[] = [];
  // Groups are probed one by one, in fleet order, like the compressed engine does.
  for (let j = 0; j < n; j++) {
    if ((j & (TICK - 1)) === TICK - 1) tick(TICK);
    tally.add("probe", probeGroup(k, groupDevices(fleet, j)));
    groups.push(k.groups.get(groupId(j))!);
    k.log.length = 0;
  }
  tick(n % TICK);
  let ctx = new ConsumerContext(cell.consumer, exp.vfioType);
  let inCtx = 0;
  for (let j = 0; j < n; j++) {
    if ((j & (TICK - 1)) === TICK - 1) tick(TICK);
    if (exp.contextSize && inCtx === exp.contextSize) {
      ctx = new ConsumerContext(cell.consumer, exp.vfioType);
      inCtx = 0;
    }
    inCtx++;
    for (const r of attachGroup(k, ctx, groups[j]!)) tally.add("attach", r);
    checkLimit(ctx, exp.domainsPerContext);
    k.log.length = 0;
  }
  tick(n % TICK);
  return {
    cell,
    rows: tally.rows(cell),
    stats: { engine: "reference", groups: n, devices: fleet.devices, materialised: n, simulated: 2 * n, memoised: 0, restarts: 0 },
  };
}
