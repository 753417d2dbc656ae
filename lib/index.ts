/**
 * Public API of iommu-attach-lab. Notebooks, exercises and the CLI import from here.
 * Each function's doc comment names its kernel counterpart.
 */
export { ERRNO, errnoName, neg, isErrnoName, type ErrnoName, type Ret } from "./errno.ts";
export { ERAS, ERA_IDS, eraChain, isEraId, isRevisionVariant, REVISIONS, revisionChain, type Era, type EraFeatures, type EraId, type Revision, type RevisionKey } from "./eras.ts";
export { formatLine, isSpam, isVisible, type LogLevel, type LogLine } from "./log.ts";
export { type TraceEvent, TraceRecorder } from "./trace.ts";
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
  type KernelChange,
  type KernelObserver,
  type KernelOptions,
  type KernelRead,
  type Props,
  DriverSet,
  driverVariants,
} from "./model.ts";
export { verdictFor, lookupRows, readOf, reading, type CheckStep, type DriverModel, type EraRows, type PropDoc, type Read, type Step, type Verdict } from "./driver.ts";
export { propDocs, type PropSchema, type PropShape, type PropsOf } from "./props.ts";
export { buildPlatform, type DeviceSpec, type InstanceSpec, type PlatformSpec } from "./platform.ts";
export { domainAlloc, domainFree, domainUsers, staticDomain, type DomainAllocRequest } from "./core/domain.ts";
export { groupSetDomainInternal, MUST_SUCCEED } from "./core/set-domain.ts";
export { iommuAttachDevice, iommuAttachGroup, iommuDetachDevice, iommuDetachGroup, iommuReplaceGroup } from "./core/attach.ts";
export { iommuDeviceClaimDmaOwner, iommuDeviceReleaseDmaOwner, iommuGroupClaimDmaOwner, iommuGroupReleaseDmaOwner } from "./core/owner.ts";
export { IOMMU_NO_PASID, iommuAttachDevicePasid, iommuDetachDevicePasid, iommuReplaceDevicePasid } from "./core/pasid.ts";
export { iommuDeferredAttach, pciDevResetIommuDone, pciDevResetIommuPrepare } from "./core/reset.ts";
export { domainTestDevice, opsCompatible } from "./core/test-dev.ts";
export { VfioContainer, vfioType1AttachGroup, type Type1Loop, type Type1LoopResult, type Type1Tally, type VfioIommuType } from "./consumers/vfio-type1.ts";
export { Ioas, IommufdCtx, iommufdDeviceAttachIoas, iommufdDeviceUnbind, type Hwpt } from "./consumers/iommufd.ts";
export { classifyRet, groupHwOn, type Outcome, type OutcomeClass } from "./outcome.ts";
