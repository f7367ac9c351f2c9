/**
 * The seeded pseudo-random numbers behind the payload generator. Every stream is derived from
 * (seed, purpose, index...) by hashing, so a series' labels depend only on the seed and the
 * series' identity, never on how many bytes were generated before it.
 *
 * Not cryptographic and not meant to be: mulberry32 steps and a murmur3-style finaliser.
 */

/** Mixes 32-bit words into one well-spread 32-bit hash (murmur3's fmix32 applied per word). */
export function hashWords(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) {
    h ^= word >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A small deterministic generator (mulberry32) with the helpers the page models need. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Derives an independent stream for a purpose and an index. */
  static derive(...words: number[]): Rng {
    return new Rng(hashWords(...words));
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform float in [0, 1) with all 53 bits of a double random, so it prints with ~17 digits. */
  nextDouble(): number {
    return ((this.nextUint32() >>> 11) * 4294967296 + this.nextUint32()) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A uniform integer in [min, max]. */
  range(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** `length` lowercase hex digits. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.nextUint32().toString(16).padStart(8, '0');
    return out.slice(0, length);
  }

  /** A random RFC 4122-shaped (version 4) UUID. */
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** `length` characters of [a-z0-9], like the random suffixes of Kubernetes pod names. */
  alnum(length: number): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}
