/**
 * Public API of iommu-attach-lab. Notebooks, exercises and the CLI import from here.
 * Each function's doc comment names its kernel counterpart.
 */
export { ERRNO, errnoName, neg, isErrnoName, type ErrnoName, type Ret } from "./errno";
export { ERAS, ERA_IDS, eraChain, isEraId, isRevisionVariant, REVISIONS, revisionChain, type Era, type EraFeatures, type EraId, type Revision, type RevisionKey } from "./eras";
export { formatLine, isSpam, isVisible, type LogLevel, type LogLine } from "./log";
export type { TraceEvent } from "./trace";
export {
  EraUnavailableError,
  Kernel,
  LabArgumentError,
  isPaging,
  type Device,
  type Domain,
  type DomainType,
  type Group,
  type IommuInstance,
  type KernelOptions,
  type Props,
} from "./model";
export { verdictFor, lookupRows, type CheckStep, type DriverModel, type EraRows, type PropDoc, type Step, type Verdict } from "./driver";
export { buildPlatform, type DeviceSpec, type InstanceSpec, type PlatformSpec } from "./platform";
export { domainAlloc, domainFree, domainUsers, staticDomain, type DomainAllocRequest } from "./core/domain";
export { groupSetDomainInternal, MUST_SUCCEED } from "./core/set-domain";
export { iommuAttachDevice, iommuAttachGroup, iommuDetachDevice, iommuDetachGroup, iommuReplaceGroup } from "./core/attach";
export { iommuDeviceClaimDmaOwner, iommuDeviceReleaseDmaOwner, iommuGroupClaimDmaOwner, iommuGroupReleaseDmaOwner } from "./core/owner";
export { IOMMU_NO_PASID, iommuAttachDevicePasid, iommuDetachDevicePasid, iommuReplaceDevicePasid } from "./core/pasid";
export { iommuDeferredAttach, pciDevResetIommuDone, pciDevResetIommuPrepare } from "./core/reset";
export { domainTestDevice, opsCompatible } from "./core/test-dev";
export { VfioContainer, vfioType1AttachGroup, type Type1Loop, type Type1LoopResult, type Type1Tally, type VfioIommuType } from "./consumers/vfio-type1";
export { Ioas, IommufdCtx, iommufdDeviceAttachIoas, iommufdDeviceUnbind, type Hwpt } from "./consumers/iommufd";
export { classifyRet, groupHwOn, type Outcome, type OutcomeClass } from "./outcome";
export { DRIVERS, lookupDriver } from "../hardware/registry";
export { driverVariants, knownVariants, variantProblem } from "./variants";
