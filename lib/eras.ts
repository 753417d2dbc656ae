/**
 * The eras of the attach error contract. Each era is one coherent kernel (core + drivers +
 * consumers) as described in notebooks/sources.md, "The eras". Behaviour that changed between eras
 * is read from `features` here, never from era-id comparisons scattered through the code.
 */
import type { ErrnoName } from "./errno.ts";

export const ERA_IDS = [
  "2014-nesting",
  "pre-2022",
  "emediumtype-2022",
  "einval-6.2",
  "mainline-2025",
  "test-dev-2025",
] as const;

export type EraId = (typeof ERA_IDS)[number];

export interface EraFeatures {
  /** Errno a caller may treat as "incompatible, try another domain"; null when no contract exists. */
  softErrno: ErrnoName | null;
  /** __iommu_attach_group checks domain->owner against the device's ops (commit a9c362db3920). */
  coreOwnerCheck: "none" | "attach-group" | "test-dev";
  /** __iommu_group_set_domain_internal reverts earlier devices on error and knows MUST_SUCCEED. */
  rollback: boolean;
  /** group->resetting_domain: attach/replace/PASID/deferred attach get EBUSY during a PCI reset. */
  resetWindow: boolean;
  /** __iommu_device_set_domain refuses blocking a require_direct device (dev_warn + EINVAL). */
  requireDirect: boolean;
  /** iommu_attach_device_pasid / iommu_replace_device_pasid with rollback. */
  pasid: boolean;
  /** iommu_group_replace_domain / iommu_replace_group_handle exist. */
  groupReplace: boolean;
  /** iommu_deferred_attach takes group->mutex and honours the reset window (5d5388b0e190). */
  deferredLocked: boolean;
  /**
   * iommu_group_claim_dma_owner() and friends (Lu Baolu, ~v5.19): VFIO and iommufd claim the
   * group, which moves it to the blocking domain. Before, VFIO attached from the default domain.
   */
  dmaOwnership: boolean;
  /** The test_dev domain op and __iommu_domain_test_device() run before every attach. */
  testDev: boolean;
  /** attach_dev(domain, dev, old) (fd714986e4e4). */
  attachDevOld: boolean;
  /** iommufd exists, with its auto-domain search (iommufd_device_auto_get_domain). */
  iommufd: boolean;
  /** VFIO_TYPE1_NESTING_IOMMU can be opened (f5c9ecebaf2a .. 35890f85573c). */
  vfioNestingType: boolean;
  /** How vfio_iommu_type1_attach_group looks for a domain to reuse. */
  vfioLoop: "allocate-then-merge" | "try-existing-first";
  /** Which domain property type1 compares before a merge attempt. */
  vfioCoherencyKey: "prot" | "enforce_cache_coherency" | "none";
  /** Whether type1 compares domain ops before a merge attempt. */
  vfioOpsMatch: boolean;
  /**
   * The cache-coherency gate: vfio_register_group_dev() refuses (EINVAL) a device whose IOMMU
   * driver does not report IOMMU_CAP_CACHE_COHERENCY, so VFIO never gets its group, and
   * iommufd_device_bind() refuses it the same way (EINVAL), both before any attach.
   * e8ae0e140c05 "vfio: Require that devices support DMA cache coherence" (Jason Gunthorpe,
   * 4-v2-f090ae795824+6ad-intel_no_snoop_jgg@nvidia.com), merged for v5.19. The EMEDIUMTYPE
   * series was posted on v5.19-rc (v1 on 6 Jun 2022, the day after v5.19-rc1), so it has the gate.
   */
  coherencyGate: boolean;
  /** Paging domains are allocated for a device (iommu_paging_domain_alloc) rather than a bus. */
  pagingAllocForDevice: boolean;
  /** The driver provides static blocked/identity domains (ops->blocked_domain). */
  staticCoreDomains: boolean;
  /**
   * Nesting is asked for with iommu_domain_set_attr(DOMAIN_ATTR_NESTING), which each driver's
   * domain_set_attr answers (f5c9ecebaf2a, 2014); Christoph Hellwig's 7e147547783a "iommu: remove
   * DOMAIN_ATTR_NESTING" (20210301084257.945454-16-hch@lst.de, v5.13) replaced it with
   * iommu_enable_nesting() and the enable_nesting op. False: the op (the kit's pre-2022 is ~v5.15).
   */
  nestingBySetAttr: boolean;
  /**
   * Arm SMMUv3 reports IOMMU_CAP_ENFORCE_CACHE_COHERENCY for CANWBS masters and has an
   * enforce_cache_coherency op (Jason Gunthorpe's SMMUv3 nesting series, Aug 2024, reviewed by
   * Mostafa Saleh; merged ~v6.13, commit id UNVERIFIED). Before, neither existed.
   */
  smmuV3Canwbs: boolean;
}

