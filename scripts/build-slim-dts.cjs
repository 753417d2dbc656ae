// Part of scripts/build.cjs: declarations that import zod are rewritten without it. A notebook
// cell importing a module whose .d.ts imports zod makes tslab parse zod's ~100 declaration files,
// most of the import cell's time. The types notebooks use stay exact: `export type X =
// z.infer<typeof S>` is written out in full, and a schema constant becomes a local ZodType<T>
// (parse, safeParse, _output), which a real zod schema satisfies. A file with any other use of
// zod is left as it is. Uses the TypeScript 5.0 that tslab bundles, the compiler whose reading
// of these files matters.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const LOCAL_ZOD_TYPE = `/** What the compiled library's declarations keep of a zod schema (scripts/build-slim-dts.cjs). */
interface ZodType<T> {
    readonly _output: T;
    parse(data: unknown): T;
    safeParse(data: unknown): { success: true; data: T } | { success: false; error: Error };
}
`;

function declarationFiles(dir) {
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".d.ts"))
    .map((f) => path.join(dir, f));
}

/** Rewrites the zod-importing .d.ts files under `dir` in place; returns the files rewritten. */
function slimZodDeclarations(dir) {
  const ts = require("@tslab/typescript-for-tslab");
  const files = declarationFiles(dir).filter((f) => /from "zod"/.test(fs.readFileSync(f, "utf8")));
  if (!files.length) return [];
  // strict: types are printed with their null and undefined (tslab itself reads them non-strict).
  const options = { strict: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2022, esModuleInterop: true, skipLibCheck: true, noEmit: true, types: [] };
  const program = ts.createProgram(files, options);
  const checker = program.getTypeChecker();
  const printer = ts.createPrinter({ removeComments: false });
  const typeText = (type, at, sf) =>
    printer
      .printNode(ts.EmitHint.Unspecified, checker.typeToTypeNode(type, at, ts.NodeBuilderFlags.InTypeAlias | ts.NodeBuilderFlags.NoTruncation | ts.NodeBuilderFlags.MultilineObjectLiterals), sf)
      // The one zod alias the printer keeps: an enum's output, T[keyof T] & {}, is its values.
      .replace(/z\.core\.\$InferEnumOutput<\{([^{}]*)\}>/g, (_, body) => `(${[...body.matchAll(/:\s*("[^"]*")\s*;/g)].map((m) => m[1]).join(" | ")})`);
  const rewritten = new Map();
  for (const file of files) {
    const sf = program.getSourceFile(file);
    const text = sf.getFullText();
    const out = [];
    let ok = true;
    // A schema whose output is the type of an alias the file exports (`ScenarioStep =
    // z.infer<typeof StepSchema>`) is declared with the alias: each big type written once, as
    // every copy is more for tslab to parse (importing `Scenario` alone: ~80 -> ~50 ms of CPU).
    const aliasOf = new Map();
    const aliasText = new Map();
    for (const st of sf.statements) {
      if (ts.isTypeAliasDeclaration(st) && !st.typeParameters && /\bz\./.test(st.type.getText(sf))) {
        const type = checker.getTypeAtLocation(st.name);
        aliasOf.set(type, st.name.text);
        aliasText.set(st.name.text, typeText(type, st, sf));
      }
    }
    // Inside another alias (`Scenario`'s `steps: (...)[]`), a parenthesised copy of an alias's
    // type, as the printer indents it one or two levels down, becomes the alias's name.
    const withAliases = (typeSource, self) => {
      for (const [name, t] of aliasText) {
        if (name === self || !t.includes("\n")) continue;
        for (const indent of ["    ", "        "]) typeSource = typeSource.split(`(${t.replace(/\n/g, `\n${indent}`)})`).join(name);
      }
      return typeSource;
    };
    for (const st of sf.statements) {
      const full = text.slice(st.getFullStart(), st.getEnd());
      const lead = text.slice(st.getFullStart(), st.getStart(sf));
      if (ts.isImportDeclaration(st) && st.moduleSpecifier.text === "zod") {
        // `import type { ZodType }` is the local interface now; `import { z }` goes.
        const names = st.importClause?.namedBindings?.elements?.map((e) => e.name.text) ?? [];
        if (!names.every((n) => n === "z" || n === "ZodType")) ok = false;
        out.push(lead.replace(/^\n+/, ""));
      } else if (ts.isTypeAliasDeclaration(st) && /\bz\./.test(full)) {
        if (st.typeParameters) ok = false;
        const type = checker.getTypeAtLocation(st.name);
        out.push(`${lead}export type ${st.name.text} = ${withAliases(typeText(type, st, sf), st.name.text)};`);
        if (/\bz\./.test(out[out.length - 1])) ok = false;
      } else if (ts.isVariableStatement(st) && /\bz\./.test(full)) {
        const decls = st.declarationList.declarations;
        if (decls.length !== 1 || !ts.isIdentifier(decls[0].name)) {
          ok = false;
          continue;
        }
        const d = decls[0];
        const output = checker.getTypeOfPropertyOfType(checker.getTypeAtLocation(d.name), "_output");
        if (!output) ok = false;
        else out.push(`${lead}export declare const ${d.name.text}: ZodType<${aliasOf.get(output) ?? typeText(output, d, sf)}>;`);
        if (/\bz\./.test(out[out.length - 1])) ok = false;
      } else {
        if (/\bz\.|\bZod(?!Type\b)\w*/.test(full.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""))) ok = false;
        out.push(full);
      }
    }
    if (ok) rewritten.set(file, `${LOCAL_ZOD_TYPE}${out.join("").replace(/^\n+/, "")}\n`);
  }
  for (const [file, body] of rewritten) fs.writeFileSync(file, body);
  // The rewritten files must still compile, against each other and the untouched ones.
  const check = ts.createProgram([...rewritten.keys()], { ...options, skipLibCheck: false });
  const errors = [...rewritten.keys()].flatMap((f) => check.getSemanticDiagnostics(check.getSourceFile(f)).concat(check.getSyntacticDiagnostics(check.getSourceFile(f))));
  if (errors.length) {
    const msg = errors.slice(0, 5).map((e) => `${e.file ? path.relative(dir, e.file.fileName) : "?"}: ${ts.flattenDiagnosticMessageText(e.messageText, " ")}`);
    throw new Error(`rewritten declarations do not compile:\n${msg.join("\n")}`);
  }
  return [...rewritten.keys()];
}

module.exports = { slimZodDeclarations };
