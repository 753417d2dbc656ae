/**
 * Sweep outputs: the tidy table as CSV, a terminal summary, bar charts (SVG through lib/chart)
 * and one self-contained HTML page with them. Everything is a function of the rows, so the
 * same sweep writes byte-identical files.
 */
import { barChart, renderSvg, type Row, type VegaLiteSpec } from "../../lib/chart/index.ts";
import { table } from "../cli/table.ts";
import { writeOutDir } from "../../lib/output.ts";
import type { EraId } from "../../lib/eras.ts";
import type { EngineName } from "./cells.ts";
import type { ConsumerKind } from "./schema.ts";
import { type CellStats, ROW_COLUMNS, type SweepRow } from "./tally.ts";

/**
 * What a sweep produced: the experiment as run, the tidy rows, and per-cell engine counts.
 * Declared beside its renderers, not in ./index (which re-exports it), so that the two do not import each other.
 */
export interface SweepResult {
  experiment: {
    name: string;
    description: string;
    platform: string;
    devices: number;
    consumers: ConsumerKind[];
    eras: EraId[];
    variants: string[][];
    seeds: number[];
    contextSize: number;
    engine: EngineName;
  };
  rows: SweepRow[];
  /** Deterministic engine counts per cell (materialised groups, simulated transitions, ...). */
  stats: Array<CellStats & { cell: number }>;
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function sweepCsv(rows: readonly SweepRow[]): string {
  const lines = [ROW_COLUMNS.join(",")];
  for (const r of rows) lines.push(ROW_COLUMNS.map((c) => csvCell(r[c])).join(","));
  return lines.join("\n") + "\n";
}

interface CellSummary {
  label: string[];
  attach: Map<string, number>;
  attempts: number;
  soft: number;
  domains: number;
  log: number;
  spam: number;
  probeFailed: number;
  probeSpam: number;
}

function summarise(rows: readonly SweepRow[]): CellSummary[] {
  const cells = new Map<string, CellSummary>();
  for (const r of rows) {
    const key = `${r.consumer}|${r.era}|${r.variant}|${r.seed}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { label: [r.consumer, r.era, r.variant, String(r.seed)], attach: new Map(), attempts: 0, soft: 0, domains: 0, log: 0, spam: 0, probeFailed: 0, probeSpam: 0 }));
    if (r.phase === "probe") {
      if (r.outcome !== "ok") c.probeFailed += r.devices;
      c.probeSpam += r.spamLines;
      continue;
    }
    const o = r.errno ? `${r.outcome}:${r.errno}` : r.outcome;
    c.attach.set(o, (c.attach.get(o) ?? 0) + r.devices);
    c.attempts += r.attempts;
    c.soft += r.softFailures;
    c.domains += r.domainsAllocated;
    c.log += r.logLines;
    c.spam += r.spamLines;
  }
  return [...cells.values()];
}

/** A terminal summary: one line per cell. */
export function sweepText(result: SweepResult): string {
  const e = result.experiment;
  const head = [
    `experiment: ${e.name}`,
    `platform: ${e.platform}; ${e.devices} devices; consumers: ${e.consumers.join(", ")}${e.contextSize ? `; ${e.contextSize} groups per context` : ""}`,
    "",
  ];
  const sum = summarise(result.rows);
  const probe = probeColumn(sum);
  const rows = sum.map((c) => [
    ...c.label,
    [...c.attach].map(([o, n]) => `${o} ${n}`).join(", "),
    String(c.attempts),
    String(c.soft),
    String(c.domains),
    String(c.spam),
    ...(probe ? [`${c.probeFailed}/${c.probeSpam}`] : []),
  ]);
  const t = table(["consumer", "era", "variant", "seed", "devices by outcome", "attempts", "soft", "domains", "spam", ...(probe ? ["probe failed/spam"] : [])], rows);
  return [...head, t, ...(probe ? [] : ["", PROBE_CLEAN])].join("\n");
}

/** The probe column is shown only when some cell has a failed probe or a probe err/warn line. */
function probeColumn(sum: readonly CellSummary[]): boolean {
  return sum.some((c) => c.probeFailed > 0 || c.probeSpam > 0);
}

const PROBE_CLEAN = "probe: every device probed onto its default domain with no err/warn line (in every cell)";

export interface ChartFile {
  file: string;
  title: string;
  spec: VegaLiteSpec;
  svg: string;
}

/** Sum `value` over seeds (and over what `key` leaves out), keeping first-seen order. */
function aggregate(rows: readonly SweepRow[], keep: (r: SweepRow) => boolean, key: (r: SweepRow) => Row, value: (r: SweepRow) => number, field: string): Row[] {
  const out = new Map<string, Row>();
  for (const r of rows) {
    if (!keep(r)) continue;
    const k = key(r);
    const id = JSON.stringify(k);
    let row = out.get(id);
    if (!row) out.set(id, (row = { ...k, [field]: 0 }));
    row[field] = (row[field] as number) + value(r);
  }
  return [...out.values()];
}

/** The bar charts of a sweep, rendered to SVG. */
export async function sweepCharts(result: SweepResult): Promise<ChartFile[]> {
  const e = result.experiment;
  const many = e.consumers.length > 1 || e.variants.length > 1;
  const column = (r: SweepRow) => (e.consumers.length > 1 ? `${r.consumer} ${r.variant}` : r.variant);
  const seeds = e.seeds.length > 1 ? ` (sum over ${e.seeds.length} seeds)` : "";
  const attach = (r: SweepRow) => r.phase === "attach";
  const specs: Array<{ file: string; spec: VegaLiteSpec }> = [
    {
      file: "outcomes.svg",
      spec: barChart({
        title: `${e.name}: devices by outcome${seeds}`,
        data: aggregate(result.rows, attach, (r) => ({ era: r.era, outcome: r.errno ? `${r.outcome} ${r.errno}` : r.outcome, ...(many ? { set: column(r) } : {}) }), (r) => r.devices, "devices"),
        x: "era",
        y: "devices",
        color: "outcome",
        ...(many ? { column: "set" } : {}),
      }),
    },
  ];
  const perEra = (file: string, what: string, keep: (r: SweepRow) => boolean, value: (r: SweepRow) => number, field: string) => ({
    file,
    spec: barChart({
      title: `${e.name}: ${what}${seeds}`,
      data: aggregate(result.rows, keep, (r) => ({ era: r.era, set: column(r) }), value, field),
      x: "era",
      y: field,
      color: "set",
    }),
  });
  specs.push(perEra("attempts.svg", "attach attempts", attach, (r) => r.attempts, "attempts"));
  specs.push(perEra("domains.svg", "domains allocated", attach, (r) => r.domainsAllocated, "domains"));
  specs.push(perEra("spam.svg", "err/warn log lines (probe and requests)", () => true, (r) => r.spamLines, "spam"));
  const out: ChartFile[] = [];
  for (const s of specs) out.push({ file: s.file, title: String(s.spec.title), spec: s.spec, svg: await renderSvg(s.spec) });
  return out;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** One self-contained page: the experiment, the charts (inline SVG) and the summary table. */
export function sweepHtml(result: SweepResult, charts: readonly ChartFile[]): string {
  const e = result.experiment;
  const sum = summarise(result.rows);
  const probe = probeColumn(sum);
  const th = ["consumer", "era", "variant", "seed", "devices by outcome", "attempts", "soft failures", "domains", "err/warn lines", ...(probe ? ["probe failed / spam"] : [])];
  const tr = sum.map(
    (c) =>
      `<tr>${[...c.label, [...c.attach].map(([o, n]) => `${o} ${n}`).join(", "), String(c.attempts), String(c.soft), String(c.domains), String(c.spam), ...(probe ? [`${c.probeFailed} / ${c.probeSpam}`] : [])]
        .map((x) => `<td>${esc(x)}</td>`)
        .join("")}</tr>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(e.name)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; max-width: 75em; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; }
figure { margin: 1.5em 0; }
</style>
</head>
<body>
<h1>${esc(e.name)}</h1>
${e.description ? `<p>${esc(e.description)}</p>\n` : ""}<p>Platform: ${esc(e.platform)}. Fleet: ${e.devices} devices. Consumers: ${esc(e.consumers.join(", "))}${e.contextSize ? `, ${e.contextSize} groups per context` : ""}. Eras: ${esc(e.eras.join(", "))}. Seeds: ${esc(e.seeds.join(", "))}.</p>
${charts.map((c) => `<figure>\n${c.svg}\n<figcaption>${esc(c.title)}</figcaption>\n</figure>`).join("\n")}
<h2>Per cell</h2>
<table>
<tr>${th.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>
${tr.join("\n")}
</table>
${probe ? "" : `<p>${esc(PROBE_CLEAN)}.</p>\n`}<p>The tidy table is in sweep.csv and sweep.json next to this page.</p>
</body>
</html>
`;
}

/**
 * Write sweep.json, sweep.csv, the chart SVGs and index.html to `dir` through lib/output: a
 * temporary folder renamed into place, so a failure leaves nothing; an existing `dir` is
 * replaced only when an earlier sweep wrote it, and never when it is or holds one of `inputs`.
 */
export function writeSweepOutputs(dir: string, result: SweepResult, charts: readonly ChartFile[], inputs: readonly string[] = []): void {
  const files = [
    { name: "sweep.json", data: JSON.stringify(result, null, 2) + "\n" },
    { name: "sweep.csv", data: sweepCsv(result.rows) },
    ...charts.map((c) => ({ name: c.file, data: c.svg })),
    { name: "index.html", data: sweepHtml(result, charts) },
  ];
  writeOutDir(dir, files, inputs);
}
