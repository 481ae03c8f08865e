/**
 * The `shared` option: what a body may receive from the caller, checked once per call.
 *
 * Shared memory (SharedArrayBuffers and typed arrays on them) is the same memory on every
 * thread. Everything else in `shared` (numbers, strings, plain objects and arrays) is copied
 * to each worker once and cached there, and every thread, the calling one included, sees it
 * frozen (frozenView); a call whose `shared` has the same leaves as last
 * time reuses the copy, so the hot path sends nothing. The check walks the whole value, so
 * bulk data belongs in typed arrays, not in plain arrays.
 */
import { notMapItem, notShareable, plainArrayBuffer, sharedCycle } from '../errors.js';

const OBJECT_MARK = Symbol('object');
const ARRAY_MARK = Symbol('array');

/** A flat list of the leaves (and shape marks) of a `shared` value, compared with Object.is. */
export type Snapshot = unknown[];

function isPlainObject(value: object): boolean {
  // Realm-independent: Jest runs specs in their own realm, where `instanceof Object` lies.
  if (Object.prototype.toString.call(value) !== '[object Object]') return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** parallelMap's payloads: `{ items, shared }`, whose errors name `items[k]` and `shared`, as the user wrote them. */
const mapPayloads = new WeakSet<object>();

/** The `shared` payload of a parallelMap call: the items and the user's `shared`, walked as two roots. */
export function mapPayload(items: readonly unknown[], shared: unknown): { items: readonly unknown[]; shared: unknown } {
  const payload = { items, shared };
  mapPayloads.add(payload);
  return payload;
}

/**
 * Validates `value` as a `shared` payload and returns its snapshot. Throws a TypeError
 * naming the path of the first leaf that cannot be shared.
 */
export function snapshotShared(value: unknown, path = 'shared'): Snapshot {
  const out: Snapshot = [];
  const map = typeof value === 'object' && value !== null && mapPayloads.has(value);
  walk(value, { root: path, map, trail: [], out, open: new Set() });
  return out;
}

/** A walk in progress: the leaves so far, the containers open above, the keys down to here. */
interface Walk {
  readonly root: string;
  /** A parallelMap payload: the first key of the trail is the root the user wrote (`items`, `shared`). */
  readonly map: boolean;
  /** Keys and indices from the root to the value being walked; a path string only for errors. */
  readonly trail: (string | number)[];
  readonly out: Snapshot;
  readonly open: Set<object>;
}

/** The path of the value being walked, as error messages show it: shared.a[3].b */
function pathOf(w: Walk): string {
  const fromMap = w.map && w.trail.length > 0;
  let path = fromMap ? String(w.trail[0]) : w.root;
  for (let k = fromMap ? 1 : 0; k < w.trail.length; k++) {
    const key = w.trail[k]!;
    path += typeof key === 'number' ? `[${key}]` : `.${key}`;
  }
  return path;
}

/** The error for a value that cannot be shared: a parallelMap item's says what items may be. */
function refuse(w: Walk, value: unknown): TypeError {
  return w.map && w.trail[0] === 'items' ? notMapItem(pathOf(w), value) : notShareable(pathOf(w), value);
}

function walk(value: unknown, w: Walk): void {
  const out = w.out;
  switch (typeof value) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      out.push(value);
      return;
    case 'object':
      break;
    default:
      throw refuse(w, value);
  }
  if (value === null) {
    out.push(null);
    return;
  }
  if (isSharedArrayBuffer(value)) {
    out.push(value);
    return;
  }
  if (ArrayBuffer.isView(value)) {
    if (!isSharedArrayBuffer(value.buffer)) throw plainArrayBuffer(pathOf(w));
    out.push(value);
    return;
  }
  if (isArrayBuffer(value)) throw plainArrayBuffer(pathOf(w));
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) throw refuse(w, value);
  if (w.open.has(value)) throw sharedCycle(pathOf(w));
  w.open.add(value);
  const trail = w.trail;
  if (isArray) {
    const arr = value as unknown[];
    out.push(ARRAY_MARK, arr.length);
    for (let k = 0; k < arr.length; k++) {
      trail.push(k);
      walk(arr[k], w);
      trail.pop();
    }
  } else {
    const keys = Object.keys(value);
    out.push(OBJECT_MARK, keys.length);
    for (const key of keys) {
      out.push(key);
      trail.push(key);
      walk((value as Record<string, unknown>)[key], w);
      trail.pop();
    }
  }
  w.open.delete(value);
}

export function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return false;
  return true;
}

/**
 * Whether `value` still has exactly the leaves of `snapshot`, walking it without allocating
 * (the hot path of a loop called again with the same `shared`). A match means the value was
 * validated when the snapshot was taken and is unchanged since.
 */
export function matchesSnapshot(value: unknown, snapshot: Snapshot): boolean {
  return match(value, snapshot, 0) === snapshot.length;
}

/** Returns the snapshot position after `value`, or -1 at the first difference. */
function match(value: unknown, snap: Snapshot, at: number): number {
  if (at < 0 || at >= snap.length) return -1;
  const mark = snap[at];
  if (mark === ARRAY_MARK) {
    if (!Array.isArray(value) || value.length !== snap[at + 1]) return -1;
    let k = at + 2;
    for (let i = 0; i < value.length && k >= 0; i++) k = match(value[i], snap, k);
    return k;
  }
  if (mark === OBJECT_MARK) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return -1;
    let k = at + 2;
    let count = 0;
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      if (k < 0 || snap[k] !== key) return -1;
      k = match((value as Record<string, unknown>)[key], snap, k + 1);
      count++;
    }
    return count === snap[at + 1] ? k : -1;
  }
  return Object.is(value, mark) ? at + 1 : -1;
}

/**
 * What a body receives as `shared`, on every thread alike: shared memory (SharedArrayBuffers
 * and typed arrays on them) as it is, and every plain object and array as a frozen copy.
 * A body that writes to a plain value throws (bodies run in strict mode) on the calling
 * thread as on the workers, instead of changing one thread's copy; results go in shared
 * memory. `value` has been validated (snapshotShared).
 */
export function frozenView(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || isSharedArrayBuffer(value) || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenView));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // defineProperty: a key named __proto__ is data here, as structured clone keeps it.
    Object.defineProperty(out, key, { value: frozenView((value as Record<string, unknown>)[key]), enumerable: true });
  }
  return Object.freeze(out);
}

/** Freezes a worker's structured-clone copy of a `shared` payload in place (frozenView's shape). */
export function freezeCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || isSharedArrayBuffer(value) || ArrayBuffer.isView(value)) return value;
  for (const key of Object.keys(value)) freezeCopy((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}

const sabByteLength = Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'byteLength')!.get!;
const abByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')!.get!;
const tagOf = Function.prototype.call.bind(Object.prototype.toString) as (value: unknown) => string;

/**
 * Whether `value` is a SharedArrayBuffer, from any realm. The tag is a cheap first look; the
 * byteLength getter then checks the internal slot, which no object can fake (as Node's
 * util.types does).
 */
function isSharedArrayBuffer(value: unknown): value is SharedArrayBuffer {
  return tagOf(value) === '[object SharedArrayBuffer]' && brand(sabByteLength, value);
}

/** Whether `value` is a plain ArrayBuffer, likewise. */
function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return tagOf(value) === '[object ArrayBuffer]' && brand(abByteLength, value);
}

function brand(getter: () => number, value: unknown): boolean {
  try {
    getter.call(value);
    return true;
  } catch {
    return false;
  }
}
