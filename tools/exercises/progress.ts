/**
 * The student's progress, kept in .progress.json at the project root (git-ignored): which
 * exercises passed and which one is next, so that the next `npm run check` resumes there.
 * The checker re-verifies the solved ones on every run anyway (it takes well under a second);
 * the file is what lets it say "welcome back" and what `--hint` reads.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./target.ts";

/** .progress.json at the project root; IOMMU_LAB_PROGRESS names another file (the tests use a temporary one). */
export const PROGRESS_FILE = process.env["IOMMU_LAB_PROGRESS"] || path.join(PROJECT_ROOT, ".progress.json");

export interface Progress {
  version: 1;
  /** Exercises that passed, in track order. */
  solved: string[];
  /** The first unsolved exercise, or null when the track is done. */
  current: string | null;
  updated: string;
}

export function readProgress(file: string = PROGRESS_FILE): Progress | null {
  try {
    const p = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Progress>;
    if (p.version !== 1 || !Array.isArray(p.solved)) return null;
    return { version: 1, solved: p.solved.filter((s): s is string => typeof s === "string"), current: typeof p.current === "string" ? p.current : null, updated: String(p.updated ?? "") };
  } catch {
    return null;
  }
}

/** Write through a temporary name, so an interrupted write never leaves half a file. */
export function writeProgress(p: Omit<Progress, "version" | "updated">, file: string = PROGRESS_FILE): void {
  const data: Progress = { version: 1, solved: p.solved, current: p.current, updated: new Date().toISOString() };
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

export function resetProgress(file: string = PROGRESS_FILE): void {
  fs.rmSync(file, { force: true });
}
