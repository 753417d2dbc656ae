/**
 * Exercise 12: the experiment's rows (recomputed here with the library, also with a driver
 * changed so that copied rows fail), the chart spec's structure and data, and the SVG read back
 * (its labels), each for rows the experiment never produces.
 */
import { isDeepStrictEqual } from "util";
import { buildPlatform, groupHwOn, IommufdCtx, Ioas, iommufdDeviceAttachIoas, Kernel, type Outcome, VfioContainer, vfioType1AttachGroup } from "../../lib/index.ts";
import { effect } from "../../lib/driver.ts";
import { neg } from "../../lib/errno.ts";
import { barChart, renderSvg } from "../../lib/chart/index.ts";
import { defineExercise, expectExport, expectSame, mismatch, patchDriver, registeredDriver, show } from "../../tools/exercises/harness.ts";
import { drivers } from "../../hardware/index.ts";
import type { DriverSet } from "../../lib/model.ts";
import type * as Solution from "../../solutions/12-what-if-chart.ts";

type M = typeof Solution;
type Row = Solution.OutcomeRow;

/** The experiment on kernels of `set`, written independently of the reference solution. */
function expectedRows(set: DriverSet): Row[] {
  const rows: Row[] = [];
  for (const consumer of ["vfio-type1", "iommufd"] as const) {
    for (const variant of ["none", "regression-48e7b8e284e5"] as const) {
      const k = new Kernel({ era: "mainline-2025", drivers: set, variants: variant === "none" ? [] : [`arm-smmu-v3:${variant}`], trace: false });
      buildPlatform(k, {
        instances: [{ id: "i0", driver: "arm-smmu-v3" }, { id: "i1", driver: "arm-smmu-v3" }],
        devices: [{ id: "a", instance: "i0" }, { id: "b", instance: "i1" }, { id: "c", instance: "i0" }],
      });
      const c = new VfioContainer("c0", "v2");
      const ctx = new IommufdCtx();
      const ioas = new Ioas("ioas0");
      const tally: Record<string, number> = {};
      for (const id of ["a", "b", "c"]) {
        const g = k.groups.get(id)!;
        const o: Outcome = consumer === "vfio-type1" ? vfioType1AttachGroup(k, c, g) : iommufdDeviceAttachIoas(k, ctx, ioas, k.devices.get(id)!);
        const d = o.domain === null ? undefined : k.domains.get(o.domain);
        const cls = o.ret === 0 && d !== undefined && !groupHwOn(g, d) ? "fake-success" : o.outcome;
        tally[cls] = (tally[cls] ?? 0) + 1;
      }
      for (const [outcome, count] of Object.entries(tally)) rows.push({ consumer, variant, outcome, count });
    }
  }
  return rows;
}

/** Rows the experiment never produces: a spec and an SVG must be made of the rows they are given. */
const otherRows = (): Row[] => [...expectedRows(drivers).map((r) => ({ ...r, count: r.count + 1 })), { consumer: "iommufd", variant: "none", outcome: "what-if-outcome", count: 3 }];

const key = (r: Row) => `${r.consumer} | ${r.variant} | ${r.outcome}`;
const sorted = (rows: readonly Row[]) => [...rows].sort((x, y) => key(x).localeCompare(key(y)));
const rowsText = (rows: readonly Row[]) => (rows.length ? rows.map((r) => `${key(r)}: ${r.count}`).join("; ") : "no rows");

