/** `iommu-lab eras` and `iommu-lab drivers`: what exists, as data (for --json) and as text. */
import { drivers } from "../../hardware/index.ts";
import { lookupRows, type DriverModel, type Step, type Verdict } from "../../lib/driver.ts";
import { ERA_IDS, ERAS, REVISIONS } from "../../lib/eras.ts";
import { cellText, computeMatrix, type MatrixRow } from "../../lib/matrix.ts";
import { type Device, Kernel } from "../../lib/model.ts";
import { propDocs, withPropDefaults } from "../../lib/props.ts";
import { table } from "./table.ts";
import { driverVariantChanges } from "./variants.ts";

export function erasData() {
  return ERA_IDS.map((id) => {
    const e = ERAS[id];
    const revisions = (REVISIONS[id] ?? []).map((r) => ({ variant: `${id}:${r.id}`, posted: r.posted, messageId: r.messageId, summary: r.summary }));
    return { id, title: e.title, dates: e.dates, merged: e.merged, parent: e.parent, summary: e.summary, sources: e.sources, features: e.features, ...(revisions.length ? { revisions } : {}) };
  });
}

export function erasText(): string {
  const eras = erasData();
  const out = [table(["era", "merged", "dates", "title"], eras.map((e) => [e.id, e.merged ? "yes" : "no", e.dates, e.title])), "", "sources:"];
  for (const e of eras) out.push(`  ${e.id}`, ...e.sources.map((src) => `    ${src}`));
  return out.join("\n");
}

function verdictData(v: Verdict | null): { errno: string; log: string | null; warn: boolean } | null {
  return v ? { errno: v.errno === 0 ? "0 (fake success)" : v.errno, log: v.log ? v.log.level : null, warn: v.warn === true } : null;
}

function stepData(d: DriverModel, s: Step) {
  if (s.kind === "effect") return { kind: s.kind, id: s.id, kernel: s.kernel, what: s.what, eras: s.eras ?? ERA_IDS };
  const perEra: Record<string, { errno: string; log: string | null; warn: boolean } | null> = {};
  for (const e of ERA_IDS) {
    if (!d.exists.includes(e)) continue;
    const v = lookupRows(s.rows, e) ?? null;
    perEra[e] = verdictData(v);
  }
  return {
    kind: s.kind,
    id: s.id,
    kernel: s.kernel,
    what: s.what,
    perEra,
    ...(s.variants ? { variants: Object.keys(s.variants).map((v) => `${d.id}:${v}`) } : {}),
    ...(s.note ? { note: s.note } : {}),
    // Always present (empty when a row has none yet), so that a missing source shows in the JSON.
    source: s.source ?? "",
  };
}

export function driversData() {
  return drivers.list.map((d) => ({
    id: d.id,
    title: d.title,
    file: d.file,
    ops: d.opsName,
    eras: d.exists,
    pasidEras: d.pasidEras,
    ...(d.capCacheCoherencySource ? { cacheCoherency: { erasReporting: d.exists.filter((e) => capReported(d, e)), source: d.capCacheCoherencySource } } : {}),
    properties: { instance: propDocs(d.instanceProps), device: propDocs(d.deviceProps), domain: propDocs(d.domainProps) },
    attach: d.attach.map((s) => stepData(d, s)),
    staticAttach: (d.staticAttach ?? []).map((s) => stepData(d, s)),
    setDevPasid: d.setDevPasid.map((s) => stepData(d, s)),
    variants: driverVariantChanges(d).map(({ variant, changes }) => ({ id: variant, changes: changes.map((c) => ({ ...c, from: verdictData(c.from), to: verdictData(c.to) })) })),
    ...(d.notes ? { notes: d.notes } : {}),
  }));
}

