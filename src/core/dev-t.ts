// A device node's number (st_rdev) split into major and minor: glibc's dev_t layout (sys/sysmacros.h
// gnu_dev_major/minor), major bits 8-19 and 32-43, minor bits 0-7 and 20-31. The directory reader and the
// builder's snapshot both read device nodes through it.

export function devMajor(rdev: bigint | number): number {
  const r = BigInt(rdev);
  return Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & 0xfffff000n));
}

export function devMinor(rdev: bigint | number): number {
  const r = BigInt(rdev);
  return Number((r & 0xffn) | ((r >> 12n) & 0xffffff00n));
}
