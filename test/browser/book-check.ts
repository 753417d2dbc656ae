// `npm run test:book`: opens every page of the static book (build/book/, `npm run book`) in
// headless Chromium and checks that it works offline. Not a uvu suite (`npm test` does not run
// it): it needs a browser, which scripts/setup-browser.sh installs.
//
// Per page: HTTP 200; no console error and no uncaught exception; no failed request (every
// request that does not go to the local server is aborted, so a page that tries to load
// anything from outside fails here); one drawn chart per chart output of the notebook (an SVG
// with a visible box whose data marks have non-empty geometry, or a decoded PNG); navigation
// links that lead to pages of the book. The contents page must link to every chapter.
// Chapter pages also: no output block (nor any cell) wider than the page at 1280 px (wide
// tables scroll inside their block); a "Questions" section with its answers in a <details>, a
// "Sources" section, a table of contents and a working download link to the notebook.
// A full-page screenshot of each page goes to build/screenshots/ (artifacts, not committed).
// Ends with the line "N passed, N failed".
//
// The browser is the system Chromium (/usr/bin/chromium, or $CHROMIUM), driven with
// playwright-core, which never downloads a browser of its own. It starts with a new, empty
// user-data-dir and without any network service it would otherwise start.
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { BOOK_DIR, REFERENCE_PAGES, ROOT, bookIsStale, buildBook, listNotebooks } from "../../scripts/build-book.ts";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = path.join(ROOT, "build", "screenshots");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/** A static file server for build/book on 127.0.0.1 (a free port). */
function serve(dir: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const rel = decodeURIComponent(url.pathname === "/" ? "/index.html" : url.pathname);
    const file = path.join(dir, path.normalize(rel));
    if (req.method !== "GET" || !file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** How many chart outputs a notebook has: display outputs with an SVG, a PNG or a Vega-Lite spec. */
function chartOutputs(notebook: string): number {
  const nb = JSON.parse(fs.readFileSync(path.join(ROOT, notebook), "utf8")) as {
    cells: { outputs?: { output_type: string; data?: Record<string, unknown> }[] }[];
  };
  let n = 0;
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      if (out.output_type !== "display_data" && out.output_type !== "execute_result") continue;
      const types = Object.keys(out.data ?? {});
      if (types.some((t) => t === "image/svg+xml" || t === "image/png" || t.startsWith("application/vnd.vegalite"))) n++;
    }
  }
  return n;
}

interface ChartState {
  kind: string;
  width: number;
  height: number;
  /** Data marks (Vega's role-mark groups) whose geometry is non-empty: bars, lines, points... */
  marks: number;
  /** All <path>/<rect>/<line> elements of the SVG. */
  shapes: number;
  /** A PNG decoded by the browser. */
  decoded: boolean;
}

/** The little of the DOM that the page-side callbacks use. */
interface PageGlobals {
  document: { fonts: { ready: Promise<unknown> } };
}
interface SvgShape {
  tagName: string;
  getAttribute(name: string): string | null;
  getBBox(): { width: number; height: number };
}

interface PageResult {
  page: string;
  problems: string[];
  charts: number;
  ms: number;
}

type Tab = Awaited<ReturnType<BrowserContext["newPage"]>>;

