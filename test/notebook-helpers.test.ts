// lib/notebook.ts (the notebooks' shared helpers) and the chart builders it uses.
import { drivers } from "../hardware/index.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { barChart, gridChart } from "../lib/chart/index.ts";
import { neg } from "../lib/errno.ts";
import {
  ANSWER_COLORS, INCOMPATIBLE_CHECKS, checkOf, incompatibleAnswers, incompatibleSummary, ret, tableHtml, tableText, traceText,
} from "../lib/notebook.ts";
import type { TraceEvent } from "../lib/trace.ts";

test("ret writes return values as the kernel does", () => {
  assert.is(ret(0), "0");
  assert.is(ret(neg("EINVAL")), "-EINVAL");
  assert.is(ret("ENXIO"), "-ENXIO");
  assert.is(ret("0"), "0");
  assert.is(ret("-"), "-");
});

test("tableText pads columns; tableHtml escapes cells", () => {
  assert.is(tableText(["a", "bb"], [["xyz", "1"]]), "a    bb\n---  --\nxyz  1");
  const html = tableHtml(["x"], [["<b>&"]]);
  assert.ok(html.includes("<td>&lt;b&gt;&amp;</td>"));
  assert.ok(html.startsWith('<table class="lab-table"><thead><tr><th>x</th>'));
});

test("traceText indents by call depth, hides rejected calls and lifts their children", () => {
  const ev = (fn: string, depth: number, r?: number): TraceEvent =>
    ({ fn, depth, args: { dev: "d" }, ret: r, log: [] }) as unknown as TraceEvent;
  const events = [ev("outer", 3, neg("EINVAL")), ev("middle", 4, 0), ev("inner", 5, neg("EINVAL")), ev("next", 4)];
  assert.is(traceText(events), "outer(dev=d) = -EINVAL\n  middle(dev=d) = 0\n    inner(dev=d) = -EINVAL\n  next(dev=d) = void");
  assert.is(traceText(events, (fn) => fn !== "middle"), "outer(dev=d) = -EINVAL\n  inner(dev=d) = -EINVAL\n  next(dev=d) = void");
});

test("checkOf finds a driver's attach check and names what is missing", () => {
  assert.is(checkOf(drivers, "sprd-iommu", "domain-has-device").id, "domain-has-device");
  assert.throws(() => checkOf(drivers, "sprd-iommu", "nope"), /sprd-iommu\/nope/);
});

test("barChart without y counts the rows (Vega-Lite aggregate); gridChart orders its columns", () => {
  const enc = barChart({ title: "t", data: [{ a: "x" }, { a: "x" }], x: "a" }).encoding as Record<string, Record<string, unknown>>;
  assert.is(enc.y.aggregate, "count");
  assert.is(enc.y.field, undefined);
  const grid = gridChart({ title: "g", data: [{ e: "b", d: "1", c: "k" }, { e: "a", d: "1", c: "k" }], x: "e", y: "d", color: "c", xOrder: ["a"] });
  assert.equal(((grid.encoding as Record<string, Record<string, unknown>>).x).sort, ["a", "b"]);
  assert.is(grid.width, 2 * 64);
});

test("incompatibleAnswers: one row per driver and era it exists in, classed by the era's rule", () => {
  const rows = incompatibleAnswers(drivers);
  const cell = (driver: string, era: string) => rows.find((r) => r.driver === driver && r.era === era);
  assert.equal(new Set(rows.map((r) => r.driver)), new Set(Object.keys(INCOMPATIBLE_CHECKS)));
  assert.is(cell("arm-smmu-v3", "2014-nesting"), undefined); // SMMUv3 not modelled in 2014
  assert.equal(cell("arm-smmu-v3", "pre-2022"), { driver: "arm-smmu-v3", era: "pre-2022", answer: "ENXIO/err", class: "other errno, prints" });
  assert.is(cell("arm-smmu-v3", "mainline-2025")!.class, "soft errno, silent");
  assert.is(cell("mtk-iommu-v1", "einval-6.2")!.class, "0, not attached");
  assert.is(cell("s390-iommu", "mainline-2025")!.class, "soft errno, prints"); // EINVAL with a WARN_ON
  for (const r of rows) assert.ok(r.class in ANSWER_COLORS);
  assert.match(incompatibleSummary(rows), /^Grid of drivers by era.*2014-nesting: .*pre-2022: /);
});

test.run();
