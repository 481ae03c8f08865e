// The model binds to the code: each mutation of spec/model/mutations.ts, applied to the text of
// the built protocol, makes the model find a violation (a hang, a deadlock, a slot lost or run
// twice, a region joined early or wrongly a success). Counts print with PARAFOR_TRACE=1.
import { builtSource, check, counts, protocolOf } from './model/load.js';
import { MUTATIONS, mutate } from './model/mutations.js';
import type { Config, Result } from './model/checker.js';

const TRACE = process.env.PARAFOR_TRACE === '1';

/** The configurations tried in turn, the cheapest first (see spec/model-real.spec.ts for the full ones). */
const TRIES: readonly Config[] = [
  { name: 'sync, 1 worker, spurious', workers: 1, calls: 2, caller: 'sync', preemptions: 1, spurious: 1, deaths: 1, deathKinds: ['exit', 'crash'], maxStates: 400_000 },
  { name: 'async, 1 worker', workers: 1, calls: 2, caller: 'async', preemptions: 1, spurious: 0, deaths: 1, deathKinds: ['exit', 'crash'], maxStates: 400_000 },
  { name: 'async, 2 workers', workers: 2, calls: 2, caller: 'async', preemptions: 0, spurious: 0, deaths: 1, deathKinds: ['exit', 'crash'], maxStates: 400_000 },
  { name: 'sync, 1 worker, 2 preemptions', workers: 1, calls: 2, caller: 'sync', preemptions: 2, spurious: 0, deaths: 1, deathKinds: ['exit', 'crash'], maxStates: 1_000_000 },
  { name: 'sync, 2 workers', workers: 2, calls: 2, caller: 'sync', preemptions: 1, spurious: 0, deaths: 1, deathKinds: ['exit', 'crash'], maxStates: 1_500_000 },
];

describe('every mutation of the protocol is caught by the model', () => {
  const src = builtSource();
  for (const [k, m] of MUTATIONS.entries()) {
    test(m.name, () => {
      const P = protocolOf(mutate(src, m), `mutant-${k}`);
      let caught: { cfg: Config; r: Result } | undefined;
      for (const cfg of TRIES) {
        const r = check(P, cfg);
        if (TRACE) console.log(`${m.name}: ${counts(cfg, r)}${r.violation ? ` -> ${r.violation}` : ''}`);
        if (r.violation !== undefined) {
          caught = { cfg, r };
          break;
        }
      }
      if (caught === undefined) throw new Error(`mutation not caught: ${m.name}`);
      if (TRACE) console.log(`${m.name}: caught by "${caught.cfg.name}": ${caught.r.violation}\n  ${caught.r.trace!.slice(-12).join('\n  ')}`);
      expect(caught.r.violation).toMatch(/^(hang|deadlock|stall|slot|region|a thread|after the recovery|the done stamp|w\d|recovery)/);
    });
  }
});
