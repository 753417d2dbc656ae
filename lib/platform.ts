/**
 * Building a machine: IOMMU instances, devices and their groups, then the probe that gives
 * every group its default domain (iommu_probe_device -> iommu_setup_default_domain).
 */
import { ERAS } from "./eras.ts";
import { setupDefaultDomain } from "./core/domain.ts";
import { type Device, type Group, type Kernel, LabArgumentError, type Props } from "./model.ts";
import { propDefaults, propNames, type PropShape, propSchema, propValueType } from "./props.ts";

export interface InstanceSpec {
  id: string;
  driver: string;
  props?: Props;
}

export interface DeviceSpec {
  id: string;
  /** Instance id; omitted or null: the device has no IOMMU. */
  instance?: string | null;
  /** Group id; by default every device gets a group of its own. */
  group?: string;
  props?: Props;
  maxPasids?: number;
  requireDirect?: boolean;
  attachDeferred?: boolean;
  ats?: boolean;
}

export interface PlatformSpec {
  instances: InstanceSpec[];
  devices: DeviceSpec[];
}

/** The props of `list[n]` (instances or devices): the driver's defaults, overridden by `given`. */
function withDefaults(shape: PropShape, given: Props | undefined, list: string, n: number): Props {
  const out: Props = Object.assign({}, propDefaults(shape));
  if (!given) return out;
  for (const key of Object.keys(given)) {
    const v = given[key]!;
    const s = propSchema(shape, key);
    if (!s) throw new LabArgumentError(`${list}[${n}].props: unknown property "${key}" (known: ${propNames(shape)})`);
    if (typeof v !== propValueType(s)) throw new LabArgumentError(`${list}[${n}].props: property "${key}" must be a ${propValueType(s)}`);
    out[key] = v;
  }
  return out;
}

/** Add instances and devices to `k`, then probe every group (default domain, first attach). */
export function buildPlatform(k: Kernel, spec: PlatformSpec): void {
  spec.instances.forEach((i, n) => {
    const driver = k.drivers.get(i.driver);
    if (!driver) throw new LabArgumentError(`instances[${n}].driver: unknown driver "${i.driver}"`);
    if (!driver.exists.includes(k.era.id)) {
      throw new LabArgumentError(`instances[${n}].driver: ${driver.id} does not exist in era ${k.era.id} (${ERAS[k.era.id].dates}); it exists in ${driver.exists.join(", ")}`);
    }
    if (k.instances.has(i.id)) throw new LabArgumentError(`instances[${n}].id: duplicate id "${i.id}"`);
    k.instances.set(i.id, { id: i.id, driver, props: withDefaults(driver.instanceProps, i.props, "instances", n) });
  });
  const order: Group[] = [];
  spec.devices.forEach((d, n) => {
    if (k.devices.has(d.id)) throw new LabArgumentError(`devices[${n}].id: duplicate id "${d.id}"`);
    const inst = d.instance ? k.instances.get(d.instance) : null;
    if (d.instance && !inst) throw new LabArgumentError(`devices[${n}].instance: no instance "${d.instance}"`);
    const gid = d.group ?? d.id;
    let g = k.groups.get(gid);
    if (!g) {
      g = { id: gid, devices: [], domain: null, defaultDomain: null, blockingDomain: null, owner: null, ownerCnt: 0, pasidArray: new Map(), resettingDomain: null };
      k.groups.set(gid, g);
      order.push(g);
    } else if (g.devices[0]!.instance !== (inst ?? null)) {
      throw new LabArgumentError(`devices[${n}].group: group "${gid}" mixes devices behind different IOMMU instances`);
    } else if (inst?.driver.singletonGroups) {
      throw new LabArgumentError(`devices[${n}].group: every ${inst.driver.id} device is its own group; "${gid}" already has ${g.devices[0]!.id}`);
    }
    const dev: Device = {
      id: d.id,
      instance: inst ?? null,
      group: inst ? g : null,
      props: inst ? withDefaults(inst.driver.deviceProps, d.props, "devices", n) : { ...(d.props ?? {}) },
      maxPasids: d.maxPasids ?? 0,
      requireDirect: d.requireDirect ?? false,
      attachDeferred: d.attachDeferred ?? false,
      deferredAtBoot: d.attachDeferred ?? false,
      ats: d.ats ?? false,
      hwDomain: null,
      hwPasid: new Map(),
    };
    k.devices.set(d.id, dev);
    // A new group's array is made for its first device: a push on [] reserves 17 slots, per group.
    if (g.devices.length) g.devices.push(dev);
    else g.devices = [dev];
  });
  for (const g of order) {
    if (!g.devices[0]!.instance) {
      k.groups.delete(g.id); // no IOMMU: no iommu_group
      continue;
    }
    if (k.watched) k.call("iommu_probe_device", { group: g.id }, () => setupDefaultDomain(k, g));
    else setupDefaultDomain(k, g);
  }
}