export default defineExercise<M>("12-what-if-chart", [
  {
    name: "exports runExperiment, chartSpec and chartSvg",
    run: (m) => {
      for (const n of ["runExperiment", "chartSpec", "chartSvg"]) expectExport(m, n, "function");
    },
  },
  {
    name: "runExperiment(drivers): one row per consumer, variant and outcome, with the counts the library produces",
    run: (m) => {
      const got = m.runExperiment(drivers);
      if (!Array.isArray(got)) throw mismatch("runExperiment(drivers)", "an array of rows", show(got));
      const clean = got.map((r) => ({ consumer: r.consumer, variant: r.variant, outcome: r.outcome, count: r.count }));
      expectSame(sorted(clean), sorted(expectedRows(drivers)), "the experiment's rows (consumer | variant | outcome: count)", {
        show: rowsText,
        why: "With the regression, b's attempt on a's domain (another SMMU) returns 0 without attaching: both consumers believe b shares a's domain - a fake success. Zero counts are left out.",
      });
    },
  },
  {
    name: "runExperiment(drivers) runs the experiment on kernels of the drivers given: with device c's attaches refused (-EBUSY), its counts follow",
    run: (m) => {
      // A what-if of the what-if: the rows must come from running the kernel, not from a copy of its output.
      const busyC = effect("injected-fault", "fault injection (exercise test)", "every attach of device c fails with EBUSY", (c) => (c.dev.id === "c" && !c.domain.isStatic && !c.domain.id.includes("@") ? neg("EBUSY") : 0));
      const busy = patchDriver("arm-smmu-v3", { attach: [busyC, ...registeredDriver("arm-smmu-v3").attach] });
      const want = expectedRows(busy);
      const got = m.runExperiment(busy);
      if (!Array.isArray(got)) throw mismatch("runExperiment(drivers)", "an array of rows", show(got));
      const clean = got.map((r) => ({ consumer: r.consumer, variant: r.variant, outcome: r.outcome, count: r.count }));
      expectSame(sorted(clean), sorted(want), "runExperiment(drivers) with device c refused (consumer | variant | outcome: count)", {
        show: rowsText,
        why: "The rows are counted from what the kernel did on this run: hard-coded rows do not follow a change in the driver.",
      });
    },
  },
  {
    name: "chartSpec(rows): a grouped bar chart built with barChart(), of the rows it is given",
    run: (m) => {
      const rows = otherRows();
      const spec = m.chartSpec(rows) as Record<string, unknown>;
      const enc = (spec["encoding"] ?? {}) as Record<string, { field?: string } | undefined>;
      const mark = spec["mark"] as { type?: string } | string | undefined;
      const got = {
        mark: typeof mark === "string" ? mark : mark?.type,
        "x field": enc["x"]?.field,
        "y field": enc["y"]?.field,
        "color field": enc["color"]?.field,
        "column field": enc["column"]?.field,
        "title is a non-empty string": typeof spec["title"] === "string" && (spec["title"] as string).length > 0,
        "data.values are the rows": isDeepStrictEqual((spec["data"] as { values?: unknown } | undefined)?.values, rows),
        "Vega-Lite v5 schema": spec["$schema"] === "https://vega.github.io/schema/vega-lite/v5.json",
      };
      const want = { mark: "bar", "x field": "outcome", "y field": "count", "color field": "variant", "column field": "consumer", "title is a non-empty string": true, "data.values are the rows": true, "Vega-Lite v5 schema": true };
      for (const k of Object.keys(want) as Array<keyof typeof want>) {
        if (got[k] !== want[k]) throw mismatch(`the spec's ${k}`, show(want[k]), show(got[k]), "barChart({ title, data: rows, x: \"outcome\", y: \"count\", color: \"variant\", column: \"consumer\" }) builds exactly this.");
      }
    },
  },
  {
    name: "chartSvg(rows): the chart of the rows it is given, rendered by Vega",
    run: async (m) => {
      const rows = otherRows();
      const svg = await m.chartSvg(rows);
      if (typeof svg !== "string" || !svg.trimStart().startsWith("<svg")) throw mismatch("chartSvg(rows)", "an SVG document (a string starting with <svg)", typeof svg === "string" ? `"${svg.slice(0, 40)}..."` : typeof svg);
      // Read the picture back: every outcome of these rows is an axis label, and the title is the spec's.
      const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]!);
      const title = String((m.chartSpec(rows) as { title?: unknown }).title ?? "");
      const missing = [...new Set(rows.map((r) => r.outcome)), ...(title ? [title] : [])].filter((w) => !labels.some((l) => l.includes(w.slice(0, 40))));
      if (missing.length) throw mismatch("the rendered chart's text", `a label for every outcome of the rows given and the title (${show(missing)} among them)`, labels.length ? `${labels.length} labels without ${show(missing)}` : "no <text> labels at all", "Render the spec of the rows you are given with the library: renderSvg(chartSpec(rows)).");
    },
  },
], undefined, () => renderSvg(barChart({ title: "warm-up", data: [{ x: "a", y: 1 }], x: "x", y: "y" })));
