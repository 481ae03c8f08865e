/**
 * `shared` payloads, on the calling thread's side: each new or changed payload gets a
 * version and goes to every worker once (workers keep the newest SHARED_CACHE); a payload
 * whose leaves did not change keeps its version, so the hot path sends nothing. Bodies on
 * the calling thread get the same frozen view as the workers' copies (run/shared.ts,
 * frozenView). design.md#bodies-and-shared.
 */
import { SHARED_CACHE, type ToWorker } from '../protocol/messages.js';
import { frozenView, matchesSnapshot, sameSnapshot, snapshotShared, type Snapshot } from '../run/shared.js';

export class Payloads {
  readonly #sharedByObject = new WeakMap<object, { version: number; snapshot: Snapshot }>();
  #sharedPrimitive: { version: number; value: unknown } | undefined;
  #lastPayload: { version: number; snapshot: Snapshot } | undefined;
  /** The object `shared` last matched, and its entry in #sharedByObject. */
  #lastSharedObject: object | undefined;
  #lastSharedEntry: { version: number; snapshot: Snapshot } | undefined;
  readonly #payloads = new Map<number, unknown>();
  /** Frozen views of recent payloads by version (frozenView), and the last one used. */
  readonly #views = new Map<number, unknown>();
  #viewVersion = 0;
  #view: unknown;
  #sharedVersion = 0;
  /** Sends a new payload to the workers there are. */
  readonly #send: (msg: ToWorker) => void;

  constructor(send: (msg: ToWorker) => void) {
    this.#send = send;
  }

  /** The payloads the workers may still need, for a worker that starts now. */
  *messages(): Iterable<ToWorker> {
    for (const [version, value] of this.#payloads) yield { t: 'shared', version, value };
  }

  /**
   * The version of a `shared` payload, sending it to the workers when it is new or changed
   * (design.md#bodies-and-shared). Unchanged payloads cost a walk of their leaves and nothing more.
   */
  versionOf(value: unknown): number {
    if (value === undefined) return 0;
    const isObject = typeof value === 'object' && value !== null;
    // Versions older than this have left the workers' caches.
    const oldest = this.#sharedVersion - SHARED_CACHE;
    if (isObject) {
      // The same object as last time (a loop called again) needs no WeakMap lookup.
      const prev = value === this.#lastSharedObject ? this.#lastSharedEntry : this.#sharedByObject.get(value);
      if (prev !== undefined && prev.version > oldest && matchesSnapshot(value, prev.snapshot)) {
        this.#lastSharedObject = value;
        this.#lastSharedEntry = prev;
        return prev.version;
      }
    }
    // A new object with the same leaves as the last payload (`{ shared: { a, b } }` written
    // in the call, parallelMap's wrapper around the same items) is the same payload: nothing
    // to send, and compared in place, without taking a snapshot.
    const last = this.#lastPayload;
    if (isObject && last !== undefined && last.version > oldest && matchesSnapshot(value, last.snapshot)) {
      // Not put in the WeakMap: an object made for one call would cost an entry each call.
      this.#lastSharedObject = value;
      this.#lastSharedEntry = last;
      return last.version;
    }
    const snapshot = snapshotShared(value);
    if (last !== undefined && last.version > oldest && sameSnapshot(last.snapshot, snapshot)) {
      return isObject ? this.#remember(value, last) : last.version;
    }
    if (isObject) {
      const prev = this.#sharedByObject.get(value);
      if (prev !== undefined && prev.version > oldest && sameSnapshot(prev.snapshot, snapshot)) return this.#remember(value, prev);
    } else if (this.#sharedPrimitive !== undefined && this.#sharedPrimitive.version > oldest && Object.is(this.#sharedPrimitive.value, value)) {
      return this.#sharedPrimitive.version;
    }
    const version = ++this.#sharedVersion;
    this.#lastPayload = { version, snapshot };
    if (isObject) this.#remember(value, this.#lastPayload);
    else this.#sharedPrimitive = { version, value };
    this.#payloads.set(version, value);
    this.#payloads.delete(version - SHARED_CACHE);
    const msg: ToWorker = { t: 'shared', version, value };
    this.#send(msg);
    return version;
  }

  /** What bodies on the calling thread get for payload `version` of `value`: the frozen view every thread sees. */
  viewOf(version: number, value: unknown): unknown {
    if (version === 0) return undefined;
    if (version === this.#viewVersion) return this.#view;
    let view = this.#views.get(version);
    if (view === undefined && !this.#views.has(version)) {
      view = frozenView(value);
      this.#views.set(version, view);
      this.#views.delete(version - SHARED_CACHE);
    }
    this.#viewVersion = version;
    this.#view = view;
    return view;
  }

  /** Records the payload entry of a `shared` object, as the one to try first next time; returns its version. */
  #remember(value: object, entry: { version: number; snapshot: Snapshot }): number {
    this.#sharedByObject.set(value, entry);
    this.#lastSharedObject = value;
    this.#lastSharedEntry = entry;
    return entry.version;
  }

  /**
   * Admits a call's `shared` option (checks it, versions it, sends a new version to every
   * worker) and sets `call.shared` to the frozen view bodies get; returns its version.
   */
  admit(call: { shared: unknown }): number {
    const version = this.versionOf(call.shared);
    call.shared = this.viewOf(version, call.shared);
    return version;
  }
}
