import type { Random } from "./random.ts";

const twoTo32 = 0x1_0000_0000;
const fourDigits: readonly string[] = Array.from({ length: 10_000 }, (_, value) =>
  String(value).padStart(4, "0"),
);

/**
 * Turns dense user numbers (0, 1, 2…) into opaque unsigned 64-bit decimal ids
 * such as `14723092176650380117`, like real exports whose ids overflow signed
 * 64-bit integers. A keyed Feistel network is a bijection, so distinct numbers
 * never collide, and ids are built without BigInt because millions are made.
 */
export class UserIdMapper {
  private readonly keys: readonly number[];

  /** Draws the round keys from `random`, so the ids depend on the seed. */
  constructor(random: Random) {
    this.keys = [
      random.nextUint32(),
      random.nextUint32(),
      random.nextUint32(),
      random.nextUint32(),
    ];
  }

  /** The decimal id of user number `index` (a safe integer >= 0). */
  idOf(index: number): string {
    let left = Math.floor(index / twoTo32) >>> 0;
    let right = index >>> 0;
    for (const key of this.keys) {
      const mixed = (left ^ roundFunction(right, key)) >>> 0;
      left = right;
      right = mixed;
    }
    return unsigned64ToDecimal(left, right);
  }
}

function roundFunction(value: number, key: number): number {
  let h = (value ^ key) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Decimal text of high·2^32 + low using only exact doubles: 2^32 is
 * 429496·10^4 + 7296, so every partial product stays below 2^53.
 */
export function unsigned64ToDecimal(high: number, low: number): string {
  const upper = high * 429496;
  const rest = high * 7296 + low;
  const top = upper + Math.floor(rest / 10000);
  const lowDigits = rest % 10000;
  return top > 0 ? `${top}${fourDigits[lowDigits]}` : String(lowDigits);
}
