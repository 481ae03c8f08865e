// Where a call runs (lib/call/dispatch.ts, design.md#dispatch): the decision table on its own,
// with a cost model fed by hand, then every route end to end with exact results.
import { ASYNC, ASYNC_MAP, Dispatch, ROUTE_EMPTY, ROUTE_HERE, ROUTE_NESTED, ROUTE_PROBE, ROUTE_TEAM, SYNC, SYNC_MAP } from '#internal/call/dispatch.js';
import { CostModel } from '#internal/call/cost.js';
import { enterRegion, leaveRegion } from '#internal/run/state.js';
import { KIND_FOR, KIND_REDUCE_RANGE, KIND_REGION } from '#internal/protocol/control.js';
import { Team } from 'parafor';

const BODY = 3;

/** A call as dispatch reads it. */
function call(kind: number, n: number, settings: Record<string, unknown> = {}) {
  return {
    kind,
    start: 0,
    end: n,
    body: BODY,
    settings: { parallel: true, numThreads: 2, serialBelowUs: 20, timeout: undefined, ...settings },
  } as never;
}

function dispatch(opts: { runner?: boolean; held?: boolean; nsPerIteration?: number } = {}) {
  const costs = new CostModel();
  if (opts.nsPerIteration !== undefined) {
    costs.learn(CostModel.key(BODY, KIND_FOR), opts.nsPerIteration, false);
    costs.learn(CostModel.key(BODY, KIND_REDUCE_RANGE), opts.nsPerIteration, false);
  }
  const registry = { runner: () => (opts.runner === false ? undefined : () => undefined) };
  return new Dispatch(registry as never, costs, () => opts.held === true);
}

describe('Dispatch.route', () => {
  test('empty, then nested, come first, for every form', () => {
    for (const form of [SYNC, ASYNC, SYNC_MAP, ASYNC_MAP]) {
      expect(dispatch().route(call(KIND_FOR, 0), form)).toBe(ROUTE_EMPTY);
      enterRegion();
      try {
        expect(dispatch({ runner: false }).route(call(KIND_FOR, 10, { timeout: 5 }), form)).toBe(ROUTE_NESTED);
      } finally {
        leaveRegion();
      }
    }
  });

  test('a body with no runner here, and a call with a timeout, go to the team', () => {
    expect(dispatch({ runner: false, nsPerIteration: 1 }).route(call(KIND_FOR, 10), SYNC)).toBe(ROUTE_TEAM);
    expect(dispatch({ runner: false }).route(call(KIND_FOR, 10, { parallel: false }), SYNC)).toBe(ROUTE_TEAM);
    expect(dispatch({ nsPerIteration: 1 }).route(call(KIND_FOR, 10, { timeout: 50 }), SYNC)).toBe(ROUTE_TEAM);
    expect(dispatch({ nsPerIteration: 1 }).route(call(KIND_FOR, 10, { timeout: 50 }), ASYNC)).toBe(ROUTE_TEAM);
    // A synchronous call made while an asynchronous one holds the team keeps its timeout here.
    expect(dispatch({ held: true }).route(call(KIND_FOR, 10, { timeout: 50 }), SYNC)).toBe(ROUTE_HERE);
    expect(dispatch({ held: true }).route(call(KIND_FOR, 10, { timeout: 50 }), ASYNC)).toBe(ROUTE_TEAM);
  });

  test('if: false, one thread, or a held team run a synchronous call here whatever its size; an asynchronous one goes to the team', () => {
    for (const settings of [{ parallel: false }, { numThreads: 1 }]) {
      expect(dispatch().route(call(KIND_FOR, 1e9, settings), SYNC)).toBe(ROUTE_HERE);
      expect(dispatch().route(call(KIND_FOR, 1e9, settings), SYNC_MAP)).toBe(ROUTE_HERE);
      expect(dispatch().route(call(KIND_FOR, 1e9, { ...settings, serialBelowUs: 0 }), ASYNC)).toBe(ROUTE_TEAM);
    }
    expect(dispatch({ held: true }).route(call(KIND_FOR, 1e9), SYNC)).toBe(ROUTE_HERE);
    expect(dispatch({ held: true }).route(call(KIND_FOR, 1e9, { serialBelowUs: 0 }), ASYNC)).toBe(ROUTE_TEAM);
  });

  test('the serial fallback: under serialBelowUs runs here, above it, unknown, forced or a region goes to the team', () => {
    // 100 ns per iteration: 100 iterations take 10 us, under 20 us; 1000 take 100 us.
    expect(dispatch({ nsPerIteration: 100 }).route(call(KIND_FOR, 100), SYNC)).toBe(ROUTE_HERE);
    expect(dispatch({ nsPerIteration: 100 }).route(call(KIND_FOR, 100), ASYNC)).toBe(ROUTE_HERE);
    expect(dispatch({ nsPerIteration: 100 }).route(call(KIND_FOR, 1000), SYNC)).toBe(ROUTE_TEAM);
    expect(dispatch().route(call(KIND_FOR, 100), SYNC)).toBe(ROUTE_TEAM);
    expect(dispatch({ nsPerIteration: 100 }).route(call(KIND_FOR, 100, { serialBelowUs: 0 }), SYNC)).toBe(ROUTE_TEAM);
    expect(dispatch({ nsPerIteration: 100 }).route(call(KIND_REGION, 2), SYNC)).toBe(ROUTE_TEAM);
  });

  test('a map: probed while its cost is unknown, here when its items are cheaper than moving them', () => {
    expect(dispatch().route(call(KIND_REDUCE_RANGE, 1000), SYNC_MAP)).toBe(ROUTE_PROBE);
    expect(dispatch().route(call(KIND_REDUCE_RANGE, 1000), ASYNC_MAP)).toBe(ROUTE_PROBE);
    // 0.1 ns an item is under MAP_ITEM_US: here at any size.
    expect(dispatch({ nsPerIteration: 0.1 }).route(call(KIND_REDUCE_RANGE, 1e8), ASYNC_MAP)).toBe(ROUTE_HERE);
    // 1 us an item: 1000 items take 1 ms, above serialBelowUs: the team.
    expect(dispatch({ nsPerIteration: 1000 }).route(call(KIND_REDUCE_RANGE, 1000), SYNC_MAP)).toBe(ROUTE_TEAM);
    // The same call as a plain range reduction is never probed.
    expect(dispatch().route(call(KIND_REDUCE_RANGE, 1000), SYNC)).toBe(ROUTE_TEAM);
  });
});

