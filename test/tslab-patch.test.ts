/**
 * The tslab fix in patches/ (applied by patch-package): a later cell's `{ name }` naming a
 * variable of an earlier cell must read that variable. Unpatched, tslab 1.0.22 rewrites plain uses
 * to `exports.name` but leaves shorthand properties alone, so `new Kernel({ era, drivers })` in a
 * notebook failed with "drivers is not defined" once `drivers` came from the import cell.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";

interface Converted {
  output?: string;
  declOutput?: string;
  diagnostics: Array<{ messageText: string }>;
}
const { createConverter } = require("tslab/dist/converter") as { createConverter(): { convert(prev: string, src: string): Converted; close(): void } };

test("a shorthand property naming an earlier cell's variable reads it; a local of the same name is left alone", () => {
  const conv = createConverter();
  try {
    const first = conv.convert("", "const drivers = { n: 1 };\nconst era = 2;");
    assert.equal(first.diagnostics, []);
    const second = conv.convert(first.declOutput ?? "", "function mine(drivers: number) { return { drivers }; }\nconst o = { era, drivers, mine };");
    assert.equal(second.diagnostics, []);
    const out = second.output ?? "";
    assert.match(out, /drivers: exports\.drivers/); // the earlier cell's variable
    assert.match(out, /era: exports\.era/);
    assert.match(out, /return \{ drivers \}/); // the parameter, not the earlier cell's variable
    // Run it the way tslab does (exports carries the earlier cells' values).
    const exports: Record<string, unknown> = { drivers: { n: 1 }, era: 2 };
    new Function("exports", out)(exports);
    assert.equal((exports["o"] as { drivers: unknown; era: unknown }).drivers, { n: 1 });
    assert.is((exports["o"] as { era: unknown }).era, 2);
  } finally {
    conv.close();
  }
});

test.run();
