/**
 * Where a call runs: one decision for synchronous, asynchronous and map calls alike
 * (design.md#dispatch). The routes, in the order they are tried:
 *   - EMPTY: no iterations. Nothing runs; a reduction returns its identity.
 *   - NESTED: called from inside a body. It runs serially on this thread with the body as
 *     written (the team is busy with the outer call: nesting never waits for it).
 *   - TEAM, first pass: a body that has no runner on this thread yet (a module body still
 *     loading), and a call with a timeout whose calling thread must stay free to end it at
 *     its deadline (a thread running a body cannot stop it; design.md#faults). A synchronous
 *     call made while an asynchronous one holds the team keeps its timeout on this thread.
 *   - HERE: on the calling thread alone. A synchronous call with `if: false`, one thread, or
 *     made while an asynchronous call holds the team; a call predicted to take less than
 *     `serialBelowUs` (the serial fallback); a map whose items cost less than moving them.
 *   - PROBE: a map whose cost is still unknown runs its head here for the fallback's
 *     threshold, then sends what is left to the team (the calling thread of a parallel run
 *     may find every slot taken and measure nothing: a small map would wake threads for ever).
 *   - TEAM: a fork/join on the team.
 * An asynchronous call is routed when it is made (EMPTY and NESTED settle it at once) and
 * again when its turn in the queue comes, on the state of that moment.
 */
import { KIND_REGION } from '../protocol/control.js';
import { insideRegion } from '../run/state.js';
import type { Call } from './call.js';
import { MAP_ITEM_US } from './constructs.js';
import { CostModel } from './cost.js';
import type { Registry } from './registry.js';

export const ROUTE_EMPTY = 0;
export const ROUTE_NESTED = 1;
export const ROUTE_HERE = 2;
export const ROUTE_PROBE = 3;
export const ROUTE_TEAM = 4;

/** How a call was made. */
export interface CallForm {
  /** An asynchronous call: its calling thread runs no body (it keeps the event loop free). */
  readonly forAsync: boolean;
  /** A parallelMap: its items can run here in one loop (constructs.ts, runMapHere). */
  readonly map: boolean;
}

export const SYNC: CallForm = { forAsync: false, map: false };
export const ASYNC: CallForm = { forAsync: true, map: false };
export const SYNC_MAP: CallForm = { forAsync: false, map: true };
export const ASYNC_MAP: CallForm = { forAsync: true, map: true };

/** Decides where calls run, from the call, how it was made, the team's state and the measured costs. */
export class Dispatch {
  readonly #registry: Registry;
  readonly #costs: CostModel;
  readonly #asyncHeld: () => boolean;

  constructor(registry: Registry, costs: CostModel, asyncHeld: () => boolean) {
    this.#registry = registry;
    this.#costs = costs;
    this.#asyncHeld = asyncHeld;
  }

  /** The route (ROUTE_*) of `call`, made in `form`, now. */
  route(call: Call, form: CallForm): number {
    if (call.end <= call.start) return ROUTE_EMPTY;
    if (insideRegion()) return ROUTE_NESTED;
    const s = call.settings;
    const held = this.#asyncHeld();
    if (this.#registry.runner(call.body, call.kind) === undefined) return ROUTE_TEAM;
    if (s.timeout !== undefined && (form.forAsync || !held)) return ROUTE_TEAM;
    if (!form.forAsync && (!s.parallel || s.numThreads === 1 || held)) return ROUTE_HERE;
    if (s.serialBelowUs === 0 || call.kind === KIND_REGION) return ROUTE_TEAM;
    const key = CostModel.key(call.body, call.kind);
    if (form.map) {
      if (!this.#costs.known(key)) return ROUTE_PROBE;
      if (this.#costs.below(key, 1, MAP_ITEM_US)) return ROUTE_HERE;
    }
    return this.#costs.below(key, call.end - call.start, s.serialBelowUs) ? ROUTE_HERE : ROUTE_TEAM;
  }
}
