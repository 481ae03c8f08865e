// The wait protocol on its own (lib/wait.ts, design.md#sleepers): raw worker threads that
// wait for the epoch exactly as team workers do, driven by a caller that bumps the epoch and
// wakes ids 1..m with the functions the team uses. Run in a child process, so that Jest's
// realm plays no part in the threads. A stress run cannot prove that no window is left
// (design.md#sleepers argues it); it shows that none is wide enough to hit.
import { runNode } from './helpers.js';

/**
 * A child program: W raw workers loop { seen = epoch; if (id <= m) ack the round; wait for
 * the epoch with spin `spinUs` on their own wake word }. `main` is the caller's script; it
 * gets `round(m, spinUs)` (publish a round for ids 1..m and wait until they acked), `returns`
 * (times each worker came back from waitForEpoch), and `close()`.
 */
function program(workers: number, main: string): string {
  return `
import { Worker } from 'node:worker_threads';
import { CONTROL_BYTES, CTRL_EPOCH, CTRL_STATE, MAX_THREADS, TEAM_CLOSING } from './dist/protocol/control.js';
import { wakeAll, wakeForRegion } from './dist/protocol/transitions.js';
const W = ${workers};
const control = new SharedArrayBuffer(CONTROL_BYTES);
const i32 = new Int32Array(control);
// (execArgv: [] keeps this process's --input-type=module from making the eval'd worker an ES module.)
// box: [0] round, [1] m, [2] spinUs, [3] acks this round, [8 + id] times worker id returned from its wait
const box = new Int32Array(new SharedArrayBuffer(4 * 64));
const returns = (id) => Atomics.load(box, 8 + id);
const src = \`
const { workerData } = require('node:worker_threads');
(async () => {
  const { CTRL_EPOCH, CTRL_STATE, TEAM_OPEN, wakeWord } = await import(workerData.control);
  const { waitForEpoch } = await import(workerData.wait);
  const i32 = new Int32Array(workerData.sab);
  const box = new Int32Array(workerData.box);
  const id = workerData.id;
  let acked = 0;
  for (;;) {
    const seen = Atomics.load(i32, CTRL_EPOCH);
    if (Atomics.load(i32, CTRL_STATE) !== TEAM_OPEN) break;
    const round = Atomics.load(box, 0);
    if (id <= Atomics.load(box, 1) && round > acked) {
      acked = round;
      Atomics.add(box, 3, 1);
      Atomics.notify(box, 3);
    }
    waitForEpoch(i32, seen, Atomics.load(box, 2), wakeWord(id));
    Atomics.add(box, 8 + id, 1);
  }
})();
\`;
const threads = [];
for (let id = 1; id <= W; id++) {
  threads.push(new Worker(src, { eval: true, execArgv: [], workerData: { id, sab: control, box: box.buffer,
    control: new URL('./dist/protocol/control.js', 'file://' + process.cwd() + '/').href,
    wait: new URL('./dist/protocol/transitions.js', 'file://' + process.cwd() + '/').href } }));
}
let rounds = 0;
function round(m, spinUs) {
  Atomics.store(box, 3, 0);
  Atomics.store(box, 1, m);
  Atomics.store(box, 2, spinUs);
  Atomics.store(box, 0, ++rounds);
  Atomics.add(i32, CTRL_EPOCH, 1);
  wakeForRegion(i32, m); // what Team#publish calls: wakes only if CTRL_SLEEPERS > 0, then ids 1..m
  const give = Date.now() + 10000;
  for (let a = Atomics.load(box, 3); a < m; a = Atomics.load(box, 3)) {
    if (Date.now() > give) throw new Error('round ' + rounds + ': ' + a + ' of ' + m + ' workers acked within 10 s (a lost wake-up)');
    Atomics.wait(box, 3, a, 100);
  }
}
async function close() {
  Atomics.store(i32, CTRL_STATE, TEAM_CLOSING);
  Atomics.add(i32, CTRL_EPOCH, 1);
  wakeAll(i32, MAX_THREADS); // what close() calls
  await Promise.all(threads.map((t) => new Promise((resolve) => t.once('exit', resolve))));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await sleep(300); // let every worker reach its first wait
${main}
`;
}

describe('waiting for the epoch (wake words)', () => {
  test('a round wakes only the workers it names; the others sleep through it and wake when named', () => {
    const res = runNode(
      program(
        3,
        `
round(3, 0);
await sleep(100);
const before = [1, 2, 3].map(returns);
round(1, 0);
await sleep(300);
const after = [1, 2, 3].map(returns);
round(3, 0);
await close();
console.log(JSON.stringify({ before, after, final: [1, 2, 3].map(returns) }));
`,
      ),
    );
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const { before, after, final } = JSON.parse(res.stdout) as { before: number[]; after: number[]; final: number[] };
    // Worker 1 came back for the round that named it; 2 and 3 did not move while it ran.
    expect(after[0]).toBeGreaterThan(before[0]!);
    expect(after[1]).toBe(before[1]);
    expect(after[2]).toBe(before[2]);
    // Named again, they woke (and close() woke everyone).
    expect(final[1]).toBeGreaterThan(after[1]!);
    expect(final[2]).toBeGreaterThan(after[2]!);
  });

  test('no lost wake-up: 3000 rounds naming random workers, spinning or not, with more workers than cores', () => {
    const res = runNode(
      program(
        4,
        `
let seed = 12345;
const rand = (k) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % k);
for (let r = 0; r < 3000; r++) round(1 + rand(4), rand(3) === 0 ? 0 : rand(50));
await close();
console.log('ok');
`,
      ),
      {},
      120_000,
    );
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe('ok');
    expect(res.status).toBe(0);
  });
});
