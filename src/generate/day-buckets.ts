/**
 * Fixed-width numeric records grouped by day, stored flat (`stride` numbers
 * per record) in typed arrays, so that millions of future sessions and orders
 * cost a few bytes each and stay out of the garbage collector's way. A day's
 * records are taken once, when that day is written, and then released.
 */
export class DayBuckets {
  private readonly buckets: (Float64Array | undefined)[];
  private readonly lengths: Int32Array;

  constructor(
    days: number,
    /** Numbers per record. */
    readonly stride: number,
  ) {
    this.buckets = Array.from({ length: days }, () => new Float64Array(stride * 16));
    this.lengths = new Int32Array(days);
  }

  /** Appends one record to `day`; records for days outside the period are dropped. */
  push(day: number, record: readonly number[]): void {
    if (record.length !== this.stride) {
      throw new RangeError(`record of ${record.length} numbers, expected ${this.stride}`);
    }
    let bucket = this.buckets[day];
    if (day < 0 || bucket === undefined) return;
    const length = this.lengths[day] as number;
    if (length + this.stride > bucket.length) {
      const grown = new Float64Array(bucket.length * 2);
      grown.set(bucket);
      this.buckets[day] = grown;
      bucket = grown;
    }
    // A plain loop: TypedArray#set from an ordinary array is much slower for a handful of numbers.
    for (let field = 0; field < this.stride; field++)
      bucket[length + field] = record[field] as number;
    this.lengths[day] = length + this.stride;
  }

  /** Removes and returns every record of `day`, flat; a day can be taken only once. */
  take(day: number): Float64Array {
    const bucket = this.buckets[day];
    if (bucket === undefined)
      throw new RangeError(`day ${day} was already taken or is out of range`);
    this.buckets[day] = undefined;
    return bucket.subarray(0, this.lengths[day]);
  }
}