/** What every chapter page must have, and the no-overflow rule; the problems found. */
async function chapterProblems(tab: Tab): Promise<string[]> {
  const problems: string[] = [];
  // A block is too wide when its box, or content that spills out of it (overflow visible),
  // reaches past the page's right edge; content scrolled inside its block is fine.
  const wide = await tab.$$eval(".cell, .cell .outputs > *, .cell .outputs pre, .cell .input, .cell table", (els) => {
    const doc = els[0]?.ownerDocument;
    const page = (doc?.documentElement.clientWidth ?? 0) + 1;
    const found = els.flatMap((el, i) => {
      const box = el.getBoundingClientRect();
      const spills = doc?.defaultView?.getComputedStyle(el).overflowX === "visible" ? el.scrollWidth - el.clientWidth : 0;
      const right = Math.round(box.right + Math.max(0, spills));
      return right > page ? [`${el.tagName.toLowerCase()}.${String(el.className).replace(/ /g, ".")} #${i} reaches ${right} px`] : [];
    });
    const docWidth = doc?.documentElement.scrollWidth ?? 0;
    return docWidth > page ? [`the page scrolls sideways (${docWidth} px)`, ...found] : found;
  });
  for (const w of wide.slice(0, 5)) problems.push(`wider than the page: ${w}`);
  if (wide.length > 5) problems.push(`... and ${wide.length - 5} more blocks wider than the page`);
  const sections = await tab.$$eval("h2[id]", (hs) => hs.map((h) => h.id));
  for (const want of ["Questions", "Sources"]) if (!sections.includes(want)) problems.push(`no "${want}" section`);
  const answers = await tab.$$eval("h2#Questions", (hs) => {
    const section = hs[0]?.closest("section");
    return section ? section.querySelectorAll("details").length : 0;
  });
  if (answers < 1) problems.push("the Questions section has no <details> with the answers");
  const toc = await tab.$$eval("nav.page-toc a[href^='#']", (as) => as.length);
  if (toc < 3) problems.push(`table of contents with ${toc} entries`);
  const download = await tab.$$eval("nav.page-toc a[download]", (as) => as.map((a) => a.getAttribute("href") ?? ""));
  if (download.length !== 1 || !download[0].endsWith(".ipynb")) problems.push(`download link: ${JSON.stringify(download)}`);
  else if (!fs.existsSync(path.join(BOOK_DIR, decodeURIComponent(download[0])))) problems.push(`download ${download[0]} is not in the book`);
  return problems;
}

async function checkPage(
  context: BrowserContext,
  origin: string,
  page: string,
  expect: { charts: number; links?: string[]; chapter?: boolean },
  pages: Set<string>,
): Promise<PageResult> {
  const started = Date.now();
  const problems: string[] = [];
  const tab = await context.newPage();
  tab.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  tab.on("pageerror", (e) => problems.push(`uncaught exception: ${e.message}`));
  tab.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? "?"})`));
  tab.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  let charts = 0;
  try {
    const response = await tab.goto(`${origin}/${page}`, { waitUntil: "load" });
    if (!response) problems.push("no response");
    else if (response.status() !== 200) problems.push(`HTTP ${response.status()} for the page itself`);
    // (The callbacks below run in the page. The project compiles without the DOM library, so
    // they name only what they use.)
    await tab.evaluate(() => (globalThis as unknown as PageGlobals).document.fonts.ready.then(() => undefined));

    const state: ChartState[] = await tab.$$eval("figure.chart", (figures) =>
      figures.map((fig) => {
        const svg = fig.querySelector("svg");
        const img = fig.querySelector("img");
        const box = (svg ?? img ?? fig).getBoundingClientRect();
        let marks = 0;
        let shapes = 0;
        if (svg) {
          shapes = svg.querySelectorAll("path, rect, line").length;
          for (const el of Array.from(svg.querySelectorAll("g.role-mark > *"))) {
            const g = el as unknown as SvgShape;
            const d = g.getAttribute("d");
            if (g.tagName === "path" && !d) continue;
            const b = g.getBBox();
            if (b.width > 0 || b.height > 0) marks++;
          }
        }
        return {
          kind: svg ? "svg" : img ? "png" : "none",
          width: box.width,
          height: box.height,
          marks,
          shapes,
          decoded: img !== null && img.complete && img.naturalWidth > 0,
        };
      }),
    );
    charts = state.length;
    if (state.length !== expect.charts) {
      problems.push(`${state.length} chart(s) on the page, the notebook has ${expect.charts} chart output(s)`);
    }
    state.forEach((c, i) => {
      const name = `chart ${i + 1}`;
      if (c.kind === "none") problems.push(`${name}: neither SVG nor image`);
      if (c.width < 50 || c.height < 50) problems.push(`${name}: drawn ${c.width}x${c.height} px`);
      if (c.kind === "svg" && (c.marks < 1 || c.shapes < 5)) {
        problems.push(`${name}: not drawn (${c.marks} data marks with geometry, ${c.shapes} shapes)`);
      }
      if (c.kind === "png" && !c.decoded) problems.push(`${name}: PNG not decoded`);
    });

    const hrefs = await tab.$$eval("a[href]", (as) => as.map((a) => a.getAttribute("href") ?? ""));
    const local = hrefs.filter((h) => !/^[a-z][a-z0-9+.-]*:/i.test(h) && !h.startsWith("#") && !h.startsWith("//"));
    for (const h of [...new Set(local)]) {
      const target = decodeURIComponent(h.split("#")[0]);
      if (!target || pages.has(target)) continue;
      // A link to a file of the checkout outside the book (the build makes these relative to
      // build/book/): it must exist in the repository.
      const file = path.resolve(BOOK_DIR, target);
      const inRepo = file.startsWith(ROOT + path.sep) && !file.startsWith(BOOK_DIR + path.sep);
      if (!inRepo || !fs.existsSync(file)) problems.push(`link to a page or file that does not exist: ${h}`);
    }
    if (expect.chapter) problems.push(...(await chapterProblems(tab)));
    const navLinks = await tab.$$eval(".book-nav a", (as) => as.length);
    if (navLinks < 1) problems.push("no navigation links");
    for (const want of expect.links ?? []) {
      if (!local.includes(want)) problems.push(`no link to ${want}`);
    }

    await tab.screenshot({ path: path.join(SHOTS, page.replace(/\.html$/, ".png")), fullPage: true });
  } catch (e) {
    problems.push(`exception: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await tab.close();
  }
  return { page, problems, charts, ms: Date.now() - started };
}

