// A set of paths that only answers "seen before?", at 8 bytes a path in a typed array (a Set of the strings
// themselves keeps every path alive: ~100 bytes each, 100 MB for a million-entry layer). Two independent
// 32-bit FNV-1a hashes make a 64-bit fingerprint: a false "seen" needs a 64-bit collision.
export class PathSet {
  private slots = new Uint32Array(2 * 1024);
  private used = 0;

  private static fingerprint(s: string): [number, number] {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ s.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    // 0/0 marks an empty slot
    return [h1 >>> 0 || 1, h2 >>> 0];
  }

  /** Adds `s`; true when it was already there. */
  add(s: string): boolean {
    const [h1, h2] = PathSet.fingerprint(s);
    if (this.find(h1, h2)) return true;
    if ((this.used + 1) * 2 > this.slots.length / 2) this.grow();
    this.insert(h1, h2);
    this.used++;
    return false;
  }

  has(s: string): boolean {
    const [h1, h2] = PathSet.fingerprint(s);
    return this.find(h1, h2);
  }

  get size(): number {
    return this.used;
  }

  private find(h1: number, h2: number): boolean {
    const n = this.slots.length / 2;
    for (let i = h1 % n; ; i = (i + 1) % n) {
      const a = this.slots[2 * i];
      if (a === 0) return false;
      if (a === h1 && this.slots[2 * i + 1] === h2) return true;
    }
  }

  private insert(h1: number, h2: number): void {
    const n = this.slots.length / 2;
    let i = h1 % n;
    while (this.slots[2 * i] !== 0) i = (i + 1) % n;
    this.slots[2 * i] = h1;
    this.slots[2 * i + 1] = h2;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.insert(old[i] as number, old[i + 1] as number);
  }
}
