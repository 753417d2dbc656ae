/**
 * `iommu-lab sweep` as a user runs it: a small experiment end to end writes sweep.csv,
 * sweep.json, the chart SVGs and one self-contained HTML page to --out, prints CSV or JSON on
 * request, no progress bar when stderr is not a terminal, and the same files on a second run.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "iommu-lab-sweep-"));
const file = path.join(tmp, "small.json");
fs.writeFileSync(
  file,
  JSON.stringify({
    name: "Small fleet",
    description: "Two SMMUv3 instances <and> a comparison",
    platform: { preset: "arm-server-2x-smmuv3" },
    devices: 300,
    consumer: ["vfio-type1", "iommufd"],
    eras: ["pre-2022", "einval-6.2"],
    variants: [[], ["arm-smmu-v3:regression-48e7b8e284e5"]],
    seeds: [1, 2],
  }),
);

/** In the temporary folder, where `--out out` writes (relative, as a user types it). */
function sweep(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, "bin/iommu-lab.cjs"), "sweep", file, ...args], { encoding: "utf8", cwd: tmp });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("--out writes the CSV, the JSON, SVG charts and an HTML page that embeds them", () => {
  const out = path.join(tmp, "out");
  const r = sweep("--out", "out", "--csv");
  assert.is(r.code, 0, r.err);
  // The regression variant changes nothing before mainline-2025: a warning, and no progress bar without a terminal.
  assert.is(r.err, "iommu-lab: warning: variant arm-smmu-v3:regression-48e7b8e284e5 changes nothing in eras pre-2022, einval-6.2 (it changes mainline-2025)\n");
  const files = fs.readdirSync(out).sort();
  assert.equal(files, [".iommu-lab-sweep", "attempts.svg", "domains.svg", "index.html", "outcomes.svg", "spam.svg", "sweep.csv", "sweep.json"]);
  const csv = fs.readFileSync(path.join(out, "sweep.csv"), "utf8");
  assert.is(r.out, csv, "--csv prints the same table");
  assert.match(csv.split("\n")[0]!, /^consumer,era,variant,seed,phase,outcome,errno,devices,requests,attempts,softFailures,domainsAllocated,logLines,spamLines$/);
  const json = JSON.parse(fs.readFileSync(path.join(out, "sweep.json"), "utf8")) as { experiment: { name: string }; rows: Array<{ consumer: string; outcome: string; variant: string }> };
  assert.is(json.experiment.name, "Small fleet");
  assert.is(json.rows.length, csv.trim().split("\n").length - 1);
  assert.ok(json.rows.some((x) => x.consumer === "iommufd" && x.outcome === "unavailable"), "iommufd before v6.2");
  for (const svg of files.filter((f) => f.endsWith(".svg"))) assert.match(fs.readFileSync(path.join(out, svg), "utf8"), /^<svg[\s\S]*<\/svg>$/);
  const html = fs.readFileSync(path.join(out, "index.html"), "utf8");
  assert.is((html.match(/<svg/g) ?? []).length, 4, "four charts inline");
  assert.not.match(html, /<script|<link|src="http/, "self-contained");
  assert.match(html, /Two SMMUv3 instances &lt;and&gt; a comparison/);
  assert.equal(fs.readdirSync(tmp).filter((f) => f.includes(".tmp-")), [], "no temporary folder left");
});

test("a second run replaces the folder (which carries the marker) with byte-identical files, leaving nothing beside it; --json prints the JSON", () => {
  const out = path.join(tmp, "out");
  const before = fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), "utf8"));
  const r = sweep("--out", "out", "--json");
  assert.is(r.code, 0, r.err);
  assert.equal(fs.readdirSync(tmp).sort(), ["out", "small.json"], "no temporary or old folder left");
  const after = fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), "utf8"));
  assert.equal(after, before);
  assert.is(r.out, fs.readFileSync(path.join(out, "sweep.json"), "utf8"));
});

test("without --out: a text summary per cell; --workers 2 gives the same output", () => {
  const a = sweep();
  const b = sweep("--workers", "2");
  assert.is(a.code, 0, a.err);
  assert.match(a.out, /consumer\s+era\s+variant\s+seed\s+devices by outcome/);
  assert.match(a.out, /vfio-type1\s+pre-2022\s+baseline\s+1\s+attached-existing/);
  assert.is(b.out, a.out);
});

test("usage errors exit 2", () => {
  const r = sweep("--workers", "0");
  assert.is(r.code, 2);
  assert.match(r.err, /--workers: expected an integer from 1 to 64/);
  const none = spawnSync(process.execPath, [path.join(root, "bin/iommu-lab.cjs"), "sweep"], { encoding: "utf8" });
  assert.is(none.status, 2);
  assert.match(none.stderr, /^iommu-lab: missing <experiment\.json> \(iommu-lab sweep --help for usage\)\n$/);
});

test.run();
