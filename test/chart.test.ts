import { test } from "uvu";
import * as assert from "uvu/assert";
import { barChart, chartBundle, renderSvg, showChart, VEGA_LITE_V5_SCHEMA } from "../lib/chart/index.ts";

const spec = barChart({
  title: "Attach outcome by era",
  data: [
    { era: "v5.x", outcome: "ok", count: 12 },
    { era: "v5.x", outcome: "EBUSY", count: 3 },
    { era: "v6.x", outcome: "ok", count: 14 },
    { era: "v6.x", outcome: "EBUSY", count: 1 },
  ],
  x: "era",
  y: "count",
  color: "outcome",
  column: "era",
});

test("barChart builds a v5 grouped bar spec", () => {
  assert.is(spec.$schema, VEGA_LITE_V5_SCHEMA);
  const encoding = spec.encoding as Record<string, { field?: string }>;
  assert.is(encoding.xOffset?.field, "outcome");
  assert.is(encoding.column?.field, "era");
});

test("renderSvg draws marks and is byte-identical across runs", async () => {
  const first = await renderSvg(spec);
  const second = await renderSvg(spec);
  assert.ok(first.startsWith("<svg"), "an SVG document");
  assert.ok(first.includes("<path") || first.includes("<rect"), "contains marks");
  assert.ok(first.includes("Attach outcome by era"), "contains the title");
  assert.is(second, first);
});

test("chartBundle carries the three mime types", async () => {
  const bundle = await chartBundle({ ...spec, $schema: "https://vega.github.io/schema/vega-lite/v6.json" }, "summary");
  assert.equal(Object.keys(bundle).sort(), ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
  assert.is((bundle["application/vnd.vegalite.v5+json"] as { $schema?: string }).$schema, VEGA_LITE_V5_SCHEMA);
  assert.is(bundle["image/svg+xml"], await renderSvg(spec));
  assert.is(bundle["text/plain"], "summary");
});

test("showChart returns the bundle outside a notebook kernel", async () => {
  const bundle = await showChart(spec, { summary: "four bars" });
  assert.ok(bundle);
  assert.is(bundle?.["text/plain"], "four bars");
});

test("barChart axis options: integer y ticks, axis titles, x label angle; defaults unchanged", () => {
  const plain = barChart({ title: "t", data: [{ a: "x", n: 1 }], x: "a", y: "n" }).encoding as Record<string, Record<string, unknown>>;
  assert.equal(plain.x?.axis, { labelAngle: 0 });
  assert.is(plain.y?.axis, undefined);
  assert.is(plain.y?.title, undefined);
  const opts = barChart({ title: "t", data: [{ a: "x", n: 1 }], x: "a", y: "n", integerY: true, xTitle: "X", yTitle: "Y", xLabelAngle: -30 })
    .encoding as Record<string, Record<string, unknown>>;
  assert.equal(opts.x?.axis, { labelAngle: -30 });
  assert.is(opts.x?.title, "X");
  assert.equal(opts.y?.axis, { tickMinStep: 1, format: "d" });
  assert.is(opts.y?.title, "Y");
});

test("barChart stacked: no xOffset, stack order follows the legend; default specs unchanged", async () => {
  const data = [
    { era: "a", outcome: "ok", n: 3 },
    { era: "a", outcome: "hard", n: 1 },
  ];
  const grouped = barChart({ title: "t", data, x: "era", y: "n", color: "outcome" });
  assert.is(grouped.transform, undefined);
  const stacked = barChart({ title: "t", data, x: "era", y: "n", color: "outcome", stacked: true, colors: { hard: "#e45756", ok: "#54a24b" } });
  const encoding = stacked.encoding as Record<string, { field?: string }>;
  assert.is(encoding.xOffset, undefined);
  assert.is(encoding.order?.field, "_stackOrder");
  assert.equal(stacked.transform, [{ calculate: 'indexof(["hard","ok"], datum["outcome"])', as: "_stackOrder" }]);
  const svg = await renderSvg(stacked);
  assert.ok(svg.startsWith("<svg"));
});

test.run();