/** Does the driver's .capable report IOMMU_CAP_CACHE_COHERENCY in `era` (for a device with default props on a default instance)? */
function capReported(d: DriverModel, era: (typeof ERA_IDS)[number]): boolean {
  const k = new Kernel({ era, drivers, trace: false });
  const inst = { id: "i0", driver: d, props: withPropDefaults(d.instanceProps, undefined) };
  const dev: Device = { id: "d0", instance: inst, group: null, props: withPropDefaults(d.deviceProps, undefined), maxPasids: 0, requireDirect: false, attachDeferred: false, ats: false, hwDomain: null, hwPasid: new Map() };
  k.instances.set(inst.id, inst);
  return d.capCacheCoherency(k, dev);
}

export function driversText(): string {
  const out: string[] = [];
  for (const d of driversData()) {
    out.push(`${d.id}  ${d.title}  (${d.file})`, `  eras: ${d.eras.join(", ")}`);
    const rows = [...d.attach, ...d.staticAttach.map((s) => ({ ...s, id: `identity/${s.id}` }))]
      .filter((s) => s.kind === "check")
      .map((s) => [s.id, ...ERA_IDS.map((e) => cell(s.perEra?.[e]))]);
    out.push(
      table(["  check", ...ERA_IDS], rows.map((r) => ["  " + r[0]!, ...r.slice(1)])),
    );
    if (d.variants.length) out.push("  variants (iommu-lab run --variant ID):");
    for (const v of d.variants) {
      const what = v.changes.map((c) => `${c.check} in ${c.era}: ${cell(c.from)} -> ${cell(c.to)}`);
      out.push(`    ${v.id}: ${what.length ? what.join("; ") : "changes no check in any era"}`);
    }
    out.push("");
  }
  out.push("cells: errno/printk level (dbg = dev_dbg, err = dev_err); '-' = check absent; blank = driver absent");
  return out.join("\n");
}

function cell(v: { errno: string; log: string | null; warn: boolean } | null | undefined): string {
  if (v === undefined) return "";
  if (v === null) return "-";
  return `${v.errno.replace(" (fake success)", "!")}${v.log ? "/" + v.log : ""}${v.warn ? "/WARN" : ""}`;
}

/** `iommu-lab matrix`: what the model produces for every check's recipe (observed), per era. */
export function matrixData(): MatrixRow[] {
  return computeMatrix(drivers);
}

export function matrixCsv(rows: MatrixRow[]): string {
  const q = (x: string) => (/[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x);
  const lines = ["driver,op,check,kernel,era,declared,observed,agrees"];
  for (const r of rows) {
    lines.push([r.driver, r.op, r.check, r.kernel, r.era, cellText(r.declared), cellText(r.observed), r.agrees === null ? "" : String(r.agrees)].map(q).join(","));
  }
  return lines.join("\n");
}

export function matrixText(rows: MatrixRow[]): string {
  const out: string[] = [];
  const drivers = [...new Set(rows.map((r) => r.driver))];
  for (const d of drivers) {
    const mine = rows.filter((r) => r.driver === d);
    const keys = [...new Set(mine.map((r) => `${r.op}:${r.check}`))];
    out.push(`${d}`);
    const body = keys.map((key) => {
      const [op, check] = key.split(":") as [string, string];
      return [`  ${op === "pasid" ? "pasid/" : ""}${check}`, ...ERA_IDS.map((e) => {
        const r = mine.find((x) => x.op === op && x.check === check && x.era === e);
        if (!r) return "";
        return cellText(r.observed ?? r.declared) + (r.agrees === false ? " (declared " + cellText(r.declared) + ")" : "");
      })];
    });
    out.push(table(["  check", ...ERA_IDS], body), "");
  }
  const bad = rows.filter((r) => r.agrees === false).length;
  out.push(`observed by running each check's recipe through the core; ${bad ? bad + " cells disagree with the driver data" : "every cell agrees with the driver data"}`);
  out.push("cells: errno/printk level (err, warn, dbg, WARN); 0! = returned 0 without attaching; '-' = check absent; blank = driver absent");
  return out.join("\n");
}
