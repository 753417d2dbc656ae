/**
 * What a driver's "what if" variant changes, read from the driver data: a variant changes a
 * check in an era when its row there (through the era's parents, as `verdictFor` reads it)
 * differs from the check's own row. Used by `iommu-lab drivers` to list the variants and by
 * `run` / `sweep` to warn about a variant that changes nothing where it is used.
 */
import { drivers } from "../../hardware/index.ts";
import { lookupRows, type DriverModel, type Verdict } from "../../lib/driver.ts";
import { ERA_IDS, type EraId, isRevisionVariant } from "../../lib/eras.ts";
import { driverVariants } from "../../lib/model.ts";

export interface VariantChange {
  check: string;
  era: EraId;
  from: Verdict | null;
  to: Verdict | null;
}

/** Every (check, era) a variant changes, in the driver's step order and era order. */
export function variantChanges(d: DriverModel, name: string): VariantChange[] {
  const out: VariantChange[] = [];
  for (const s of [...d.attach, ...(d.staticAttach ?? []), ...d.setDevPasid]) {
    const rows = s.kind === "check" ? s.variants?.[name] : undefined;
    if (!rows || s.kind !== "check") continue;
    for (const era of ERA_IDS) {
      if (!d.exists.includes(era)) continue;
      const to = lookupRows(rows, era);
      if (to === undefined) continue;
      const from = lookupRows(s.rows, era) ?? null;
      if (JSON.stringify(from) !== JSON.stringify(to)) out.push({ check: s.id, era, from, to });
    }
  }
  return out;
}

/** The driver's variants with what each changes. */
export function driverVariantChanges(d: DriverModel): Array<{ variant: string; changes: VariantChange[] }> {
  return driverVariants(d).map((v) => ({ variant: `${d.id}:${v}`, changes: variantChanges(d, v) }));
}

/**
 * Warnings for the known variants among `variants` that change nothing in any of `eras`
 * (unknown names are the loaders' business), e.g. "variant arm-smmu-v3:x changes nothing in
 * era einval-6.2 (it changes mainline-2025, test-dev-2025)".
 */
export function inertVariantWarnings(variants: readonly string[], eras: readonly EraId[]): string[] {
  const out: string[] = [];
  for (const full of new Set(variants)) {
    if (isRevisionVariant(full)) {
      // A proposal revision ("emediumtype-2022:v1") only changes its own era.
      const era = full.slice(0, full.indexOf(":"));
      if (!eras.some((e) => e === era)) out.push(`variant ${full} changes nothing in ${eras.length === 1 ? `era ${eras[0]}` : `eras ${eras.join(", ")}`} (it changes ${era})`);
      continue;
    }
    const [driverId, name] = full.split(":", 2) as [string, string | undefined];
    const d = drivers.get(driverId);
    if (!d || name === undefined || !driverVariants(d).includes(name)) continue;
    const where = [...new Set(variantChanges(d, name).map((c) => c.era))];
    if (eras.some((e) => where.includes(e))) continue;
    const chosen = eras.length === 1 ? `era ${eras[0]}` : `eras ${eras.join(", ")}`;
    out.push(`variant ${full} changes nothing in ${chosen} (${where.length ? `it changes ${where.join(", ")}` : "it changes no era"})`);
  }
  return out;
}
