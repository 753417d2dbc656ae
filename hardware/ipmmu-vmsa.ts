/**
 * Renesas IPMMU-VMSA (R-Car Gen2/Gen3/Gen4, RZ/G): drivers/iommu/ipmmu-vmsa.c,
 * ipmmu_attach_device(). Sources: f4a147735793 and TD1 11/20 (per row). In mainline since v3.17 (2014), so
 * it exists in 2014-nesting with its pre-2022 attach (INFERRED, apart from the context pool below).
 *
 * An R-Car SoC has one root IPMMU (IPMMU-MM) and several cache IPMMUs (IPMMU-VI, -HC, -DS0, ...)
 * in front of groups of masters. A domain is finalised at its first attach to the master's
 * (cache) IPMMU, and takes a translation context from the root's context table
 * (ipmmu_domain_allocate_context on mmu->root), so every IPMMU of the SoC draws from one pool.
 * Two devices behind different cache IPMMUs can never share a domain.
 */
import {
  type CtxOf,
  devDbg,
  devErr,
  deviceThenDomainInstance,
  dmaDefaultDomain,
  type DriverModel,
  emediumtypeV6,
  type EraRows,
  erasFrom,
  fail,
  instanceMismatch,
  lookupRows,
  mismatchRows,
  noIommu,
  noIommuGuard,
  noPasidCoherencyOrNesting,
  reading,
  stepsFor,
  unfinalised,
} from "../lib/driver.ts";
import { int, text } from "../lib/props.ts";
import type { IommuInstance, Kernel } from "../lib/model.ts";

/** TD1 11/20 (Oct 2025): its "-" lines are this driver's 2025 attach_dev, its "+" lines the test-dev-2025 rows. */
const TD1_PATCH = "9460b6fc29dc82ac38bdb5769e37c4814d8f2ad0.1760312725.git.nicolinc@nvidia.com (TD1 11/20)";

const instanceProps = {
  root: text("", "ipmmu_find_root() / mmu->root", "id of the root IPMMU whose context table this cache IPMMU uses (empty: this instance is a root)"),
  contexts: int(8, "mmu->num_ctx (of the root)", "translation contexts in the root's table (8 on R-Car Gen3)"),
};
const domainProps = { contextId: int(-1, "domain->context_id", "translation context taken from the root IPMMU at the first attach") };

const shapes = { instance: instanceProps, device: {}, domain: domainProps };
type Ctx = CtxOf<typeof shapes>;
const { check, effect, ...typed } = stepsFor(shapes);

const rootOf = (i: IommuInstance) => typed.inst(i).root || i.id;
const pool = (k: Kernel, i: IommuInstance) => {
  const root = k.instances.get(rootOf(i)) ?? i;
  return { root: rootOf(i), size: typed.inst(root).contexts };
};

/** Context ids held by live domains finalised to any IPMMU behind `root`. */
function contextsInUse(k: Kernel, root: string): Set<number> {
  const used = new Set<number>();
  for (const i of k.instances.values()) {
    if (i.driver.id !== ipmmuVmsa.id || rootOf(i) !== root) continue; // by id: a kernel may run a patched copy
    for (const d of k.domainsFinalisedTo(i)) used.add(typed.dom(d).contextId);
  }
  return used;
}

function contextsFull(c: Ctx): boolean {
  const p = pool(c.k, c.inst!);
  return contextsInUse(c.k, p.root).size >= p.size;
}

const noMmuText = "Cannot attach to IPMMU";
const mismatchText = "Can't attach IPMMU %s to domain on IPMMU %s";

/** Eras with a context table per root IPMMU (the verdict when it is full). */
const CONTEXT_POOL: EraRows = {
  // INFERRED: the first driver (2014, R-Car Gen2) used a single context for every domain.
  "2014-nesting": null,
  // Read in stored pre-2023 copies of ipmmu_attach_device(): a failed ipmmu_domain_init_context()
  // prints dev_err("Unable to initialize IPMMU context") and passes its errno up; no era changed
  // it. EBUSY for a full context table is INFERRED (ipmmu_domain_allocate_context() not read).
  "pre-2022": fail("EBUSY", devErr("Unable to initialize IPMMU context")),
};

