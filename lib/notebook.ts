// Helpers the notebooks share: errno text, tables, call-tree traces and check look-up. One copy
// here instead of one per notebook (test/notebooks-structure.test.ts keeps it that way).
// Compiles under tslab's TypeScript 5.0 / ES2022 lib: no toSorted/findLast.
import type { CheckStep } from "./driver.ts";
import { errnoName } from "./errno.ts";
import { ERAS, ERA_IDS, type EraId } from "./eras.ts";
import { formatLine, isVisible } from "./log.ts";
import { cellText, computeMatrix } from "./matrix.ts";
import type { DriverSet } from "./model.ts";
import type { TraceEvent } from "./trace.ts";
import { displayBundle } from "./chart/display.ts";
import { gridChart, type VegaLiteSpec } from "./chart/specs.ts";

/**
 * A return value as the kernel source writes it: 0 -> "0", -22 -> "-EINVAL". Errno names
 * ("EINVAL", as `Observed.errno` holds them) get the minus sign too; "0" and "-" (a step that
 * did not run) stay as they are.
 */
export function ret(r: number | string): string {
  if (r === 0 || r === "0" || r === "-") return String(r);
  return typeof r === "number" ? `-${errnoName(r)}` : `-${r}`;
}

/** A padded plain-text table: header, a dashed rule, one line per row. */
export function tableText(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The same table as HTML (class `lab-table`, which the book styles and scrolls if wide). */
export function tableHtml(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const tr = (cells: readonly string[], tag: "th" | "td") =>
    `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join("")}</tr>`;
  return `<table class="lab-table"><thead>${tr(head, "th")}</thead><tbody>${rows.map((r) => tr(r, "td")).join("")}</tbody></table>`;
}

/**
 * Shows a table as ONE display output carrying text/html and text/plain, so front ends pick the
 * one they render (HTML in Jupyter and the book, text in terminals and diffs). Outside a
 * notebook kernel it prints the text.
 */
export function printTable(head: readonly string[], rows: readonly (readonly string[])[]): void {
  const text = tableText(head, rows);
  if (!displayBundle({ "text/html": tableHtml(head, rows), "text/plain": text })) console.log(text);
}

/**
 * Trace events as an indented call tree: one line per call with its arguments and return value,
 * the log lines it emitted under it. Calls that `keep` rejects are hidden; their children move
 * up a level.
 */
export function traceText(events: readonly TraceEvent[], keep: (fn: string) => boolean = () => true): string {
  const out: string[] = [];
  const callers: TraceEvent[] = [];
  for (const ev of events) {
    while (callers.length && callers[callers.length - 1].depth >= ev.depth) callers.pop();
    const pad = "  ".repeat(callers.filter((c) => keep(c.fn)).length);
    callers.push(ev);
    if (!keep(ev.fn)) continue;
    const args = Object.entries(ev.args).map(([n, v]) => `${n}=${v}`).join(", ");
    out.push(`${pad}${ev.fn}(${args}) = ${ev.ret === undefined ? "void" : ret(ev.ret)}`);
    for (const l of ev.log) out.push(`${pad}    ${formatLine(l)}`);
  }
  return out.join("\n");
}

/** Prints `traceText(events, keep)`. */
export function printTrace(events: readonly TraceEvent[], keep?: (fn: string) => boolean): void {
  console.log(traceText(events, keep));
}

/** A driver's attach_dev check by id, the driver taken from `drivers`; throws naming both when there is none. */
export function checkOf(drivers: DriverSet, driver: string, id: string): CheckStep {
  const d = drivers.get(driver);
  const s = d?.attach.find((x) => x.kind === "check" && x.id === id);
  if (!s) throw new Error(`no attach check ${driver}/${id}`);
  return s as CheckStep;
}

/**
 * The check of each hardware driver that answers "this domain cannot serve this device, but
 * another could" (the attach the errno contract is about), in the order tried: the first that
 * exists in an era is used (s390 changed its check in the v6.2 rework). Drivers with no such
 * check in the kit (rockchip, sun50i, fsl-pamu, amd, tegra-smmu, exynos) are not listed. A
 * teaching choice of this module, not a kernel fact; the answers themselves come from the
 * driver models through `computeMatrix()`.
 */
export const INCOMPATIBLE_CHECKS: Readonly<Record<string, readonly string[]>> = {
  "arm-smmu-v3": ["smmu-mismatch"],
  "arm-smmu": ["smmu-mismatch"],
  "qcom-iommu": ["iommu-mismatch"],
  "ipmmu-vmsa": ["mmu-mismatch"],
  "apple-dart": ["dart-mismatch"],
  "virtio-iommu": ["foreign-viommu"],
  "intel-vtd": ["address-width"],
  "s390-iommu": ["dma-range", "aperture-overlap"],
  "sprd-iommu": ["domain-has-device"],
  "tegra-gart": ["other-active-domain"],
  "omap-iommu": ["domain-attached"],
  "msm-iommu": ["context-attached"],
  "mtk-iommu": ["region-id"],
  "mtk-iommu-v1": ["foreign-domain"],
  "riscv-iommu": ["pgd-mode"],
};

/** How an "incompatible" answer reads against its era's contract; the legend order of the overview. */
export const ANSWER_COLORS = {
  "soft errno, silent": "#54a24b",
  "soft errno, prints": "#b5d99c",
  "other errno, silent": "#f58518",
  "other errno, prints": "#e45756",
  "0, not attached": "#b279a2",
  "check removed": "#d9d9d9",
} as const;
export type AnswerClass = keyof typeof ANSWER_COLORS;

export interface AnswerRow {
  [field: string]: string;
  driver: string;
  era: EraId;
  /** `cellText` of the observed answer: "ENXIO/err", "EINVAL", "0!" (fake success), "-". */
  answer: string;
  class: AnswerClass;
}

/**
 * One tidy row per (driver, era) in which the driver exists: the driver's incompatible attach
 * (INCOMPATIBLE_CHECKS) played through the core by `computeMatrix()`, classed against the era's
 * soft errno and by whether a default console prints a line for it.
 */
export function incompatibleAnswers(drivers: DriverSet, eras: readonly EraId[] = ERA_IDS): AnswerRow[] {
  const listed = drivers.list.filter((d) => INCOMPATIBLE_CHECKS[d.id] !== undefined);
  const matrix = computeMatrix(listed).filter((r) => r.op === "attach");
  const out: AnswerRow[] = [];
  for (const d of listed) {
    for (const era of eras) {
      if (!d.exists.includes(era)) continue;
      const row = INCOMPATIBLE_CHECKS[d.id]
        .map((id) => matrix.find((r) => r.driver === d.id && r.check === id && r.era === era && r.observed))
        .find((r) => r !== undefined);
      const o = row?.observed ?? null;
      let cls: AnswerClass;
      if (!o) cls = "check removed";
      else if (o.errno === "0") cls = "0, not attached";
      else {
        const soft = o.errno === ERAS[era].features.softErrno ? "soft errno" : "other errno";
        cls = `${soft}, ${o.levels.some((l) => isVisible(l)) ? "prints" : "silent"}` as AnswerClass;
      }
      out.push({ driver: d.id, era, answer: cellText(o), class: cls });
    }
  }
  return out;
}

/** The overview figure: driver x era, coloured by how the incompatible answer reads, errno inside. */
export function incompatibleChart(rows: readonly AnswerRow[]): VegaLiteSpec {
  return gridChart({
    title: 'How each driver answers "incompatible", era by era',
    data: rows.map((r) => ({ ...r })),
    x: "era",
    y: "driver",
    color: "class",
    text: "answer",
    colors: { ...ANSWER_COLORS },
    xTitle: null,
    yTitle: "driver",
    colorTitle: "answer vs the era's rule",
    xOrder: ERA_IDS,
    cellWidth: 112,
  });
}

/** Short text for the overview figure (its text/plain form): the counts per era and class. */
export function incompatibleSummary(rows: readonly AnswerRow[]): string {
  const eras = ERA_IDS.filter((e) => rows.some((r) => r.era === e));
  return "Grid of drivers by era, coloured by how the incompatible attach is answered: " +
    eras.map((era) => `${era}: ` + Object.keys(ANSWER_COLORS)
      .map((c) => [c, rows.filter((r) => r.era === era && r.class === c).length] as const)
      .filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`).join(", ")).join("; ") + ".";
}
