/**
 * A trace of core, driver and consumer calls. Each event carries the kernel function name,
 * its arguments (as short strings), its return value and the log lines printed inside it,
 * so a notebook can show one attach as a call tree.
 */
import type { LogLine } from "./log.ts";
import type { Ret } from "./errno.ts";

export interface TraceEvent {
  seq: number;
  depth: number;
  /** Kernel function name, e.g. "__iommu_attach_group" or "arm_smmu_attach_dev". */
  fn: string;
  args: Record<string, string | number | boolean>;
  /** Return value (0 / negative errno); undefined while the call runs or for void calls. */
  ret?: Ret;
  /** Log lines printed by this call itself (not its children). */
  log: LogLine[];
}