async function main(): Promise<number> {
  const start = Date.now();
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`test:book: ${CHROMIUM} is missing: run \`bash scripts/setup-browser.sh\` (as root on Debian)`);
    return 2;
  }
  if (bookIsStale()) {
    console.log("test:book: build/book is missing or older than the notebooks: building it (npm run book)");
    buildBook();
  }
  const chapters = listNotebooks().map((nb) => ({ notebook: nb, page: `${path.basename(nb, ".ipynb")}.html` }));
  const refPages = REFERENCE_PAGES.map((n) => `${n}.html`).filter((p) => fs.existsSync(path.join(BOOK_DIR, p)));
  const pages = new Set(["index.html", ...refPages, ...chapters.flatMap((c) => [c.page, c.page.replace(/\.html$/, ".ipynb")])]);
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });

  const server = await serve(BOOK_DIR);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "book-chromium-"));
  const blocked: string[] = [];
  let context: BrowserContext | undefined;
  const results: PageResult[] = [];
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      offline: false,
    });
    // Offline proof: only the local server answers; anything else is aborted (and then shows
    // up as a failed request of the page that asked for it).
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`)) return route.continue();
      blocked.push(url);
      return route.abort("blockedbyclient");
    });
    results.push(await checkPage(context, origin, "index.html", { charts: 0, links: chapters.map((c) => c.page) }, pages));
    for (const p of refPages) results.push(await checkPage(context, origin, p, { charts: 0 }, pages));
    for (const c of chapters) {
      results.push(await checkPage(context, origin, c.page, { charts: chartOutputs(c.notebook), chapter: true }, pages));
    }
  } finally {
    await context?.close();
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }

  let passed = 0;
  let failed = 0;
  for (const r of results) {
    if (r.problems.length === 0) {
      passed++;
      console.log(`ok    ${r.page} (${r.charts} chart(s), ${r.ms} ms)`);
    } else {
      failed++;
      console.log(`FAIL  ${r.page}`);
      for (const p of r.problems) console.log(`      ${p}`);
    }
  }
  if (blocked.length > 0) console.log(`test:book: blocked ${blocked.length} non-local request(s): ${blocked.join(", ")}`);
  console.log(`test:book: screenshots in ${path.relative(ROOT, SHOTS)}/, ${((Date.now() - start) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    console.log("0 passed, 1 failed");
    process.exit(1);
  },
);
