/** scripts/build-book.ts on parsed HTML: the "loads nothing from outside" check, the per-chart SVG ids, serializing. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse, serialize } from "parse5";
import { externalLoads, prefixSvgIds, toHtml } from "../scripts/build-book.ts";

const page = (body: string, head = "") => `<!DOCTYPE html><html><head>${head}</head><body>${body}</body></html>`;

test("external loads are found in elements, SVG, srcset and CSS", () => {
  assert.equal(externalLoads(page('<img src="https://example.org/a.png">')), ['<img src="https://example.org/a.png">']);
  assert.equal(externalLoads(page("", '<link rel="stylesheet" href="//cdn.example.org/x.css">')), ['<link href="//cdn.example.org/x.css">']);
  assert.equal(externalLoads(page("<img src=http://x.org/unquoted.png>")), ['<img src="http://x.org/unquoted.png">']);
  assert.equal(externalLoads(page('<img srcset="a.png 1x, https://x.org/b.png 2x">')), ['<img srcset="https://x.org/b.png">']);
  assert.equal(externalLoads(page('<svg><image xlink:href="https://x.org/i.png"/></svg>')), ['<image xlink:href="https://x.org/i.png">']);
  assert.equal(externalLoads(page('<svg><rect fill="url(https://x.org/p.svg#g)"/></svg>')), ["url(https://x.org/p.svg#g)"]);
  assert.equal(externalLoads(page('<div style="background: url(\'//x.org/bg.png\')"></div>')), ["url(//x.org/bg.png)"]);
  assert.equal(externalLoads(page("", '<style>@import "https://x.org/f.css";</style>')), ["@import https://x.org/f.css"]);
});

test("links, local and data: URLs and prose about URLs are not loads", () => {
  const html = page(
    '<a href="https://lore.kernel.org/r/x">mail</a><img src="data:image/png;base64,AA=="><img src="chart.png">' +
      '<link rel="stylesheet" href="book.css"><svg><a href="https://x.org">a</a><rect fill="url(#clip)"/></svg>' +
      "<pre>&lt;img src=\"https://x.org/a.png\"&gt; and url(https://x.org/in-prose)</pre>",
  );
  assert.equal(externalLoads(html), []);
});

test("each chart SVG gets its own id prefix, in id, url(#...), href and xlink:href", () => {
  const svg = '<svg><defs><clipPath id="c"><rect></rect></clipPath></defs><g clip-path="url(#c)"><use xlink:href="#c"></use><use href="#c"></use></g></svg>';
  const doc = parse(page(svg + "<svg><rect></rect></svg>" + svg));
  prefixSvgIds(doc);
  const out = serialize(doc);
  for (const n of [1, 3]) {
    for (const s of [`id="chart${n}-c"`, `clip-path="url(#chart${n}-c)"`, `xlink:href="#chart${n}-c"`, `<use href="#chart${n}-c"`]) {
      assert.ok(out.includes(s), `${s} in ${out}`);
    }
  }
  assert.not.ok(out.includes("chart2-"), "the SVG without ids is left alone");
  assert.ok(out.includes("<clipPath"), "SVG names keep their case");
});

test("serializing keeps a <pre>'s leading blank line (the parser drops the first newline)", () => {
  const html = page("<pre>\n\nline 2</pre><textarea>\n\nx</textarea>");
  const text = (h: string) => serialize(parse(h)).match(/<pre>([\s\S]*)<\/pre>/)?.[1];
  assert.is(text(toHtml(parse(html))), "\nline 2");
  assert.is(toHtml(parse(toHtml(parse(html)))), toHtml(parse(html)), "a round trip changes nothing");
});

test.run();