/** ipmmu_domain_init_context(): the lowest free context of the root, and the dev_info line. */
function initContext(c: Ctx): number {
  if (!unfinalised(c)) return 0;
  c.k.finaliseDomain(c.domain, c.inst!);
  if (!lookupRows(CONTEXT_POOL, c.era)) {
    c.domain.props.contextId = 0;
    return 0;
  }
  const used = contextsInUse(c.k, rootOf(c.inst!));
  let id = 0;
  while (used.has(id)) id++;
  c.domain.props.contextId = id;
  c.k.printk("info", c.dev, `Using IPMMU context ${id}`);
  return 0;
}

export const ipmmuVmsa: DriverModel = {
  id: "ipmmu-vmsa",
  title: "Renesas IPMMU-VMSA",
  file: "drivers/iommu/ipmmu-vmsa.c",
  opsName: "ipmmu_ops",
  fn: { attach: "ipmmu_attach_device", testDev: "ipmmu_domain_test_device", setDevPasid: "(no set_dev_pasid)" },
  exists: erasFrom("2014-nesting"),
  instanceProps,
  deviceProps: {},
  domainProps,
  attach: [
    noIommuGuard(
      "no-mmu",
      "!mmu (to_ipmmu(dev))",
      "the device sits behind no IPMMU",
      {
        "pre-2022": fail("ENXIO", devErr(noMmuText)),
        // emediumtype-2022 inherits: not an incompatibility; the proposal did not touch it.
        // einval-6.2 and mainline-2025 keep dev_err + ENXIO (TD1 11/20's "-" lines).
        // TD1 11/20 (ipmmu_domain_test_device): dev_dbg + ENXIO.
        "test-dev-2025": fail("ENXIO", devDbg(noMmuText)),
      },
      {
        source: TD1_PATCH,
        // A device of another driver has a (foreign) private pointer: the mismatch check answers (INFERRED).
        when: noIommu,
        note: "TD1 11/20 removes the test from attach_dev; the model keeps it there too for the no-IOMMU path (INFERRED: the core runs test_dev first on every public path).",
      },
    ),
    check(
      "contexts-exhausted",
      "ipmmu_domain_allocate_context(mmu->root, domain) == -EBUSY",
      "every translation context of the root IPMMU is held by another domain",
      (c) => unfinalised(c) && contextsFull(c),
      CONTEXT_POOL,
      {
        source: TD1_PATCH,
        reads: ["pool"],
        trip: { inst: { contexts: 2 }, firstAttach: false },
        // TD1 11/20 leaves the context allocation in attach_dev only; an EBUSY there breaks the
        // proposal's rule that attach_dev fails only with ENOMEM/ENOSPC after test_dev passed.
        // The model also refuses it in test_dev, as the rule requires (INFERRED; see the report).
        phase: "both",
      },
    ),
    effect("finalise", "domain->mmu = mmu; ipmmu_domain_init_context(domain)", "a fresh domain takes this IPMMU and a context of its root", reading(["pool"], initContext)),
    instanceMismatch("mmu-mismatch", "domain->mmu != mmu", mismatchRows("EINVAL", mismatchText), {
      source: `f4a147735793 (v6.2: silent EINVAL); ${TD1_PATCH}`,
      logArgs: deviceThenDomainInstance,
      variants: emediumtypeV6,
      note: "Print dropped by f4a147735793 (einval-6.2). TD1 11/20 moves the test into ipmmu_domain_test_device (only once domain->mmu is set).",
    }),
  ],
  // ipmmu_domain_alloc(type) / domain_alloc_paging: UNMANAGED and DMA; finalised at the first attach.
  ...dmaDefaultDomain,
  // INFERRED: ipmmu_ops has no .capable, so neither coherency capability is reported.
  ...noPasidCoherencyOrNesting,
  notes: ["The context pool is per root IPMMU: cache IPMMUs that name the same root share it."],
};
