/**
 * The fleet generator's random numbers: pure-rand's xoroshiro128+ (the generator fast-check
 * uses), seeded per experiment seed, so a seed gives the same fleet on every machine.
 *
 * pure-rand 8 publishes only sub-path exports; tslab (TypeScript 5.0, node10 resolution)
 * cannot resolve their types, so the imports are unchecked there (@ts-ignore) and retyped with
 * the few types used here. Plain imports, not require(): Deno's Jupyter kernel loads lib/ as ES
 * modules, where require does not exist (it takes pure-rand's ESM build, the same code).
 */
// @ts-ignore: tslab cannot resolve the sub-path's types (see above)
import { xoroshiro128plus as xoroshiro128plusUntyped } from "pure-rand/generator/xoroshiro128plus";
// @ts-ignore: tslab cannot resolve the sub-path's types (see above)
import { uniformInt as uniformIntUntyped } from "pure-rand/distribution/uniformInt";

interface PureRng {
  next(): number;
}

const xoroshiro128plus = xoroshiro128plusUntyped as (seed: number) => PureRng;
const uniformInt = uniformIntUntyped as (rng: PureRng, from: number, to: number) => number;

const UNIT = 2 ** 30;

export class Rng {
  private readonly g: PureRng;

  constructor(seed: number) {
    this.g = xoroshiro128plus(seed);
  }

  /** An integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.g, from, to);
  }

  /** A number in [0, 1) with 30 random bits. */
  unit(): number {
    return uniformInt(this.g, 0, UNIT - 1) / UNIT;
  }

  /** An index drawn with probability proportional to its weight (`cum` holds the running sums). */
  pick(cum: readonly number[]): number {
    if (cum.length === 1) return 0;
    const r = this.unit() * cum[cum.length - 1]!;
    let i = 0;
    while (i < cum.length - 1 && r >= cum[i]!) i++;
    return i;
  }

  /** Fisher-Yates, in place. */
  shuffle<T>(a: { length: number; [i: number]: T }): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
}

/** Running sums of weights, for `Rng.pick`. */
export function cumulative(weights: readonly number[]): number[] {
  let s = 0;
  return weights.map((w) => (s += w));
}
