// One-line mutations of the built protocol (dist/protocol/transitions.js), each located by an
// exact string that must occur once: the two historical hangs and the faults a reviewer would
// try. spec/model-mutations.spec.ts requires the model to catch each.
export interface Mutation {
  readonly name: string;
  readonly find: string;
  readonly replace: string;
}

export const MUTATIONS: readonly Mutation[] = [
  {
    name: 'releaseHeld clears the hold before it finishes the slot (historical hang)',
    find: 'finishSlot(i32, doneTarget);\n    Atomics.store(i32, holdWord(id), 0);',
    replace: 'Atomics.store(i32, holdWord(id), 0);\n    finishSlot(i32, doneTarget);',
  },
  {
    name: 'the join sleeps without its time slice (historical hang)',
    find: 'Atomics.wait(i32, index, v, JOIN_SLICE_MS);',
    replace: 'Atomics.wait(i32, index, v);',
  },
  {
    name: 'finishSlot never notifies the join',
    find: 'if (((Atomics.add(i32, CTRL_DONE, 1) + 1) | 0) === doneTarget)\n        Atomics.notify(i32, CTRL_DONE);',
    replace: 'Atomics.add(i32, CTRL_DONE, 1);',
  },
  {
    name: 'claimHeld does not say HOLD_CLAIMING before it claims',
    find: 'Atomics.store(i32, hold, HOLD_CLAIMING);',
    replace: ';',
  },
  {
    name: 'claimHeld does not name the region it holds a slot of',
    find: 'Atomics.store(i32, hold, slot < 0 ? 0 : i32[CTRL_REGION]);',
    replace: 'Atomics.store(i32, hold, 0);',
  },
  {
    name: 'markDead does not mark the dead word',
    find: 'Atomics.store(i32, deadWord(id), DEAD);',
    replace: ';',
  },
  {
    name: 'openRegion does not wake the sleepers',
    find: '    wakeForRegion(i32, maxWorker);\n}',
    replace: '}',
  },
  {
    name: 'endServing does not fail the slot whose body exited',
    find: '    failSlot(i32, slot);\n    releaseHeld(i32, id, doneTarget);',
    replace: '    releaseHeld(i32, id, doneTarget);',
  },
  {
    name: 'settleDeath ignores a death while claiming',
    find: '(hold === r.id || hold === HOLD_CLAIMING)',
    replace: '(hold === r.id)',
  },
  {
    name: 'the join does not look at the deaths while it sleeps in slices',
    find: '        if (Atomics.load(i32, watch) !== watchValue)\n            return false;\n        // In slices',
    replace: '        // In slices',
  },
  {
    name: 'waitForEpoch sleeps without looking at the epoch again',
    find: 'if (Atomics.load(i32, CTRL_EPOCH) === seen && Atomics.load(i32, CTRL_STATE) === TEAM_OPEN)\n            Atomics.wait(i32, wake, ASLEEP);',
    replace: 'Atomics.wait(i32, wake, ASLEEP);',
  },
  {
    name: 'the asynchronous join sleeps without its time slice',
    find: 'Atomics.waitAsync(i32, CTRL_DONE, stamp, JOIN_SLICE_MS);',
    replace: 'Atomics.waitAsync(i32, CTRL_DONE, stamp);',
  },
];

/** `src` with mutation `m` applied; throws unless its string occurs exactly once. */
export function mutate(src: string, m: Mutation): string {
  const at = src.indexOf(m.find);
  if (at < 0 || src.indexOf(m.find, at + 1) >= 0) throw new Error(`mutation "${m.name}": its string must occur once in the protocol`);
  return src.slice(0, at) + m.replace + src.slice(at + m.find.length);
}
