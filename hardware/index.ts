/**
 * The hardware driver models, one file per driver in this folder, and `drivers`: the default
 * driver set a Kernel runs (`new Kernel({ era, drivers })`).
 */
import { DriverSet } from "../lib/model.ts";
import { armSmmuV3 } from "./arm-smmu-v3.ts";
import { intelVtd } from "./intel-vtd.ts";
import { fslPamu } from "./fsl-pamu.ts";
import { iommufdMock } from "./iommufd-mock.ts";
import { msmIommu } from "./msm-iommu.ts";
import { omapIommu } from "./omap-iommu.ts";
import { rockchipIommu } from "./rockchip-iommu.ts";
import { sun50iIommu } from "./sun50i-iommu.ts";
import { appleDart } from "./apple-dart.ts";
import { armSmmu } from "./arm-smmu.ts";
import { ipmmuVmsa } from "./ipmmu-vmsa.ts";
import { qcomIommu } from "./qcom-iommu.ts";
import { riscvIommu } from "./riscv-iommu.ts";
import { s390Iommu } from "./s390-iommu.ts";
import { virtioIommu } from "./virtio-iommu.ts";
import { amdIommu } from "./amd-iommu.ts";
import { mtkIommuV1 } from "./mtk-iommu-v1.ts";
import { mtkIommu } from "./mtk-iommu.ts";
import { sprdIommu } from "./sprd-iommu.ts";
import { tegraGart } from "./tegra-gart.ts";
import { tegraSmmu } from "./tegra-smmu.ts";
import { exynosIommu } from "./exynos-iommu.ts";

export { armSmmuV3, intelVtd, fslPamu, iommufdMock, msmIommu, omapIommu, rockchipIommu, sun50iIommu, appleDart, armSmmu, ipmmuVmsa, qcomIommu, riscvIommu, s390Iommu, virtioIommu, amdIommu, mtkIommuV1, mtkIommu, sprdIommu, tegraGart, tegraSmmu, exynosIommu };

/** Every driver model, in the order listings show them. */
export const drivers = new DriverSet([armSmmuV3, intelVtd, rockchipIommu, msmIommu, omapIommu, sun50iIommu, fslPamu, iommufdMock, armSmmu, qcomIommu, ipmmuVmsa, appleDart, virtioIommu, s390Iommu, riscvIommu, amdIommu, mtkIommuV1, mtkIommu, sprdIommu, tegraGart, tegraSmmu, exynosIommu]);
