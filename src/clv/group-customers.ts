/**
 * Collapses per-customer statistics to distinct (frequency, recency, tenure)
 * groups with counts, so that fitting and scoring cost O(distinct triples);
 * `groupOf` maps every customer back to its group.
 */
import type { RfmColumns } from "./types.ts";

/** Per-customer statistics in columns (one index = one customer). */
export interface CustomerColumns {
  readonly frequency: ArrayLike<number>;
  readonly recency: ArrayLike<number>;
  readonly tenure: ArrayLike<number>;
  /** Mean revenue of the repeat purchase dates (0 when frequency is 0). */
  readonly monetary: ArrayLike<number>;
}

/** Distinct RFM groups and, per customer, the index of its group. */
export interface GroupedCustomers {
  readonly groups: RfmColumns;
  readonly groupOf: Int32Array;
}

/**
 * Groups customers by exact (frequency, recency, tenure), keeping first-seen order.
 *
 * @example
 * groupCustomers({ frequency: [0, 0], recency: [0, 0], tenure: [5, 5] }).groups.count; // [2]
 */
export function groupCustomers(customers: Omit<CustomerColumns, "monetary">): GroupedCustomers {
  return groupTriples(customers.frequency, customers.recency, customers.tenure);
}

/**
 * Groups rows by exact (u, v, w) value triple, summing `weight` (1 per row
 * when absent) into the group's count; first-seen order. The result names the
 * coordinates as RFM columns.
 */
export function groupTriples(
  u: ArrayLike<number>,
  v: ArrayLike<number>,
  w: ArrayLike<number>,
  weight?: ArrayLike<number>,
): GroupedCustomers {
  const n = u.length;
  // Open addressing on the three doubles' bits: much faster than string keys at 10⁶ customers.
  let capacity = 16;
  while (capacity < 2 * n) capacity *= 2;
  const mask = capacity - 1;
  const slots = new Int32Array(capacity).fill(-1);
  const groupOf = new Int32Array(n);
  const first: number[] = [];
  const second: number[] = [];
  const third: number[] = [];
  const count: number[] = [];
  const bits = new Float64Array(3);
  const words = new Uint32Array(bits.buffer);
  for (let i = 0; i < n; i++) {
    const x = u[i] as number;
    const y = v[i] as number;
    const z = w[i] as number;
    const add = weight ? (weight[i] as number) : 1;
    bits[0] = x;
    bits[1] = y;
    bits[2] = z;
    let hash = 0x811c9dc5;
    for (let k = 0; k < 6; k++) hash = Math.imul(hash ^ (words[k] as number), 0x01000193);
    let slot = (hash ^ (hash >>> 15)) & mask;
    for (;;) {
      const group = slots[slot] as number;
      if (group === -1) {
        const created = count.length;
        slots[slot] = created;
        first.push(x);
        second.push(y);
        third.push(z);
        count.push(add);
        groupOf[i] = created;
        break;
      }
      if (first[group] === x && second[group] === y && third[group] === z) {
        count[group] = (count[group] as number) + add;
        groupOf[i] = group;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return {
    groups: {
      frequency: Float64Array.from(first),
      recency: Float64Array.from(second),
      tenure: Float64Array.from(third),
      count: Float64Array.from(count),
    },
    groupOf,
  };
}
