/**
 * The exercise track: one metadata file, exercises/track.json, orders the exercises and gives
 * each its title, era, difficulty, prerequisites, hint and the sources to read. Validated with
 * zod; an invalid file is reported with the JSON path of the problem.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { ERA_IDS } from "../../lib/eras.ts";
import { PROJECT_ROOT, type TargetDir, targetFile } from "./target.ts";

const EraId = z.enum(ERA_IDS);

export const SourceSchema = z
  .object({
    /**
     * What a student can open: a commit id, a mailing-list Message-ID, a series title, a kernel
     * file, a seed message (`seed 000`..`seed 004`) or the project's own notebooks/sources.md.
     */
    kind: z.enum(["commit", "message-id", "series", "kernel-file", "seed", "sources-page"]),
    ref: z.string().min(1),
    note: z.string().min(1).optional(),
  })
  .strict();

export const ExerciseSchema = z
  .object({
    id: z.string().regex(/^\d\d-[a-z0-9]+(?:-[a-z0-9]+)*$/, "an id looks like 07-iommufd-auto-domain"),
    title: z.string().min(1),
    /** The era (or eras) the exercise is about. */
    era: z.union([EraId, z.array(EraId).min(1)]),
    difficulty: z.enum(["easy", "medium", "hard"]),
    /** Exercises to do first (ids of earlier exercises). */
    prerequisites: z.array(z.string()),
    /** What to write, in one or two sentences (the file's comment says it at length). */
    task: z.string().min(1),
    hint: z.string().min(1),
    sources: z.array(SourceSchema).min(1),
  })
  .strict();

export const TrackSchema = z
  .object({
    $comment: z.string().optional(),
    title: z.string().min(1),
    exercises: z.array(ExerciseSchema).min(1),
  })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.exercises.forEach((e, i) => {
      const n = Number(e.id.slice(0, 2));
      if (n !== i + 1) ctx.addIssue({ code: "custom", path: ["exercises", i, "id"], message: `exercise ${i + 1} must be numbered ${String(i + 1).padStart(2, "0")}, not ${e.id.slice(0, 2)}` });
      if (seen.has(e.id)) ctx.addIssue({ code: "custom", path: ["exercises", i, "id"], message: `duplicate id ${e.id}` });
      e.prerequisites.forEach((p, j) => {
        if (!seen.has(p)) ctx.addIssue({ code: "custom", path: ["exercises", i, "prerequisites", j], message: `${p} is not an earlier exercise` });
      });
      seen.add(e.id);
    });
  });

export type Source = z.infer<typeof SourceSchema>;
export type TrackExercise = z.infer<typeof ExerciseSchema>;
export type Track = z.infer<typeof TrackSchema>;

export const TRACK_FILE = path.join(PROJECT_ROOT, "exercises", "track.json");

export class TrackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrackError";
  }
}

/** Read and validate exercises/track.json; every listed exercise must have its three files. */
export function loadTrack(file: string = TRACK_FILE): Track {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new TrackError(`${path.relative(PROJECT_ROOT, file)}: ${(e as Error).message}`);
  }
  const r = TrackSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const where = first.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    throw new TrackError(`${path.relative(PROJECT_ROOT, file)}: ${where || "(top)"}: ${first.message}`);
  }
  return r.data;
}

/** The three files of an exercise. */
export function exerciseFiles(id: string): Record<TargetDir | "test", string> {
  return {
    exercises: targetFile(id, "exercises"),
    solutions: targetFile(id, "solutions"),
    test: path.join(PROJECT_ROOT, "test", "exercises", `${id}.test.ts`),
  };
}

/** "the era einval-6.2" / "the eras pre-2022, einval-6.2". */
export function eraLabel(e: TrackExercise): string {
  return Array.isArray(e.era) ? e.era.join(", ") : e.era;
}