export interface Era {
  id: EraId;
  title: string;
  dates: string;
  merged: boolean;
  /** Era whose behaviour this one starts from (used to inherit per-driver rows: see eraChain). */
  parent: EraId | null;
  sources: string[];
  summary: string;
  features: EraFeatures;
}

const PRE: EraFeatures = {
  softErrno: null,
  coreOwnerCheck: "none",
  rollback: false,
  resetWindow: false,
  requireDirect: false,
  pasid: false,
  dmaOwnership: false,
  groupReplace: false,
  deferredLocked: false,
  testDev: false,
  attachDevOld: false,
  iommufd: false,
  vfioNestingType: true,
  vfioLoop: "allocate-then-merge",
  vfioCoherencyKey: "prot",
  vfioOpsMatch: true,
  coherencyGate: false,
  pagingAllocForDevice: false,
  staticCoreDomains: false,
  nestingBySetAttr: false,
  smmuV3Canwbs: false,
};

const MAINLINE: EraFeatures = {
  ...PRE,
  softErrno: "EINVAL",
  coreOwnerCheck: "attach-group",
  rollback: true,
  resetWindow: true,
  requireDirect: true,
  pasid: true,
  dmaOwnership: true,
  groupReplace: true,
  deferredLocked: true,
  attachDevOld: true,
  iommufd: true,
  vfioNestingType: false,
  vfioCoherencyKey: "enforce_cache_coherency",
  coherencyGate: true,
  pagingAllocForDevice: true,
  staticCoreDomains: true,
  smmuV3Canwbs: true,
};

export const ERAS: Record<EraId, Era> = {
  "2014-nesting": {
    id: "2014-nesting",
    title: "VFIO_TYPE1_NESTING_IOMMU and DOMAIN_ATTR_NESTING",
    dates: "2014 (commit f5c9ecebaf2a; v3.19, INFERRED)",
    merged: true,
    parent: "pre-2022",
    sources: ["f5c9ecebaf2a vfio/iommu_type1: add new VFIO_TYPE1_NESTING_IOMMU IOMMU type"],
    summary:
      "Nesting is asked for through iommu_domain_set_attr(DOMAIN_ATTR_NESTING); type1 fails the attach when the attribute cannot be set. No errno contract.",
    features: { ...PRE, nestingBySetAttr: true },
  },
  "pre-2022": {
    id: "pre-2022",
    title: "The errno zoo",
    dates: "up to about v5.19",
    merged: true,
    parent: null,
    sources: ["EMEDIUMTYPE v2 and EINVAL series diffs ('-' lines)", "00208852d351 core shape (iommu.c of v6.2; INFERRED for older cores)"],
    summary:
      "Each driver reports 'incompatible' its own way (ENXIO, EFAULT, EXDEV, EBUSY, EINVAL, or a silent 0; VT-d's EOPNOTSUPP for snooping came only with v5.19), usually with dev_err.",
    features: { ...PRE },
  },
  "emediumtype-2022": {
    id: "emediumtype-2022",
    title: "EMEDIUMTYPE proposal (never merged)",
    dates: "v1 6 Jun 2022 - v6 15 Aug 2022; dropped Sept 2022",
    merged: false,
    parent: "pre-2022",
    sources: [
      "Simplify vfio_iommu_type1 attach/detach routine (20220606061927.26049-1-nicolinc@nvidia.com)",
      "v6 1/5 iommu: Return -EMEDIUMTYPE for incompatible domain and device/group (20220815181437.28127-2-nicolinc@nvidia.com)",
      "Joerg Roedel's objection (Yxnt9uQTmbqul5lf@8bytes.org)",
    ],
    summary:
      "Proposed: -EMEDIUMTYPE means incompatible, with no print; type1 tries existing domains first. Modelled as last posted (v6, 15 Aug 2022); the variants emediumtype-2022:v1 and emediumtype-2022:v4 select earlier postings.",
    features: {
      ...PRE,
      softErrno: "EMEDIUMTYPE",
      dmaOwnership: true,
      coherencyGate: true,
      vfioLoop: "try-existing-first",
      vfioCoherencyKey: "none",
      vfioOpsMatch: false,
    },
  },
  "einval-6.2": {
    id: "einval-6.2",
    title: "EINVAL is the incompatibility signal (v6.2)",
    dates: "v1 13 Sep 2022 - v7 17 Oct 2022; merged for v6.2",
    merged: true,
    parent: "pre-2022",
    sources: [
      "00208852d351 iommu: Add return value rules to attach_dev op and APIs",
      "f4a147735793 iommu: Use EINVAL for incompatible device/domain in ->attach_dev",
      "bd7ebb771935 iommu: Regulate EINVAL in ->attach_dev callback functions",
    ],
    summary:
      "Incompatibility returns EINVAL with no log; iommufd's auto-domain search consumes it; VFIO type1 keeps allocate-then-merge.",
    features: { ...PRE, softErrno: "EINVAL", dmaOwnership: true, coherencyGate: true, iommufd: true, vfioCoherencyKey: "enforce_cache_coherency" },
  },
  "mainline-2025": {
    id: "mainline-2025",
    title: "Mainline 2025: owner check, rollback, PASID, reset window",
    dates: "2023 - early 2026 (snapshot 17194cd0dd23)",
    merged: true,
    parent: "einval-6.2",
    sources: [
      "a9c362db3920 iommu: Validate that devices match domains",
      "drivers/iommu/iommu.c @17194cd0dd23",
      "5d5388b0e190 iommu: Lock group->mutex in iommu_deferred_attach()",
      "c279e83953d9 pci_dev_reset_iommu_prepare",
    ],
    summary:
      "The core checks the owner ops, rolls back failed group attaches, has PASID attach/replace with rollback, refuses blocking require_direct devices and attaches during a PCI reset.",
    features: { ...MAINLINE },
  },
  "test-dev-2025": {
    id: "test-dev-2025",
    title: "test_dev proposal (not merged)",
    dates: "v1 12-13 Oct 2025, reviewed into Nov 2025",
    merged: false,
    parent: "mainline-2025",
    sources: ["[PATCH v1 00/20] iommu: Introduce and roll out test_dev domain op (cover.1760312725.git.nicolinc@nvidia.com)"],
    summary:
      "Drivers move their compatibility checks into test_dev; the core runs __iommu_domain_test_device() before every attach, so attach_dev should only fail with ENOMEM/ENOSPC.",
    features: { ...MAINLINE, coreOwnerCheck: "test-dev", testDev: true },
  },
};

