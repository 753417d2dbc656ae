// The PNG option of chartBundle/showChart and showChart under Deno's Jupyter kernel (simulated:
// the real kernel runs in `npm run notebooks:deno`).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { barChart, chartBundle, renderPng, renderSvg, showChart } from "../lib/chart/index.ts";

const spec = barChart({
  title: "Outcome by era",
  data: [
    { era: "pre-2022", n: 3 },
    { era: "einval-6.2", n: 1 },
  ],
  x: "era",
  y: "n",
});

/** Width and height from a PNG's IHDR chunk. */
function pngSize(base64: string): { width: number; height: number; signature: string } {
  const bytes = Buffer.from(base64, "base64");
  return {
    signature: bytes.subarray(1, 4).toString("latin1"),
    width: bytes.readUInt32BE(16),
    height: bytes.readUInt32BE(20),
  };
}

test("chartBundle has no PNG unless asked for", async () => {
  const bundle = await chartBundle(spec, "s");
  assert.is(bundle["image/png"], undefined);
  assert.not.ok("image/png" in bundle);
});

test("png: true adds a PNG of the chart's own size; png: { scale } scales it", async () => {
  const one = await chartBundle(spec, "s", { png: true });
  const two = await chartBundle(spec, "s", { png: { scale: 2 } });
  const a = pngSize(one["image/png"]!);
  const b = pngSize(two["image/png"]!);
  assert.is(a.signature, "PNG");
  const svg = await renderSvg({ ...spec });
  const svgWidth = Number(/width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
  assert.is(a.width, Math.ceil(svgWidth));
  assert.is(b.width, a.width * 2);
  assert.is(b.height, a.height * 2);
});

test("renderPng is reproducible and rejects silly scales", async () => {
  const svg = await renderSvg(spec);
  assert.is((await renderPng(svg)).base64, (await renderPng(svg)).base64);
  for (const scale of [0, -1, 100, Number.NaN]) {
    try {
      await renderPng(svg, scale);
      assert.unreachable(`scale ${scale} accepted`);
    } catch (e) {
      assert.instance(e, RangeError);
    }
  }
});

interface Sent {
  how: string;
  data: unknown;
  extra: unknown;
}

/** Runs `body` with a stand-in for Deno's `Deno.jupyter` on globalThis. */
async function withFakeDeno(body: (sent: Sent[]) => Promise<void>): Promise<void> {
  const sent: Sent[] = [];
  const g = globalThis as { Deno?: unknown };
  g.Deno = {
    jupyter: {
      display: async (bundle: unknown, options: unknown) => void sent.push({ how: "display", data: bundle, extra: options }),
      broadcast: (type: string, content: { data: unknown; metadata: unknown }) =>
        void sent.push({ how: `broadcast ${type}`, data: content.data, extra: content.metadata }),
    },
  };
  try {
    await body(sent);
  } finally {
    delete g.Deno;
  }
}

test("under Deno's kernel, showChart sends one raw bundle and returns nothing", async () => {
  await withFakeDeno(async (sent) => {
    const result = await showChart(spec, { summary: "two bars" });
    assert.is(result, undefined);
    assert.is(sent.length, 1);
    assert.is(sent[0]!.how, "display");
    assert.equal(sent[0]!.extra, { raw: true });
    const data = sent[0]!.data as Record<string, unknown>;
    assert.equal(Object.keys(data).sort(), ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
    assert.is(typeof data["application/vnd.vegalite.v5+json"], "object");
    assert.is(data["text/plain"], "two bars");
  });
});

test("under Deno's kernel, a scaled PNG goes out with its display size", async () => {
  await withFakeDeno(async (sent) => {
    await showChart(spec, { summary: "s", png: { scale: 2 } });
    assert.is(sent.length, 1);
    assert.is(sent[0]!.how, "broadcast display_data");
    const data = sent[0]!.data as Record<string, string>;
    const size = pngSize(data["image/png"]!);
    assert.equal(sent[0]!.extra, { "image/png": { width: size.width / 2, height: size.height / 2 } });
  });
});

test("outside `deno jupyter` (Deno.jupyter throws) showChart returns the bundle", async () => {
  const g = globalThis as { Deno?: unknown };
  g.Deno = {
    get jupyter(): never {
      throw new Error("Deno.jupyter is only available in `deno jupyter` subcommand");
    },
  };
  try {
    const bundle = await showChart(spec, { summary: "s" });
    assert.is(bundle?.["text/plain"], "s");
  } finally {
    delete g.Deno;
  }
});

test.run();
