/** The zod field types that scenario files share: the machine's lists (schema.ts) and the steps (ops.ts). */
import { z } from "zod";

export const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "expected an id of 1-64 letters, digits or _ . : -");
const propValue = z.union([z.number().finite(), z.boolean(), z.string().max(64)]);
export const props = z.record(z.string(), propValue);
export const note = z.string().max(500).optional();
export const pasid = z.number().int().min(0).max(0xfffff);
