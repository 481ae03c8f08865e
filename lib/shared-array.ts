/**
 * sharedArray: a typed array on a SharedArrayBuffer, the way to hand a body memory that every
 * thread sees (and writes) directly.
 */
import { badOption, cannotAllocate, notInteger } from './errors.js';

/** The typed-array constructors sharedArray accepts. */
export type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/**
 * The typed array that sharedArray(Ctor, ...) returns: Ctor's array over a SharedArrayBuffer.
 * Typed so, a typed array on a plain ArrayBuffer (`new Float64Array(n)`) does not fit where a
 * shared one is expected (workers would write to a copy of it).
 */
export type SharedTypedArray<C extends TypedArrayConstructor = TypedArrayConstructor> = C extends Int8ArrayConstructor
  ? Int8Array<SharedArrayBuffer>
  : C extends Uint8ClampedArrayConstructor
    ? Uint8ClampedArray<SharedArrayBuffer>
    : C extends Uint8ArrayConstructor
      ? Uint8Array<SharedArrayBuffer>
      : C extends Int16ArrayConstructor
        ? Int16Array<SharedArrayBuffer>
        : C extends Uint16ArrayConstructor
          ? Uint16Array<SharedArrayBuffer>
          : C extends Int32ArrayConstructor
            ? Int32Array<SharedArrayBuffer>
            : C extends Uint32ArrayConstructor
              ? Uint32Array<SharedArrayBuffer>
              : C extends Float32ArrayConstructor
                ? Float32Array<SharedArrayBuffer>
                : C extends Float64ArrayConstructor
                  ? Float64Array<SharedArrayBuffer>
                  : C extends BigInt64ArrayConstructor
                    ? BigInt64Array<SharedArrayBuffer>
                    : C extends BigUint64ArrayConstructor
                      ? BigUint64Array<SharedArrayBuffer>
                      : never;

type SharedCtor = new (buffer: SharedArrayBuffer) => unknown;

const CTORS = new Set<unknown>([
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
]);

/**
 * A typed array of `length` zeros on a new SharedArrayBuffer; or, given an array-like or
 * iterable of values, a shared copy of them.
 *
 * ```ts
 * const xs = sharedArray(Float64Array, 1_000_000);
 * const ys = sharedArray(Int32Array, [1, 2, 3]);
 * ```
 */
export function sharedArray<C extends TypedArrayConstructor>(
  Ctor: C,
  lengthOrValues: number | ArrayLike<number> | ArrayLike<bigint> | Iterable<number> | Iterable<bigint>,
): SharedTypedArray<C> {
  if (!CTORS.has(Ctor)) {
    // Also by name: Jest gives specs their own realm, whose Float64Array is another object.
    const name = typeof Ctor === 'function' ? (Ctor as { name: string }).name : '';
    const local = [...CTORS].find((c) => (c as { name: string }).name === name);
    if (local === undefined) throw badOption('Ctor', Ctor, 'a typed-array constructor such as Float64Array');
  }
  if (typeof lengthOrValues === 'number') {
    if (!Number.isSafeInteger(lengthOrValues) || lengthOrValues < 0) throw notInteger('length', lengthOrValues, 'an integer >= 0');
    return new (Ctor as unknown as SharedCtor)(allocate(Ctor, lengthOrValues)) as SharedTypedArray<C>;
  }
  if (lengthOrValues === null || typeof lengthOrValues !== 'object') {
    throw badOption('lengthOrValues', lengthOrValues, 'a length or an array-like of values');
  }
  const values = Array.isArray(lengthOrValues) || ArrayBuffer.isView(lengthOrValues) ? lengthOrValues : Array.from(lengthOrValues as Iterable<number>);
  const length = (values as ArrayLike<unknown>).length;
  const out = new (Ctor as unknown as SharedCtor)(allocate(Ctor, length)) as SharedTypedArray<C>;
  (out as unknown as { set(v: ArrayLike<unknown>): void }).set(values as ArrayLike<unknown>);
  return out;
}

/** A SharedArrayBuffer for `length` elements of Ctor; a length too large for one says so in parafor's words, not V8's. */
function allocate(Ctor: TypedArrayConstructor, length: number): SharedArrayBuffer {
  const bytes = length * Ctor.BYTES_PER_ELEMENT;
  try {
    return new SharedArrayBuffer(bytes);
  } catch (thrown) {
    if (!(thrown instanceof RangeError) && (thrown as Error)?.name !== 'RangeError') throw thrown;
    throw cannotAllocate(Ctor.name, length, bytes, (thrown as Error).message);
  }
}
