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

/**
 * The trace as a subscriber of the kernel's event stream (KernelObserver in ./model): one event
 * per kernel function entered, nested by depth, with the log lines printed inside it. Reads and
 * changes are not traced. Takes `unknown` where the stream passes model objects, so this module
 * needs none of ./model's types (which import it).
 */
export class TraceRecorder {
  /** Truncating it (events.length = 0) restarts the numbering, as consumers of k.trace do. */
  readonly events: TraceEvent[] = [];
  private readonly open: TraceEvent[] = [];

  enter(fn: string, args: TraceEvent["args"]): void {
    const ev: TraceEvent = { seq: this.events.length, depth: this.open.length, fn, args, log: [] };
    this.events.push(ev);
    this.open.push(ev);
  }

  exit(_fn: string, ret: Ret | undefined, returned: boolean): void {
    const ev = this.open.pop()!;
    // Set only when the body returned (a throw leaves it absent), even when it returned undefined.
    if (returned) ev.ret = ret;
  }

  log(line: LogLine): void {
    if (this.open.length) this.open[this.open.length - 1]!.log.push(line);
  }

  read(_what: string, _of: unknown): void {}
  change(_what: string, _of: unknown, _to: unknown): void {}
}
