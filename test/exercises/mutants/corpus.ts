/**
 * Wrong answers a student could plausibly write, per exercise, each with the feedback it must get
 * (issue #18). Each mutant is the reference solution with a few edits (every `from` must occur
 * exactly once in the solution, so a mutant that no longer applies is reported, not skipped), or
 * a whole file (`text`) for the cheats. They differ from the reference in behaviour, not in
 * spelling. `expect`: a substring of the checker's report; `notExpect`: one it must not contain
 * (the feedback names the right cause).
 *
 * Classes (the issue's): loop (stops early), point (the exercise's own point violated), path (a
 * path the old tests never took), value (a value not compared), cheat (the library's own answer).
 */
export interface Mutant {
  name: string;
  class: "loop" | "point" | "path" | "value" | "cheat" | "wrong";
  edits?: Array<[from: string, to: string]>;
  text?: string;
  expect: string;
  notExpect?: string;
}

const DRIVER_CHEAT = (exports: string) => `import { drivers } from "../hardware/index";\n${exports}`;

export const MUTANTS: Record<string, Mutant[]> = {
  "01-soft-or-hard": [
    { name: "pre-2022 already treats EINVAL as soft", class: "wrong", edits: [['    case "pre-2022":\n      return null;', '      return null;\n    case "pre-2022":\n      return "EINVAL";']], expect: "era pre-2022" },
    { name: "EINVAL is soft in the proposal's era too", class: "wrong", edits: [['return "EMEDIUMTYPE";', 'return "EINVAL";']], expect: "era emediumtype-2022" },
    { name: "test-dev-2025 forgotten (no soft errno)", class: "path", edits: [['    case "test-dev-2025":\n', ""]], expect: "era test-dev-2025" },
    { name: "compares the number with -22 instead of the era's name", class: "value", edits: [["errnoName(ret) === soft", "ret === -22"]], expect: "emediumtype-2022" },
    { name: "0 is not special-cased", class: "wrong", edits: [['if (ret === 0) return "ok";', 'if (ret > 0) return "ok";']], expect: "0 (success)" },
    { name: "cheat: delegates to classifyRet", class: "cheat", text: 'import { classifyRet, type EraId, Kernel } from "../lib/index.ts";\nimport { drivers } from "../hardware/index.ts";\nexport type AttachClass = "ok" | "soft-failure" | "hard-failure";\nexport function classify(era: EraId, ret: number): AttachClass {\n  return classifyRet(new Kernel({ era, drivers, trace: false }), ret);\n}\n', expect: "write classifyRet() yourself" },
  ],
  "02-sprd-einval": [
    { name: "v6.2 keeps the error line", class: "value", edits: [['"einval-6.2": fail("EINVAL"),', '"einval-6.2": fail("EINVAL", prErr(alreadyText)),']], expect: "in einval-6.2" },
    { name: "the proposal keeps pr_err + EINVAL (as if v1 were its last word)", class: "wrong", edits: [['  "emediumtype-2022": fail("EMEDIUMTYPE"),\n', ""]], expect: "\"domain-has-device\" in emediumtype-2022\n" },
    { name: "v6 converted the errno but kept the print", class: "point", edits: [['"emediumtype-2022": fail("EMEDIUMTYPE"),', '"emediumtype-2022": fail("EMEDIUMTYPE", prErr(alreadyText)),']], expect: "printed an error line" },
    { name: "v1 already converted sprd (Kevin Tian's review forgotten)", class: "path", edits: [['  "emediumtype-2022:v1": fail("EINVAL", prErr(alreadyText)),\n', ""]], expect: "[emediumtype-2022:v1]" },
    { name: "the check never goes away", class: "path", edits: [['  "mainline-2025": null,\n', ""]], expect: "in mainline-2025" },
    { name: "any text for the error line", class: "value", edits: [['"pre-2022": fail("EINVAL", prErr(alreadyText))', '"pre-2022": fail("EINVAL", prErr("oops"))']], expect: "oops" },
    { name: "dev_err instead of pr_err (the line names the device)", class: "value", edits: [['import { type EraRows, fail, prErr } from "../lib/driver.ts";', 'import { devErr, type EraRows, fail, prErr } from "../lib/driver.ts";'], ['"pre-2022": fail("EINVAL", prErr(alreadyText))', '"pre-2022": fail("EINVAL", devErr(alreadyText))']], expect: "dut: There's already" },
    { name: "EBUSY before 2022", class: "wrong", edits: [['"pre-2022": fail("EINVAL", prErr', '"pre-2022": fail("EBUSY", prErr']], expect: "returned -EBUSY" },
    { name: "cheat: the registered rows", class: "cheat", text: DRIVER_CHEAT('export const alreadyText = "x";\nexport const domainHasDeviceRows = (drivers.get("sprd-iommu")!.attach.find((s) => s.kind === "check" && s.id === "domain-has-device") as { rows: unknown }).rows;\n'), expect: "do not import from it" },
  ],
  "03-tegra-gart-ebusy": [
    { name: "EINVAL already before v6.2", class: "wrong", edits: [['"pre-2022": fail("EBUSY"),', '"pre-2022": fail("EINVAL"),']], expect: "pre-2022" },
    { name: "EBUSY kept in v6.2", class: "wrong", edits: [['"einval-6.2": fail("EINVAL"),', '"einval-6.2": fail("EBUSY"),']], expect: "einval-6.2" },
    { name: "the proposal keeps EBUSY (as if v1 were its last word)", class: "wrong", edits: [['  "emediumtype-2022": fail("EMEDIUMTYPE"),\n', ""]], expect: "\"other-active-domain\" in emediumtype-2022\n" },
    { name: "v1 already converted the GART", class: "path", edits: [['  "emediumtype-2022:v1": fail("EBUSY"),\n', ""]], expect: "[emediumtype-2022:v1]" },
    { name: "the check already in 2014", class: "path", edits: [['"2014-nesting": null,', '"2014-nesting": fail("EBUSY"),']], expect: "2014-nesting" },
    { name: "the driver is never removed", class: "value", edits: [['erasFrom("2014-nesting", "mainline-2025")', 'erasFrom("2014-nesting", "test-dev-2025")']], expect: "gartEras" },
    { name: "an error line with the EBUSY", class: "value", edits: [['import { type EraRows, erasFrom, fail } from "../lib/driver.ts";', 'import { devErr, type EraRows, erasFrom, fail } from "../lib/driver.ts";'], ['"pre-2022": fail("EBUSY"),', '"pre-2022": fail("EBUSY", devErr("busy")),']], expect: "busy" },
    { name: "cheat: imports the driver file", class: "cheat", text: 'import { tegraGart } from "../hardware/tegra-gart";\nexport const gartEras = tegraGart.exists;\nexport const otherActiveDomainRows = {};\n', expect: "do not import from it" },
  ],
  "04-arm-smmu-robin": [
    { name: "any text for the no-fwspec error line", class: "value", edits: [['"cannot attach to SMMU, is it on the same bus?"', '"oops"']], expect: "oops" },
    { name: "the mismatch printed at debug level before 2022", class: "value", edits: [['import { devErr, type EraRows, fail } from "../lib/driver.ts";', 'import { devDbg, devErr, type EraRows, fail } from "../lib/driver.ts";'], ['"pre-2022": fail("EINVAL", devErr(mismatchText)),', '"pre-2022": fail("EINVAL", devDbg(mismatchText)),']], expect: "a debug line" },
    { name: "v6.2 keeps the dev_err", class: "value", edits: [['"einval-6.2": fail("EINVAL"),', '"einval-6.2": fail("EINVAL", devErr(mismatchText)),']], expect: "in einval-6.2" },
    { name: "v4's converted fwspec check taken for the proposal's last word: Robin Murphy's catch missed", class: "point", edits: [['"emediumtype-2022:v4": fail("EMEDIUMTYPE"),', '"emediumtype-2022": fail("EMEDIUMTYPE"),']], expect: "returned -ENXIO" },
    { name: "the fwspec check made soft in v6.2", class: "point", edits: [['  "mainline-2025": null,\n', '  "einval-6.2": fail("EINVAL"),\n  "mainline-2025": null,\n']], expect: "\"no-fwspec\" in einval-6.2" },
    { name: "v6 converts the errno but keeps the dev_err", class: "value", edits: [['"emediumtype-2022": fail("EMEDIUMTYPE"),', '"emediumtype-2022": fail("EMEDIUMTYPE", devErr(mismatchText)),']], expect: "\"smmu-mismatch\" in emediumtype-2022" },
    { name: "v4 as posted not kept (no v4 row for the fwspec check)", class: "path", edits: [['  "emediumtype-2022:v4": fail("EMEDIUMTYPE"), // the hunk Robin Murphy called the wrong check\n', ""]], expect: "[emediumtype-2022:v4]" },
    { name: "v4 already had Robin's fix (no v4 row for the mismatch)", class: "path", edits: [['  "emediumtype-2022:v4": fail("EINVAL", devErr(mismatchText)), // v1 and v4 left it\n', ""]], expect: "\"smmu-mismatch\" in emediumtype-2022 [emediumtype-2022:v4]" },
    { name: "mismatchRows() as it is: its v1 row converts the mismatch, arm-smmu's v1 did not", class: "wrong", edits: [['import { devErr, type EraRows, fail } from "../lib/driver.ts";', 'import { devErr, type EraRows, fail, mismatchRows } from "../lib/driver.ts";'], ['  "pre-2022": fail("EINVAL", devErr(mismatchText)),\n', '  ...mismatchRows("EINVAL", mismatchText),\n']], expect: "\"smmu-mismatch\" in emediumtype-2022 [emediumtype-2022:v1]" },
    { name: "the mismatch text with a typo", class: "value", edits: [['"cannot attach to SMMU %s whilst already attached to domain on SMMU %s"', '"cannot attach to SMMU %s while already attached to domain on SMMU %s"']], expect: "while already" },
    { name: "cheat: the driver file's rows", class: "cheat", text: DRIVER_CHEAT('import { armSmmu } from "../hardware/arm-smmu";\nvoid drivers;\nconst rows = (id: string) => (armSmmu.attach.find((s) => s.kind === "check" && s.id === id) as { rows: unknown }).rows;\nexport const sameBusText = "";\nexport const mismatchText = "";\nexport const noFwspecRows = rows("no-fwspec");\nexport const smmuMismatchRows = rows("smmu-mismatch");\n'), expect: "do not import from it" },
  ],
  "05-s390-aperture-errno": [
    { name: "dma-range not converted by the proposal (as if v1 were its last word)", class: "wrong", edits: [['  "emediumtype-2022": fail("EMEDIUMTYPE"),\n', ""]], expect: "\"dma-range\" in emediumtype-2022\n" },
    { name: "v1 already converted s390", class: "path", edits: [['  "emediumtype-2022:v1": fail("EINVAL"),\n', ""]], expect: "[emediumtype-2022:v1]" },
    { name: "aperture overlap without the WARN_ON (and the feedback names that row)", class: "value", edits: [['warnFail("EINVAL")', 'fail("EINVAL")']], expect: "\"aperture-overlap\": EINVAL under WARN_ON", notExpect: "✗ \"dma-range\"" },
    { name: "the identical-range check kept after the v6.2 rework", class: "point", edits: [['  "einval-6.2": null,\n', ""]], expect: "an overlapping range joins the existing domain" },
    { name: "dma-range dropped only in mainline-2025", class: "path", edits: [['  "einval-6.2": null,\n', '  "mainline-2025": null,\n']], expect: "\"dma-range\" in einval-6.2" },
    { name: "the overlap check only from mainline-2025", class: "path", edits: [['"einval-6.2": warnFail("EINVAL")', '"mainline-2025": warnFail("EINVAL")']], expect: "\"aperture-overlap\" in einval-6.2" },
    { name: "aperture overlap with ENODEV", class: "wrong", edits: [['warnFail("EINVAL")', 'warnFail("ENODEV")']], expect: "returned -ENODEV" },
    { name: "the proposal's errno printed (dev_err)", class: "value", edits: [['import { type EraRows, fail, warnFail } from "../lib/driver.ts";', 'import { devErr, type EraRows, fail, warnFail } from "../lib/driver.ts";'], ['"emediumtype-2022": fail("EMEDIUMTYPE"),', '"emediumtype-2022": fail("EMEDIUMTYPE", devErr("DMA range differs")),']], expect: "DMA range differs" },
  ],
  "06-mtk-v1-fake-success": [
    { name: "any device not on the domain is a fake success, whatever ret", class: "wrong", edits: [["return ret === 0 && dev.hwDomain !== domain;", "return dev.hwDomain !== domain;"]], expect: "isFakeSuccess says false" },
    { name: "inverted test", class: "wrong", edits: [["return ret === 0 && dev.hwDomain !== domain;", "return ret === 0 && dev.hwDomain === domain;"]], expect: "isFakeSuccess" },
    { name: "the fix returns EBUSY", class: "point", edits: [['"einval-6.2": fail("EINVAL"),', '"einval-6.2": fail("EBUSY"),']], expect: "returned -EBUSY" },
    { name: "the fix already before 2022", class: "path", edits: [['"einval-6.2": fail("EINVAL"),', '"pre-2022": fail("EINVAL"),']], expect: "pre-2022" },
    { name: "asks the group's domain instead of the hardware", class: "value", edits: [["dev.hwDomain !== domain", "dev.group?.domain !== domain"]], expect: "isFakeSuccess" },
  ],
  "07-iommufd-auto-domain": [
    { name: "break instead of continue after EINVAL", class: "loop", edits: [["        continue;", "        break;"]], expect: "the second of two candidates fits" },
    { name: "EMEDIUMTYPE soft as well", class: "point", edits: [['if (errnoName(ret) === "EINVAL") {', 'if (errnoName(ret) === "EINVAL" || errnoName(ret) === "EMEDIUMTYPE") {']], expect: "EMEDIUMTYPE is a hard failure" },
    { name: "soft failures not counted", class: "value", edits: [["        r.softFailures++;\n", ""]], expect: "softFailures" },
    { name: "manual hwpts tried too", class: "path", edits: [["      if (!hwpt.autoDomain) continue;\n", ""]], expect: "hwpts that user space allocated" },
    { name: "any other errno falls through to a new hwpt", class: "point", edits: [["      return ret;\n    }\n\n    const hwpt", "      break;\n    }\n\n    const hwpt"]], expect: "fails the request at once" },
    { name: "reused not set", class: "value", edits: [["        r.reused = true;\n", ""]], expect: "reused" },
    { name: "cheat: re-exports the library's search", class: "cheat", text: 'export { autoGetDomain } from "../lib/consumers/iommufd.ts";\n', expect: "write autoGetDomain() yourself" },
  ],
  "08-vfio-type1-merge": [
    { name: "stops after the first failed merge", class: "loop", edits: [["      return { ret: back, domain: null, reused: false };\n    }\n", "      return { ret: back, domain: null, reused: false };\n    }\n    break;\n"]], expect: "the second one is the match" },
    { name: "inspects the errno of the failed merge", class: "point", edits: [["    if (attach(k, t, d.domain, g) === 0) {", "    const mr = attach(k, t, d.domain, g);\n    if (mr !== 0 && mr !== -22) {\n      domainFree(k, nd);\n      return { ret: mr, domain: null, reused: false };\n    }\n    if (mr === 0) {"]], expect: "never reads the errno" },
    { name: "ignores a failed re-attach to the new domain", class: "path", edits: [["    const back = attach(k, t, nd, g);\n    if (back) {\n      domainFree(k, nd);\n      return { ret: back, domain: null, reused: false };\n    }", "    attach(k, t, nd, g);"]], expect: "the re-attach to the new domain after a failed merge fails too" },
    { name: "coherency not compared", class: "value", edits: [[" || d.coherent !== coherent", ""]], expect: "coherency" },
    { name: "the new domain not freed after a merge", class: "path", edits: [["      d.groups.push(g);\n      domainFree(k, nd);\n", "      d.groups.push(g);\n"]], expect: "liveDomains" },
    { name: "cheat: the library's loop, imported", class: "cheat", text: 'import { allocateThenMerge as lib, type1DomainAlloc } from "../lib/consumers/vfio-type1.ts";\nimport type { Group, Kernel, Type1Tally, VfioContainer } from "../lib/index.ts";\nexport function allocateThenMerge(k: Kernel, c: VfioContainer, g: Group, t: Type1Tally) {\n  return lib(k, c, g, t, (kk, _c, gg, tt) => type1DomainAlloc(kk, gg, tt));\n}\n', expect: "write allocateThenMerge() yourself" },
    { name: "merges without detaching from the new domain first", class: "wrong", edits: [["    iommuDetachGroup(k, nd, g);\n", ""]], expect: "generated" },
  ],
  "09-nesting-2014": [
    { name: "the 2014 trace name in every era", class: "value", edits: [['const fn = k.era.id === "2014-nesting" ? "iommu_domain_set_attr(DOMAIN_ATTR_NESTING)" : "iommu_enable_nesting";', 'const fn = "iommu_domain_set_attr(DOMAIN_ATTR_NESTING)";']], expect: "pre-2022" },
    { name: "a refused nesting ignored", class: "point", edits: [["    if (ret) {\n      domainFree(k, d); // goto out_domain\n      return ret;\n    }\n", ""]], expect: "ipmmu-vmsa (no nesting)" },
    { name: "nesting asked for v2 containers too", class: "wrong", edits: [['if (c.type === "nesting") {', 'if (c.type === "nesting" || c.type === "v2") {']], expect: "Type1v2 container does not ask" },
    { name: "the domain not freed when nesting is refused", class: "path", edits: [["      domainFree(k, d); // goto out_domain\n", ""]], expect: "liveDomains" },
    { name: "nesting asked without k.call (missing from the trace)", class: "value", edits: [["k.call(fn, { domain: d.id }, () => d.owner.enableNesting(k, d))", "(void fn, d.owner.enableNesting(k, d))"]], expect: "traced" },
    { name: "the domain freed but the errno swallowed (the request goes on without nesting)", class: "point", edits: [["      return ret;\n    }\n  }\n  return d;", "    }\n  }\n  return d;"]], expect: "ipmmu-vmsa" },
    { name: "cheat: the library's whole type1 as the loop", class: "cheat", text: 'import { type Type1Loop, VfioContainer, vfioType1AttachGroup, type Domain, type Group, type Kernel } from "../lib/index.ts";\nexport function newDomain(_k: Kernel, _c: VfioContainer, _g: Group): Domain | number {\n  return -12;\n}\nexport const allocateThenMerge: Type1Loop = (k, c, g) => {\n  const o = vfioType1AttachGroup(k, c, g);\n  return { ret: o.ret, domain: g.domain, reused: o.outcome === "attached-existing" };\n};\n', expect: "write vfioType1AttachGroup() yourself" },
  ],
  "10-test-dev-split": [
    { name: "mmu-mismatch in both", class: "value", edits: [['"mmu-mismatch": "test"', '"mmu-mismatch": "both"']], expect: "ipmmu-vmsa: the same attach reaching attach_dev without test_dev" },
    { name: "no-mmu only in test_dev", class: "value", edits: [['"no-mmu": "both"', '"no-mmu": "test"']], expect: "no IPMMU" },
    { name: "contexts-exhausted only in test_dev", class: "value", edits: [['"contexts-exhausted": "both"', '"contexts-exhausted": "test"']], expect: "no free translation context" },
    { name: "cb-exhausted in both", class: "value", edits: [['"cb-exhausted": "attach"', '"cb-exhausted": "both"']], expect: "no free context bank" },
    { name: "smmu-mismatch left in attach_dev", class: "point", edits: [['"smmu-mismatch": "test"', '"smmu-mismatch": "attach"']], expect: "arm-smmu: a domain of another SMMU" },
    { name: "contexts-exhausted only in attach_dev", class: "value", edits: [['"contexts-exhausted": "both"', '"contexts-exhausted": "attach"']], expect: "no free translation context" },
  ],
  "11-pasid-replace-rollback": [
    { name: "undoes only the first device", class: "loop", edits: [["for (const d of done) {", "for (const d of done.slice(0, 1)) {"]], expect: "fails on the last device" },
    { name: "an attach (old = NULL) leaves the done devices programmed", class: "path", edits: [["            removeDevPasid(k, d, pasid, domain); // an attach: nothing to go back to\n", ""]], expect: "old = NULL" },
    { name: "a successful rollback does not restore hwPasid", class: "path", edits: [["          else if (back.attach) d.hwPasid.set(pasid, old);\n", ""]], expect: "puts every earlier one back" },
    { name: "rollback with the arguments in the wrong order", class: "path", edits: [["driverSetDevPasid(k, old, d, pasid, domain)", "driverSetDevPasid(k, old, d, pasid, old)"]], expect: "set_dev_pasid calls" },
    { name: "the record moves even when the replace failed", class: "point", edits: [["  if (ret) return ret; // the PASID keeps its old configuration, and so does the record\n", "  g.pasidArray.set(pasid, { domain, handle });\n  if (ret) return ret;\n"]], expect: "pasid_array" },
    { name: "devices without PASID not skipped", class: "path", edits: [["      if (dev.maxPasids === 0) continue; // devices without PASID support are skipped\n", ""]], expect: "no PASID" },
    { name: "no WARN when the way back fails", class: "value", edits: [['if (k.warnOn(back.ret !== 0, "revert set_dev_pasid"))', "if (back.ret !== 0)"]], expect: "WARN" },
  ],
  "12-what-if-chart": [
    { name: "cheat: a literal SVG", class: "cheat", edits: [["  return renderSvg(chartSpec(rows));", '  return `<svg xmlns="http://www.w3.org/2000/svg"><text>fake-success ${rows.length}</text></svg>`;']], expect: "chartSvg" },
    { name: "colour and column swapped", class: "value", edits: [['    color: "variant",\n    column: "consumer",', '    color: "consumer",\n    column: "variant",']], expect: "color" },
    { name: "fake successes counted as attached", class: "point", edits: [['return o.ret === 0 && d && !groupHwOn(g, d) ? "fake-success" : o.outcome;', "return void d, void g, o.outcome;"]], expect: "fake-success" },
    { name: "the spec ignores the rows it is given", class: "value", edits: [['import { barChart, renderSvg, type VegaLiteSpec } from "../lib/chart/index.ts";', 'import { barChart, renderSvg, type VegaLiteSpec } from "../lib/chart/index.ts";\nimport { drivers } from "../hardware/index.ts";'], ["    data: rows,", "    data: runExperiment(drivers),"]], expect: "data.values are the rows" },
    { name: "the regression variant never switched on", class: "wrong", edits: [["variants: variant === \"none\" ? [] : [`arm-smmu-v3:${variant}`]", "variants: []"]], expect: "runExperiment(drivers)" },
    { name: "kernels of the kit's drivers, not of the set given", class: "path", edits: [['import { barChart, renderSvg, type VegaLiteSpec } from "../lib/chart/index.ts";', 'import { barChart, renderSvg, type VegaLiteSpec } from "../lib/chart/index.ts";\nimport { drivers as kit } from "../hardware/index.ts";'], ['new Kernel({ era: "mainline-2025", drivers,', 'new Kernel({ era: "mainline-2025", drivers: drivers && kit,']], expect: "with device c refused" },
    { name: "cheat: hard-coded rows", class: "cheat", edits: [["export function runExperiment(drivers: DriverSet): OutcomeRow[] {\n", "export function runExperiment(drivers: DriverSet): OutcomeRow[] {\n  if (CONSUMERS.length) return void drivers, HARD_CODED;\n"]], expect: "runExperiment(drivers)" },
  ],
};
