/**
 * The kernel log. Every printk the model emits becomes a line with its level, so "log spam"
 * can be counted: dev_dbg/pr_debug lines are recorded but not visible unless dynamic debug is on.
 */
export type LogLevel = "err" | "warn" | "info" | "dbg" | "WARN";

export interface LogLine {
  level: LogLevel;
  /** dev_name() of the device the line is about, when the printk is a dev_* one. */
  dev: string | null;
  text: string;
}

/** Levels a default kernel prints to the console (dynamic debug off). */
export function isVisible(level: LogLevel): boolean {
  return level !== "dbg";
}

/** Lines a reviewer would call noise on a failed probe for compatibility: err, warn and WARN splats. */
export function isSpam(line: LogLine): boolean {
  return line.level === "err" || line.level === "warn" || line.level === "WARN";
}

export function formatLine(l: LogLine): string {
  const tag = l.level === "WARN" ? "WARNING" : l.level;
  return `${tag}: ${l.dev ? l.dev + ": " : ""}${l.text}`;
}
