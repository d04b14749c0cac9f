/**
 * Blowfish (Schneier, 1993), 16 rounds, 64-bit blocks, big-endian 32-bit halves — byte for byte
 * what OpenSSL's `bf-ecb` computes (reference §1.5).
 *
 * Why our own and not `crypto.createCipheriv("bf-ecb", …)`: OpenSSL 3 keeps Blowfish in its
 * legacy provider, which Node 20 does not load (`createCipheriv("bf-ecb")` throws
 * "digital envelope routines::unsupported" on this build). Loading it needs
 * `--openssl-legacy-provider` or an OpenSSL config for the whole process — every shop that imports
 * our client would have to do the same, and distributions may build OpenSSL without it. Blowfish is
 * small and public; this file is checked against Eric Young's published vectors, the Paygate
 * vectors of the reference and, property-based, against OpenSSL's own output (blowfish.test.ts).
 *
 * The initial P-array and S-boxes are the hexadecimal digits of pi after the point, as the
 * algorithm defines them. We compute them once (BigInt Machin formula, ~40 ms) instead of
 * carrying 1,042 constants, so there is no table to audit.
 */

const ROUNDS = 16;
const P_WORDS = ROUNDS + 2;
const S_WORDS = 4 * 256;

interface KeySchedule {
  readonly p: Uint32Array;
  readonly s: Uint32Array;
}

let initialState: KeySchedule | undefined;

/** The first `words` 32-bit words of pi's hexadecimal fraction (0x243F6A88, 0x85A308D3, …). */
export function piFractionWords(words: number): Uint32Array {
  const bits = BigInt(words * 32 + 64); // 64 guard bits absorb the truncation of each series term
  const one = 1n << bits;
  const arctanOfInverse = (x: bigint): bigint => {
    const xSquared = x * x;
    let power = one / x;
    let sum = power;
    for (let k = 1n; power !== 0n; k++) {
      power /= xSquared;
      const term = power / (2n * k + 1n);
      sum += k % 2n === 1n ? -term : term;
    }
    return sum;
  };
  // Machin: pi = 16·arctan(1/5) − 4·arctan(1/239)
  const pi = 16n * arctanOfInverse(5n) - 4n * arctanOfInverse(239n);
  let fraction = (pi - (3n << bits)) >> 64n;
  const result = new Uint32Array(words);
  for (let i = words - 1; i >= 0; i--) {
    result[i] = Number(fraction & 0xffffffffn);
    fraction >>= 32n;
  }
  return result;
}

function initial(): KeySchedule {
  if (initialState === undefined) {
    const digits = piFractionWords(P_WORDS + S_WORDS);
    initialState = { p: digits.slice(0, P_WORDS), s: digits.slice(P_WORDS) };
  }
  return initialState;
}

function feistel(s: Uint32Array, x: number): number {
  const a = s[x >>> 24] as number;
  const b = s[256 + ((x >>> 16) & 0xff)] as number;
  const c = s[512 + ((x >>> 8) & 0xff)] as number;
  const d = s[768 + (x & 0xff)] as number;
  return ((((a + b) >>> 0) ^ c) + d) >>> 0;
}

function encryptHalves(schedule: KeySchedule, left: number, right: number): [number, number] {
  const { p, s } = schedule;
  let l = left;
  let r = right;
  for (let i = 0; i < ROUNDS; i += 2) {
    l = (l ^ (p[i] as number)) >>> 0;
    r = (r ^ feistel(s, l)) >>> 0;
    r = (r ^ (p[i + 1] as number)) >>> 0;
    l = (l ^ feistel(s, r)) >>> 0;
  }
  return [(r ^ (p[ROUNDS + 1] as number)) >>> 0, (l ^ (p[ROUNDS] as number)) >>> 0];
}

function decryptHalves(schedule: KeySchedule, left: number, right: number): [number, number] {
  const { p, s } = schedule;
  let l = left;
  let r = right;
  for (let i = ROUNDS + 1; i > 1; i -= 2) {
    l = (l ^ (p[i] as number)) >>> 0;
    r = (r ^ feistel(s, l)) >>> 0;
    r = (r ^ (p[i - 1] as number)) >>> 0;
    l = (l ^ feistel(s, r)) >>> 0;
  }
  return [(r ^ (p[0] as number)) >>> 0, (l ^ (p[1] as number)) >>> 0];
}

/**
 * Expands a key of 1 to 72 bytes (longer keys are cut at 72, as OpenSSL's `BF_set_key` does;
 * Computop's PHP sample repeating the key to 72 bytes is the same schedule).
 */
export function expandBlowfishKey(key: Uint8Array): KeySchedule {
  if (key.length === 0) throw new RangeError("Blowfish key must not be empty");
  const start = initial();
  const p = start.p.slice();
  const s = start.s.slice();
  const used = key.subarray(0, P_WORDS * 4);
  let at = 0;
  for (let i = 0; i < P_WORDS; i++) {
    let word = 0;
    for (let j = 0; j < 4; j++) {
      word = ((word << 8) | (used[at] as number)) >>> 0;
      at = (at + 1) % used.length;
    }
    p[i] = ((p[i] as number) ^ word) >>> 0;
  }
  const schedule = { p, s };
  let l = 0;
  let r = 0;
  for (const table of [p, s]) {
    for (let i = 0; i < table.length; i += 2) {
      [l, r] = encryptHalves(schedule, l, r);
      table[i] = l;
      table[i + 1] = r;
    }
  }
  return schedule;
}

/**
 * Expanded schedules by key: the expansion runs 521 block encryptions, more than a whole Data
 * field costs, and a gateway sees the same few merchant keys over and over. Bounded, oldest out.
 */
const schedules = new Map<string, KeySchedule>();
const MAX_SCHEDULES = 256;

function scheduleOf(key: Uint8Array): KeySchedule {
  const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
  let schedule = schedules.get(id);
  if (!schedule) {
    schedule = expandBlowfishKey(key);
    if (schedules.size >= MAX_SCHEDULES) schedules.delete(schedules.keys().next().value as string);
    schedules.set(id, schedule);
  }
  return schedule;
}

function eachBlock(
  key: Uint8Array,
  data: Uint8Array,
  transform: (schedule: KeySchedule, l: number, r: number) => [number, number],
): Uint8Array {
  if (data.length % 8 !== 0) throw new RangeError("Blowfish data must be a multiple of 8 bytes");
  const schedule = scheduleOf(key);
  const input = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length);
  const output = new DataView(out.buffer);
  for (let at = 0; at < data.length; at += 8) {
    const [l, r] = transform(schedule, input.getUint32(at), input.getUint32(at + 4));
    output.setUint32(at, l);
    output.setUint32(at + 4, r);
  }
  return out;
}

/** Blowfish-ECB without padding: `data` must already be a multiple of 8 bytes. */
export function blowfishEcbEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  return eachBlock(key, data, encryptHalves);
}

/** Inverse of {@link blowfishEcbEncrypt}. */
export function blowfishEcbDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  return eachBlock(key, data, decryptHalves);
}
