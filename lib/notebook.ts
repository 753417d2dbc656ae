// Helpers the notebooks share: errno text, tables, call-tree traces and check look-up. One copy
// here instead of one per notebook (test/notebooks-structure.test.ts keeps it that way).
// Compiles under tslab's TypeScript 5.0 / ES2022 lib: no toSorted/findLast.
import type { CheckStep } from "./driver";
import { lookupDriver } from "../hardware/registry";
import { errnoName } from "./errno";
import { formatLine } from "./log";
import type { TraceEvent } from "./trace";
import { displayBundle } from "./chart/display";

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

/** A driver's attach_dev check by id; throws naming both when there is none. */
export function checkOf(driver: string, id: string): CheckStep {
  const d = lookupDriver(driver);
  const s = d?.attach.find((x) => x.kind === "check" && x.id === id);
  if (!s) throw new Error(`no attach check ${driver}/${id}`);
  return s as CheckStep;
}
