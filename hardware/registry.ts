/** Every hardware driver model, by id. One file per driver in this folder. */
import type { DriverModel } from "../lib/driver";
import { armSmmuV3 } from "./arm-smmu-v3";
import { intelVtd } from "./intel-vtd";
import { fslPamu } from "./fsl-pamu";
import { iommufdMock } from "./iommufd-mock";
import { msmIommu } from "./msm-iommu";
import { omapIommu } from "./omap-iommu";
import { rockchipIommu } from "./rockchip-iommu";
import { sun50iIommu } from "./sun50i-iommu";
import { appleDart } from "./apple-dart";
import { armSmmu } from "./arm-smmu";
import { ipmmuVmsa } from "./ipmmu-vmsa";
import { qcomIommu } from "./qcom-iommu";
import { riscvIommu } from "./riscv-iommu";
import { s390Iommu } from "./s390-iommu";
import { virtioIommu } from "./virtio-iommu";
import { amdIommu } from "./amd-iommu";
import { mtkIommuV1 } from "./mtk-iommu-v1";
import { mtkIommu } from "./mtk-iommu";
import { sprdIommu } from "./sprd-iommu";
import { tegraGart } from "./tegra-gart";
import { tegraSmmu } from "./tegra-smmu";
import { exynosIommu } from "./exynos-iommu";

export const DRIVERS: readonly DriverModel[] = [armSmmuV3, intelVtd, rockchipIommu, msmIommu, omapIommu, sun50iIommu, fslPamu, iommufdMock, armSmmu, qcomIommu, ipmmuVmsa, appleDart, virtioIommu, s390Iommu, riscvIommu, amdIommu, mtkIommuV1, mtkIommu, sprdIommu, tegraGart, tegraSmmu, exynosIommu];

export function lookupDriver(id: string): DriverModel | undefined {
  return DRIVERS.find((d) => d.id === id);
}
