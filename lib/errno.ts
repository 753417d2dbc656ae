/**
 * Linux errno values (asm-generic numbering, as on x86-64). The kernel returns them negated:
 * a model call returns 0 or `-ERRNO.EINVAL`, exactly like `attach_dev()` does.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  ENXIO: 6,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  EOPNOTSUPP: 95,
  EMEDIUMTYPE: 124,
  /** Kernel-internal (include/linux/errno.h); never reaches userspace. */
  EPROBE_DEFER: 517,
} as const;

export type ErrnoName = keyof typeof ERRNO;

/** A kernel return value: 0 for success or a negative errno. */
export type Ret = number;

const BY_VALUE = new Map<number, ErrnoName>(
  (Object.keys(ERRNO) as ErrnoName[]).map((n) => [ERRNO[n], n]),
);

/** `-EINVAL` and friends: the negative return value for an errno name. */
export function neg(name: ErrnoName): Ret {
  return -ERRNO[name];
}

/** Name of a return value: "0" for success, "EINVAL" for -22, "E?123" for an unknown code. */
export function errnoName(ret: Ret): string {
  if (ret === 0) return "0";
  return BY_VALUE.get(Math.abs(ret)) ?? `E?${Math.abs(ret)}`;
}

export function isErrnoName(s: string): s is ErrnoName {
  return Object.prototype.hasOwnProperty.call(ERRNO, s);
}