/**
 * A posting of an unmerged proposal. An era models its proposal as last posted; an earlier
 * posting is selected with the variant "<era>:<id>" (`--variant emediumtype-2022:v1`, a
 * scenario's or experiment's `variants`). Driver rows keyed "<era>:<id>" give that posting's
 * verdict; a posting without a row of its own falls back to the next later posting, then to
 * the era (so v1 reads v4's row where it has none, and v4 reads the era's).
 */
export interface Revision {
  id: string;
  posted: string;
  /** Message-ID of the core patch of that posting (lore.kernel.org/r/<Message-ID>). */
  messageId: string;
  summary: string;
}

/** Row key of a revision: "<era>:<id>". */
export type RevisionKey = `${EraId}:${string}`;

/** Earlier postings per era, oldest first. The era's own rows are the last posting. */
export const REVISIONS: Partial<Record<EraId, readonly Revision[]>> = {
  "emediumtype-2022": [
    {
      id: "v1",
      posted: "6 Jun 2022",
      messageId: "20220606061927.26049-2-nicolinc@nvidia.com",
      summary:
        "Converted paths return EMEDIUMTYPE but keep their prints (dev_err and all); arm-smmu, s390, sprd, tegra-gart and mtk_iommu_v1 are not converted (Kevin Tian's review, seed 000).",
    },
    {
      id: "v4",
      posted: "30 Jun 2022",
      messageId: "20220630203635.33200-2-nicolinc@nvidia.com",
      summary:
        "s390, sprd and tegra-gart converted, adjacent prints removed; arm-smmu's fwspec check converted instead of its SMMU mismatch, which Robin Murphy caught (seed 002). v6 (15 Aug 2022, the era's default) differs only there.",
    },
  ],
};

/** "emediumtype-2022:v1" and the like: a variant that selects a posting, not a driver's what-if. */
export function isRevisionVariant(v: string): boolean {
  const i = v.indexOf(":");
  const era = v.slice(0, i);
  return isEraId(era) && (REVISIONS[era] ?? []).some((r) => r.id === v.slice(i + 1));
}

/**
 * The revision row keys a kernel of `era` with `variants` looks up before the era's own chain:
 * the selected posting, then every later one. Empty when no posting is selected.
 */
export function revisionChain(era: EraId, variants: ReadonlySet<string>): RevisionKey[] {
  const revs = REVISIONS[era];
  if (!revs) return [];
  const at = revs.findIndex((r) => variants.has(`${era}:${r.id}`));
  return at < 0 ? [] : revs.slice(at).map((r) => `${era}:${r.id}` as RevisionKey);
}

export function isEraId(s: string): s is EraId {
  return (ERA_IDS as readonly string[]).includes(s);
}

/**
 * Per-era data (driver check rows, allocation rows, capability answers) is looked up by one
 * rule: the era itself, then its parents, nearest first. So a row keyed by an era holds in it
 * and in every era below it until one of them has a row of its own (null: "no such check").
 * The root is pre-2022, the ~v5.15 kernel the kit reads most of its old driver code from: the
 * mainline and proposal eras branch from it, and so does 2014-nesting, described as that kernel
 * with its own rows where 2014 differed (its attach paths are otherwise taken to be the same,
 * INFERRED). A proposal's earlier postings come before the era (revisionChain).
 */
export function eraChain(id: EraId): EraId[] {
  const out: EraId[] = [];
  for (let e: EraId | null = id; e; e = ERAS[e].parent) out.push(e);
  return out;
}
