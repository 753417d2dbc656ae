// `npm run book`: the static HTML book of the notebooks, in build/book/ (git-ignored).
//
//   build/book/index.html   contents: one line per chapter (its first heading), linked
//   build/book/NN-x.html    one page per notebooks/*.ipynb, from its COMMITTED outputs, with a
//                           table of contents of its sections and a link to download it
//   build/book/NN-x.ipynb   the notebook itself (the download)
//   build/book/sources.html, glossary.html
//                           notebooks/sources.md and notebooks/glossary.md, when they exist
//                           (links to the .md files from the chapters then go to these pages)
//   build/book/book.css     the only stylesheet (scripts/book/book.css)
//
// Nothing is executed: `npm run notebooks` re-runs the notebooks, this only converts them, with
// Debian's nbconvert (/usr/bin/jupyter nbconvert, Jupyter env from scripts/jupyter-env.sh) and
// the template in scripts/book/templates/book/, which keeps the chart SVGs verbatim.
// The pages load nothing from outside: the build fails if one references an external URL
// (links in the prose are fine). test/browser/book-check.ts checks the pages in Chromium.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..");
export const BOOK_DIR = path.join(ROOT, "build", "book");
const NOTEBOOK_DIR = path.join(ROOT, "notebooks");
const BOOK_SRC = path.join(ROOT, "scripts", "book");

export interface Chapter {
  /** "00-start-here" */
  name: string;
  /** "notebooks/00-start-here.ipynb" */
  source: string;
  /** "00-start-here.html" */
  page: string;
  /** The first heading as HTML (inline markup kept) and as plain text. */
  headingHtml: string;
  headingText: string;
}

/** The chapters of the book: every notebooks/*.ipynb, in file-name order. */
export function listNotebooks(): string[] {
  if (!fs.existsSync(NOTEBOOK_DIR)) return [];
  return fs
    .readdirSync(NOTEBOOK_DIR)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join("notebooks", f));
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function htmlToText(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .trim();
}

/** The first heading of a converted page, without nbconvert's "¶" anchor link. */
function firstHeading(html: string): string | undefined {
  const m = /<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1>/.exec(html);
  if (!m) return undefined;
  return m[2].replace(/<a class="anchor-link"[^>]*>[\s\S]*?<\/a>/g, "").trim();
}

/**
 * Every place where a page would LOAD something from outside (not a link the reader may
 * follow): src/href/srcset/... of any element but <a>, and url(...) or @import in CSS.
 */