describe('every route, end to end', () => {
  const team = new Team({ numThreads: 2 });
  afterAll(() => team.close());

  test('a probed map whose rest is small runs that rest here too, sync and async', async () => {
    // Each item busy-waits about 10 us. With serialBelowUs = 2000 the probe maps about 2 ms of
    // items here; the rest (under 2 ms) is predicted under the threshold: it runs here too.
    // New sources each time: every call starts with an unknown cost, so every call probes.
    for (let k = 0; k < 6; k++) {
      const n = 250 + 25 * k;
      const items = Array.from({ length: n }, (_, i) => i);
      const fn = new Function('x', `/* ${k} */ const t = performance.now(); while (performance.now() - t < 0.01); return x * 3;`) as (x: number) => number;
      const want = items.map((x) => x * 3);
      expect(team.parallelMapSync(items, fn, { serialBelowUs: 2000 })).toEqual(want);
      const fnAsync = new Function('x', `/* async ${k} */ const t = performance.now(); while (performance.now() - t < 0.01); return x * 3;`) as (x: number) => number;
      expect(await team.parallelMap(items, fnAsync, { serialBelowUs: 2000 })).toEqual(want);
    }
  });

  test('empty, here and team give exact results in both forms (nested calls: team.spec, every call form nests)', async () => {
    const sq = (acc: number, i: number) => acc + i * i;
    const want = (n: number) => (n * (n - 1) * (2 * n - 1)) / 6;
    expect(team.parallelReduceSync(5, 5, sq, 'sum')).toBe(0);
    expect(await team.parallelReduce(5, 5, sq, 'sum')).toBe(0);
    expect(team.parallelReduceSync(0, 100, sq, 'sum', { if: false })).toBe(want(100));
    expect(await team.parallelReduce(0, 100, sq, 'sum', { if: false })).toBe(want(100));
    expect(team.parallelReduceSync(0, 100_000, sq, 'sum', { serialBelowUs: 0 })).toBe(want(100_000));
    expect(await team.parallelReduce(0, 100_000, sq, 'sum', { serialBelowUs: 0 })).toBe(want(100_000));
  });
});
