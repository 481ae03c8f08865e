/**
 * The bodies a team knows, on the calling thread's side: each distinct body source gets an
 * id once, is compiled here (so that a body that cannot be compiled fails on the calling
 * thread), and its definition goes to every worker, now and to workers that start later.
 * Runners (run/slot.ts) are made per (body, loop kind). design.md#bodies-and-shared.
 */
import { bodySource, compileSource, isModuleBody, Runners, type ModuleBody, type Runner } from '../run/body.js';
import { notFunction } from '../errors.js';
import type { ToWorker } from '../protocol/messages.js';

type AnyFn = (...args: never[]) => unknown;

export class Registry {
  readonly #bodyIds = new Map<string, number>();
  #lastFn: unknown;
  #lastId = 0;
  readonly #definitions: ToWorker[] = [];
  readonly #bodies = new Map<number, AnyFn>();
  readonly #runners = new Runners((id) => this.#bodies.get(id));
  /** Sends a new definition to the workers there are. */
  readonly #send: (def: ToWorker) => void;

  constructor(send: (def: ToWorker) => void) {
    this.#send = send;
  }

  /** Every definition so far, for a worker that starts now. */
  get definitions(): readonly ToWorker[] {
    return this.#definitions;
  }

  /** The calling thread's compiled body `id` (undefined while a module body is still loading here). */
  body(id: number): AnyFn | undefined {
    return this.#bodies.get(id);
  }

  /**
   * The id of a body, registering it (and sending it to the workers) the first time its
   * source is seen. Looked up by source text, so a fresh closure with the same source (an
   * arrow written inside a function that is called again) is the same body; the last
   * function passed is remembered, so calling a loop again with it costs one comparison.
   */
  id(name: string, fn: unknown): number {
    if (fn === this.#lastFn && fn !== undefined) return this.#lastId;
    let key: string;
    if (typeof fn === 'function') key = `s${Function.prototype.toString.call(fn)}`;
    else if (isModuleBody(fn)) key = `m${fn.url}#${fn.name}`;
    else throw notFunction(name, fn);
    let id = this.#bodyIds.get(key);
    if (id === undefined) {
      const source = bodySource(name, fn);
      id = this.#bodyIds.size + 1;
      let def: ToWorker;
      if (typeof source === 'string') {
        // Compile here first: a body that cannot be compiled fails on the calling thread.
        this.#bodies.set(id, compileSource(name, source));
        def = { t: 'source', id, source };
      } else {
        def = { t: 'module', id, url: source.url, name: source.name };
        this.#loadModule(id, source);
      }
      this.#bodyIds.set(key, id);
      this.#definitions.push(def);
      this.#send(def);
    }
    this.#lastFn = fn;
    this.#lastId = id;
    return id;
  }

  #loadModule(id: number, source: ModuleBody): void {
    void import(source.url).then(
      (mod: Record<string, unknown>) => {
        const fn = mod[source.name];
        if (typeof fn === 'function') this.#bodies.set(id, fn as AnyFn);
      },
      () => undefined, // the workers report the failure, with the module's own error
    );
  }

  /** The calling thread's runner, or undefined while a module body is still loading here. */
  runner(bodyId: number, kind: number): Runner | undefined {
    return this.#runners.get(bodyId, kind);
  }
}