export function externalLoads(html: string): string[] {
  const found: string[] = [];
  const external = (v: string) => {
    const s = v.trim();
    if (s.startsWith("//")) return true;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s);
    return scheme !== null && scheme[1].toLowerCase() !== "data";
  };
  for (const tag of html.matchAll(/<([a-zA-Z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    if (tag[1].toLowerCase() === "a") continue;
    const attrRe = /(?:^|\s)(src|href|xlink:href|srcset|poster|data|action|formaction|background|manifest)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
    for (const a of tag[2].matchAll(attrRe)) {
      const value = a[2] ?? a[3] ?? a[4] ?? "";
      const values = a[1].toLowerCase() === "srcset" ? value.split(",").map((p) => p.trim().split(/\s+/)[0]) : [value];
      for (const v of values) if (external(v)) found.push(`<${tag[1]} ${a[1]}="${v}">`);
    }
  }
  for (const m of html.matchAll(/url\(\s*['"]?([^'")\s]+)/gi)) if (external(m[1])) found.push(`url(${m[1]})`);
  for (const m of html.matchAll(/@import\s+(?:url\()?\s*['"]?([^'")\s;]+)/gi)) if (external(m[1])) found.push(`@import ${m[1]}`);
  return found;
}

/**
 * Gives the ids inside each chart SVG a per-chart prefix, so that two charts on one page cannot
 * pick up each other's clip paths or gradients (an id is global to the HTML document).
 */
function prefixSvgIds(html: string): string {
  let n = 0;
  return html.replace(/<svg\b[\s\S]*?<\/svg>/g, (svg) => {
    n++;
    if (!/\sid="/.test(svg)) return svg;
    const p = `chart${n}-`;
    return svg
      .replace(/(\sid=")([^"]+)"/g, (_, a: string, id: string) => `${a}${p}${id}"`)
      .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${p}${id})`)
      .replace(/((?:xlink:)?href=")#([^"]+)"/g, (_, a: string, id: string) => `${a}#${p}${id}"`);
  });
}

/**
 * Relative links in the prose point from notebooks/ to other notebooks or repository files.
 * A link to a chapter goes to its page; a link to any other file of the checkout is made
 * relative to build/book/, so that it still resolves when the book is opened from the checkout.
 */
function rewriteLinks(html: string, pages: Set<string>): string {
  return html.replace(/(<a\b[^>]*?\shref=")([^"]*)"/g, (all, head: string, href: string) => {
    if (href === "" || href.startsWith("#") || href.startsWith("//") || /^[a-z][a-z0-9+.-]*:/i.test(href)) return all;
    const [target, ...frag] = href.split("#");
    const hash = frag.length > 0 ? `#${frag.join("#")}` : "";
    const abs = path.resolve(NOTEBOOK_DIR, decodeURIComponent(target));
    if (path.dirname(abs) === NOTEBOOK_DIR && (abs.endsWith(".ipynb") || abs.endsWith(".md"))) {
      const page = `${path.basename(abs, path.extname(abs))}.html`;
      if (pages.has(page)) return `${head}${page}${hash}"`;
    }
    if (!abs.startsWith(ROOT + path.sep)) return all;
    const rel = path.relative(BOOK_DIR, abs).split(path.sep).map(encodeURIComponent).join("/");
    return `${head}${rel}${hash}"`;
  });
}

/** The pages made from notebooks/*.md (reference pages the chapters link to), when present. */
export const REFERENCE_PAGES = ["sources", "glossary"] as const;

/** The id and text of each h2 of a converted page (nbconvert gives headings ids). */
export function sectionHeadings(html: string): Array<{ id: string; text: string }> {
  const out: Array<{ id: string; text: string }> = [];
  for (const m of html.matchAll(/<h2\b[^>]*\bid="([^"]+)"[^>]*>([\s\S]*?)<\/h2>/g)) {
    out.push({ id: m[1], text: htmlToText(m[2].replace(/<a class="anchor-link"[^>]*>[\s\S]*?<\/a>/g, "")) });
  }
  return out;
}

/**
 * The page's own table of contents (its h2 sections) and the download link of its notebook,
 * placed after the first markdown cell (the title and learning goals).
 */
function addPageToc(html: string, ipynb: string | null): string {
  const sections = sectionHeadings(html);
  const items = sections.map((h) => `<li><a href="#${h.id}">${escapeHtml(h.text)}</a></li>`).join("\n");
  const toc = `<nav class="page-toc" aria-label="On this page">
${ipynb ? `<p class="download"><a href="${ipynb}" download>Download this notebook (${ipynb})</a></p>\n` : ""}${items ? `<p class="toc-title">On this page</p>\n<ol>\n${items}\n</ol>\n` : ""}</nav>`;
  const end = html.indexOf("</section>");
  return end < 0 ? html : `${html.slice(0, end + "</section>".length)}\n${toc}${html.slice(end + "</section>".length)}`;
}

/** A one-cell notebook holding a markdown file, so nbconvert renders it with the book's template. */
function markdownNotebook(markdown: string): string {
  return JSON.stringify({
    cells: [{ cell_type: "markdown", id: "page", metadata: {}, source: markdown }],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });
}

function nav(chapters: Chapter[], i: number | undefined): string {
  const parts = ['<a class="contents" href="index.html">Contents</a>'];
  if (i !== undefined) {
    const prev = chapters[i - 1];
    const next = chapters[i + 1];
    parts.push(
      prev
        ? `<a class="prev" rel="prev" href="${prev.page}">&larr; ${escapeHtml(prev.headingText)}</a>`
        : '<span class="prev"></span>',
      next
        ? `<a class="next" rel="next" href="${next.page}">${escapeHtml(next.headingText)} &rarr;</a>`
        : '<span class="next"></span>',
    );
  }
  return `<nav class="book-nav">\n${parts.join("\n")}\n</nav>`;
}

function indexPage(chapters: Chapter[], refs: Chapter[]): string {
  const refItems = refs.map((c) => `<li><a href="${c.page}">${c.headingHtml}</a></li>`).join("\n");
  const items = chapters
    .map(
      (c) =>
        `<li><a href="${c.page}">${c.headingHtml}</a> <span class="source">${escapeHtml(c.source)}</span></li>`,
    )
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iommu-attach-lab: the notebooks</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="book.css">
</head>
<body>
${nav(chapters, undefined)}
<main class="contents-page">
<h1>iommu-attach-lab: the notebooks</h1>
<p>The chapters of the lab's TypeScript notebooks, as they were last run: each page shows the
outputs committed in <code>notebooks/</code>. To run them yourself: <code>npm run jupyter</code>,
or <code>npm run notebooks</code> to re-execute them all headless.</p>
<ol class="chapters">
${items}
</ol>
${refItems ? `<h2>Reference</h2>\n<ul class="reference">\n${refItems}\n</ul>\n` : ""}</main>
</body>
</html>
`;
}

function nbconvert(notebooks: string[], outDir: string): void {
  if (!fs.existsSync("/usr/bin/jupyter-nbconvert")) {
    // scripts/setup.sh installs Jupyter from Debian packages (as root), or says how to.
    console.log("book: /usr/bin/jupyter-nbconvert is missing: running scripts/setup.sh");
    const setup = spawnSync("bash", ["scripts/setup.sh"], { cwd: ROOT, stdio: "inherit" });
    if (setup.status !== 0 || !fs.existsSync("/usr/bin/jupyter-nbconvert")) {
      throw new Error("book: Jupyter's nbconvert is not available (see scripts/setup.sh above)");
    }
  }
  const script = '. scripts/jupyter-env.sh && exec /usr/bin/jupyter nbconvert "$@"';
  const args = ["--config", "scripts/book/nbconvert_book.py", "--to", "html", "--output-dir", outDir, ...notebooks];
  const r = spawnSync("bash", ["-c", script, "nbconvert", ...args], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`book: nbconvert failed (exit ${r.status})\n${r.stdout}${r.stderr}`);
  }
}

/** Builds build/book/ from scratch; returns the chapters. Throws on any failure. */
export function buildBook(): Chapter[] {
  const notebooks = listNotebooks();
  if (notebooks.length === 0) throw new Error("book: no notebooks/*.ipynb");
  fs.mkdirSync(path.dirname(BOOK_DIR), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(path.dirname(BOOK_DIR), ".book-"));
  try {
    const refSources: string[] = [];
    for (const name of REFERENCE_PAGES) {
      const md = path.join(NOTEBOOK_DIR, `${name}.md`);
      if (!fs.existsSync(md)) continue; // written separately; the book builds without it
      const nb = path.join(tmp, "src", `${name}.ipynb`);
      fs.mkdirSync(path.dirname(nb), { recursive: true });
      fs.writeFileSync(nb, markdownNotebook(fs.readFileSync(md, "utf8")));
      refSources.push(nb);
    }
    nbconvert([...notebooks, ...refSources], tmp);
    const refs: Chapter[] = refSources.map((nb) => {
      const name = path.basename(nb, ".ipynb");
      const html = fs.readFileSync(path.join(tmp, `${name}.html`), "utf8");
      const headingHtml = firstHeading(html) ?? escapeHtml(name);
      return { name, source: `notebooks/${name}.md`, page: `${name}.html`, headingHtml, headingText: htmlToText(headingHtml) };
    });
    const pages = notebooks.map((source) => {
      const name = path.basename(source, ".ipynb");
      const html = fs.readFileSync(path.join(tmp, `${name}.html`), "utf8");
      const headingHtml = firstHeading(html) ?? escapeHtml(name);
      const chapter: Chapter = { name, source, page: `${name}.html`, headingHtml, headingText: htmlToText(headingHtml) };
      return { chapter, html };
    });
    const chapters = pages.map((p) => p.chapter);
    const out = new Map<string, string>();
    const pageNames = new Set([...chapters, ...refs].map((c) => c.page));
    for (const ref of refs) {
      const html = fs.readFileSync(path.join(tmp, ref.page), "utf8");
      const page = rewriteLinks(html, pageNames)
        .replace("<!-- book:title -->", `${escapeHtml(ref.headingText)} · iommu-attach-lab`)
        .split("<!-- book:nav -->")
        .join(nav(chapters, undefined));
      out.set(ref.page, page);
    }
    pages.forEach(({ chapter, html }, i) => {
      const ipynb = `${chapter.name}.ipynb`;
      out.set(ipynb, fs.readFileSync(path.join(ROOT, chapter.source), "utf8"));
      const page = prefixSvgIds(addPageToc(rewriteLinks(html, pageNames), ipynb))
        .replace("<!-- book:title -->", `${escapeHtml(chapter.headingText)} · iommu-attach-lab`)
        .split("<!-- book:nav -->")
        .join(nav(chapters, i));
      out.set(chapter.page, page);
    });
    out.set("index.html", indexPage(chapters, refs));
    out.set("book.css", fs.readFileSync(path.join(BOOK_SRC, "book.css"), "utf8"));

    const problems: string[] = [];
    for (const [file, text] of out) if (file.endsWith(".html")) for (const e of externalLoads(text)) problems.push(`${file}: ${e}`);
    if (problems.length > 0) {
      throw new Error(`book: pages would load external resources:\n  ${problems.join("\n  ")}`);
    }

    fs.rmSync(BOOK_DIR, { recursive: true, force: true });
    fs.mkdirSync(BOOK_DIR, { recursive: true });
    for (const [file, text] of out) fs.writeFileSync(path.join(BOOK_DIR, file), text);
    return chapters;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** True when build/book/ is missing or older than a notebook, the template or this script. */
export function bookIsStale(): boolean {
  const index = path.join(BOOK_DIR, "index.html");
  if (!fs.existsSync(index)) return true;
  const built = fs.statSync(index).mtimeMs;
  const inputs = [
    ...listNotebooks().map((f) => path.join(ROOT, f)),
    ...REFERENCE_PAGES.map((n) => path.join(NOTEBOOK_DIR, `${n}.md`)).filter((f) => fs.existsSync(f)),
    __filename,
    ...fs.readdirSync(BOOK_SRC, { recursive: true }).map((f) => path.join(BOOK_SRC, String(f))),
  ];
  if (inputs.some((f) => fs.statSync(f).mtimeMs > built)) return true;
  const refPages = REFERENCE_PAGES.map((n) => `${n}.html`) as string[];
  const pages = new Set(fs.readdirSync(BOOK_DIR).filter((f) => f.endsWith(".html") && f !== "index.html" && !refPages.includes(f)));
  const wanted = listNotebooks().map((f) => `${path.basename(f, ".ipynb")}.html`);
  return wanted.length !== pages.size || wanted.some((p) => !pages.has(p));
}

if (require.main === module) {
  try {
    const chapters = buildBook();
    const seconds = process.uptime(); // the whole run, Node and tsx start included
    for (const c of chapters) console.log(`book: ${c.source} -> build/book/${c.page}`);
    console.log(`book: ${chapters.length} chapter(s) + index.html in build/book/ (${seconds.toFixed(1)} s)`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
