/**
 * Student-facing text cites what a student can open (a commit, a Message-ID, a seed message,
 * notebooks/sources.md), never the maintainers' private fact sheet or its section labels
 * ("fact sheet", "§", "D.1", "C.4", "T62", "CUR", "E-26", "K-9", "section 1").
 */
import fs from "node:fs";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ROOT = path.resolve(__dirname, "..");

/** Files owned by the fidelity-core branch (issue #16 points 1-5); the lead empties this at merge. */
const PENDING: string[] = [];

const ANY_CASE = /fact[- ]?sheet|\bsections? [0-9A-F](?:\.[0-9]+)?\b/i;
const LABELS = /§|\b[A-F]\.[0-9]+[a-z]?\b|\bT62\b|\bCUR\b|\b[EK]-[0-9]+\b/;

/** "file:line: text" for every line that refers to the fact sheet. */
export function factSheetRefs(rel: string, text: string): string[] {
  const out: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (ANY_CASE.test(line) || LABELS.test(line)) out.push(`${rel}:${i + 1}: ${line.trim().slice(0, 100)}`);
  });
  return out;
}

function walk(dir: string, exts: readonly string[]): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return (fs.readdirSync(abs, { recursive: true }) as string[])
    .map(String)
    .filter((f) => exts.some((e) => f.endsWith(e)))
    .map((f) => path.join(dir, f).split(path.sep).join("/"))
    .sort();
}

const studentFiles = () => [
  ...walk("exercises", [".ts", ".json", ".md"]),
  ...walk("solutions", [".ts", ".json", ".md"]),
  ...walk("lib", [".ts", ".json", ".md"]),
  ...walk("hardware", [".ts", ".json", ".md"]),
  "README.md",
  ...walk("notebooks", [".md"]).filter((f) => !f.slice("notebooks/".length).includes("/")),
];

const refsIn = (files: string[]) => files.flatMap((f) => factSheetRefs(f, fs.readFileSync(path.join(ROOT, f), "utf8")));

test("the detector finds the fact sheet's labels and leaves ordinary text alone", () => {
  assert.equal(factSheetRefs("x", "see fact sheet D.1").length, 1);
  for (const s of ["Fact sheet section F", "C.4 (Robin)", "the T62 core", "E-26", "(K-9)", "§3", "section 1 (eras)", "fact-sheet"]) {
    assert.equal(factSheetRefs("x", s).length, 1, s);
  }
  for (const s of ["seed 002; f4a147735793", "const cur = 1;", "v6.2", "E2E", "notebooks/sources.md", "EINVAL-6", "UNVERIFIED"]) {
    assert.equal(factSheetRefs("x", s), [], s);
  }
});

test("exercises, solutions, README, lib, hardware and notebooks/*.md cite no fact-sheet section", () => {
  const files = studentFiles().filter((f) => !PENDING.includes(f));
  assert.ok(files.length > 50);
  assert.equal(refsIn(files), []);
});

test("the pending list names only files that still cite the fact sheet (empty it at merge)", () => {
  assert.equal(PENDING.filter((f) => fs.existsSync(path.join(ROOT, f)) && refsIn([f]).length === 0), []);
});

test("notebooks/*.ipynb cite no fact-sheet section (cell sources; outputs are the model's own text)", () => {
  const refs = walk("notebooks", [".ipynb"])
    .filter((f) => !f.slice("notebooks/".length).includes("/"))
    .flatMap((f) => {
      const nb = JSON.parse(fs.readFileSync(path.join(ROOT, f), "utf8")) as { cells: Array<{ source: string | string[] }> };
      // A notebook's "section 3" is its own; only the fact sheet's labels and name count here.
      return nb.cells.flatMap((c, i) =>
        factSheetRefs(`${f} cell ${i + 1}`, [c.source].flat().join("")).filter((r) => !/\bsections? [0-9]\b/i.test(r) || /fact[- ]?sheet|§|\b[A-F]\.[0-9]/i.test(r)),
      );
    });
  assert.equal(refs, []);
});

test.run();
