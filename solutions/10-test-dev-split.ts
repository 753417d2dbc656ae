/**
 * Exercise 10 - the test_dev split. Reference solution.
 *
 * Incompatibilities (another IPMMU / SMMU) go to test_dev. ipmmu's EBUSY is not an errno attach_dev
 * may still return, so test_dev answers it - and attach_dev, which takes the context, keeps it
 * (both). arm-smmu's ENOSPC is exactly the resource failure attach_dev is still allowed: it stays
 * there alone. The "no IPMMU" guard is in both.
 */
export type Phase = "test" | "attach" | "both";

export interface Phases {
  "ipmmu-vmsa": Record<"no-mmu" | "contexts-exhausted" | "mmu-mismatch", Phase>;
  "arm-smmu": Record<"cb-exhausted" | "smmu-mismatch", Phase>;
}

export const phases: Phases = {
  "ipmmu-vmsa": { "no-mmu": "both", "contexts-exhausted": "both", "mmu-mismatch": "test" },
  "arm-smmu": { "cb-exhausted": "attach", "smmu-mismatch": "test" },
};
