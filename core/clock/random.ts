import { token } from "../di/token.js";

/**
 * The source of every generated name suffix and uid. Seeded, so a seed plus the virtual clock
 * reproduce a run exactly.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** `n` characters from Kubernetes' generateName alphabet (no vowels, no confusable digits). */
  suffix(n: number): string;
  /** An RFC 4122 version 4 UUID. */
  uuid(): string;
}

export const Random = token<Random>("Random");

/** The alphabet of Kubernetes' `utilrand.String` (apimachinery/pkg/util/rand). */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const HEX = "0123456789abcdef";
/** The character codes of {@link HEX}, and of the dashes between a uuid's groups. */
const HEX_CODES: readonly number[] = Array.from(HEX, (c) => c.charCodeAt(0));
const DASH = 0x2d;
/** The 36 character codes of the uuid being built (filled whole by each call, then read at once). */
const UUID_CODES: number[] = new Array<number>(36).fill(0);

/** sfc32 generator seeded through splitmix32: fast, small state, good statistical quality. */
export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number = Math.floor(Math.random() * 0xffffffff)) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  suffix(n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += NAME_ALPHABET[this.int(NAME_ALPHABET.length)];
    return out;
  }

  uuid(): string {
    // One flat string from character codes written into a shared buffer: no array grown and
    // joined per uid (every created object gets one), and no chain of rope nodes behind the uid a
    // stored object keeps (`+=` per character would leave ~800 bytes of them, a flat one is ~56).
    // The generator is stepped inline (the state in locals, stored back once): each digit is
    // `int(16)` of one `next()`, i.e. the top four bits of its 32-bit output — the same sequence.
    const codes = UUID_CODES;
    let { a, b, c, d } = this;
    let at = 0;
    for (let i = 0; i < 32; i++) {
      const t = (((a + b) >>> 0) + d) >>> 0;
      d = (d + 1) >>> 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) >>> 0;
      c = ((c << 21) | (c >>> 11)) >>> 0;
      c = (c + t) >>> 0;
      let v = t >>> 28;
      if (i === 12) v = 4;
      else if (i === 16) v = (v & 0x3) | 0x8;
      codes[at++] = HEX_CODES[v]!;
      if (i === 7 || i === 11 || i === 15 || i === 19) codes[at++] = DASH;
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return String.fromCharCode.apply(null, codes);
  }
}
