/**
 * Driver properties are zod shapes (lib/props.ts): a step reads them typed, so a typo in a
 * property name is a compile error. The `@ts-expect-error` lines below are the proof: the
 * test runner's typecheck fails ("Unused '@ts-expect-error' directive") if any of them compiles.
 * The rest checks what the shapes give at run time: defaults, descriptions, kernel names, ranges.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { drivers } from "../hardware/index.ts";
import { stepsFor } from "../lib/driver.ts";
import type { Device } from "../lib/model.ts";
import { flag, int, oneOf, propDefaults, propDocs, propValues } from "../lib/props.ts";
import { propValueProblem } from "../lib/scenario/props.ts";

const shapes = {
  instance: { sva: flag(false, "ARM_SMMU_FEAT_SVA", "SVA supported") },
  device: { ssidBits: int(0, "master->ssid_bits", "substream-ID bits", { max: 20 }) },
  domain: { stage: oneOf(["S1", "S2"], "S1", "smmu_domain->stage", "stage") },
};
const { check, effect, ...typed } = stepsFor(shapes);

test("a typo in a property name read by a step does not compile", () => {
  const ok = check("ssid", "k", "w", (c) => c.dev.props.ssidBits > 0 && c.domain.props.stage === "S1" && c.inst !== null && !c.inst.props.sva, {});
  // @ts-expect-error ssidBitz is no device property of this driver
  check("typo-dev", "k", "w", (c) => c.dev.props.ssidBitz > 0, {});
  // @ts-expect-error a domain property read from the instance bag
  check("typo-bag", "k", "w", (c) => c.inst!.props.stage === "S1", {});
  // @ts-expect-error "S3" is not a value of the stage
  check("typo-value", "k", "w", (c) => c.domain.props.stage === "S3", {});
  // @ts-expect-error logArgs see the same typed context
  check("typo-args", "k", "w", () => false, {}, { logArgs: (c) => [c.dev.props.ssidbits] });
  // @ts-expect-error effects too
  effect("typo-effect", "k", "w", (c) => (c.domain.props.stag === "S1" ? 0 : 0));
  // @ts-expect-error and the typed views an op uses outside a step
  const typo = (d: Device) => typed.dev(d).ssidbits;
  assert.is(ok.kind, "check");
  assert.type(typo, "function");
});

test("every driver property has a kernel name, a description and a default of its type", () => {
  for (const d of drivers.list) {
    for (const [bag, shape] of Object.entries({ instance: d.instanceProps, device: d.deviceProps, domain: d.domainProps })) {
      for (const doc of propDocs(shape)) {
        const at = `${d.id} ${bag}.${doc.name}`;
        assert.ok(doc.kernel.length > 0, `${at}: kernel name`);
        assert.ok(doc.what.length > 0, `${at}: description`);
        assert.is(propValueProblem(shape[doc.name]!, doc.default), null, `${at}: its default is valid`);
        assert.is(propDefaults(shape)[doc.name], doc.default, at);
      }
    }
  }
});

test("the hardware's ranges and value sets come from the shapes", () => {
  const smmu = drivers.get("arm-smmu-v3")!;
  assert.is(propValueProblem(smmu.deviceProps["ssidBits"]!, 20), null);
  assert.is(propValueProblem(smmu.deviceProps["ssidBits"]!, 21), "expected an integer from 0 to 20, got 21");
  assert.is(propValueProblem(smmu.deviceProps["ssidBits"]!, 1.5), "expected an integer from 0 to 20, got 1.5");
  assert.is(propValueProblem(smmu.deviceProps["ssidBits"]!, "5"), "expected a number, got string");
  assert.equal(propValues(smmu.domainProps["stage"]!), ["S1", "S2", "NESTED"]);
  assert.is(propValueProblem(smmu.domainProps["stage"]!, "S3"), 'expected one of "S1", "S2", "NESTED", got "S3"');
  const vtd = drivers.get("intel-vtd")!;
  assert.is(propValueProblem(vtd.instanceProps["addressWidth"]!, 0), "expected an integer from 1 to 64, got 0");
  const s390 = drivers.get("s390-iommu")!;
  assert.is(propValueProblem(s390.deviceProps["dmaRange"]!, "0x5-0x1"), 'the range "0x5-0x1" starts after it ends');
  assert.is(propValueProblem(s390.domainProps["aperture"]!, ""), null); // empty: "not set yet", the default
  assert.is(propValueProblem(s390.deviceProps["dmaRange"]!, ""), 'expected a range "start-end" in hex (e.g. "0x1000-0xffff"), got ""');
  const pamu = drivers.get("fsl-pamu")!;
  assert.is(propValueProblem(pamu.deviceProps["omi"]!, -1), null); // ~0: "none"
  assert.is(propValueProblem(pamu.deviceProps["omi"]!, -2), "expected an integer from -1 to 4294967295, got -2");
});

test.run();
