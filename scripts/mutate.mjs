// The mutation gate: a catalogue of realistic one-line mutations of the protocol (the
// transitions in lib/protocol/transitions.ts and the code around them in lib/run/ and
// lib/threads/worker.ts: reordered stores, dropped notifies and fails, joins without their
// time slice, skipped hold words, a missing dead mark, ...), each of which breaks a promise of
// parafor: a result that is exact or a call that rejects, never a hang, and a warm call that
// settles within a few milliseconds. Each mutation is applied to a scratch copy of the
// package, built, and run against a set of checks that must catch it (fail); a mutation that
// every check passes is MISSED.
//
//   npm run mutate -- [--quick] [--all] [--only id,id] [--keep] [--list]
//
//   --quick  the fast checks (the model check of the shipped code, spec/model-real.spec.ts;
//            the older model spec without its longest exploration, the latency spec, the
//            faults spec, an 8 s chaos run); by default the same model check, the older model
//            spec in full, the latency, faults and recovery specs, and a 20 s chaos run.
//   --all    runs every check on every mutation (which checks catch what), instead of
//            stopping at the first that catches it.
//   --only   the mutations with these ids; --list prints the catalogue; --keep keeps the
//            scratch copy.
//
// Each mutation names the exact source text it replaces, which must occur exactly once in its
// file: when the source changes so that a mutation no longer applies, the gate says so and
// fails (exit 2) rather than skip it. The checks must pass on the unmutated copy first (exit
// 2 otherwise). A check that outlives its time limit without reporting a failure itself is
// killed and does not count as catching the mutation (the specs run with a per-test timeout
// and chaos with its watchdog, so a hang that they can see is reported by them). A check with
// time bounds (latency, faults, chaos) that fails on a mutant is run again on the unmutated
// copy: when it fails there too (a loaded machine), the failure is not counted as a catch.
//
// Prints the table mutation -> the checks that caught it (or MISSED) and caught/total.
// Exit status: 0 when every mutation was caught, 1 when one was missed, 2 when the gate
// itself could not run.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---- the catalogue ------------------------------------------------------------------------

const T = 'lib/protocol/transitions.ts';

/** worker.ts's exit hook, from its first line to the line before it gives its slot up. */
const EXIT_HOOK_BODY = [
  'onExit((code) => {',
  '  const slot = holdingSlot;',
  '  const region = holdingRegion;',
  '  holdingSlot = -1;',
  '  if (slot >= 0 && region !== undefined) {',
  '    const error = recordError(bodyCalledExit(code, id), {',
  '      index: scratch.index,',
  '      chunk: [region.start, region.end],',
  '      threadId: slot,',
  '    });',
  '    // The error first: the caller reads it once the region completes.',
  "    post({ t: 'error', region: region.id, error: { ...error, name: 'WorkerDiedError' } });",
  '  }',
  '',
].join('\n');

/**
 * id, file, the exact text replaced (once in the file), its replacement, and what breaks.
 * Keep each one a change a reviewer could let through: one line dropped, two swapped, one
 * condition or argument changed.
 */
const CATALOGUE = [
  {
    id: 'release-hold-first',
    file: T,
    find: '  finishSlot(i32, doneTarget);\n  Atomics.store(i32, holdWord(id), 0);\n',
    replace: '  Atomics.store(i32, holdWord(id), 0);\n  finishSlot(i32, doneTarget);\n',
    what: 'releaseHeld clears the hold before finishing: a death between the two loses the slot unnamed (historical hang)',
  },
  {
    id: 'join-unsliced',
    file: T,
    find: '    Atomics.wait(i32, index, v, JOIN_SLICE_MS);\n',
    replace: '    Atomics.wait(i32, index, v);\n',
    what: "the synchronous join sleeps without its time slice: a death's notify just before the sleep is lost (historical hang)",
  },
  {
    id: 'async-join-unsliced',
    file: T,
    find: '  const w = Atomics.waitAsync(i32, CTRL_DONE, stamp, JOIN_SLICE_MS);\n',
    replace: '  const w = Atomics.waitAsync(i32, CTRL_DONE, stamp);\n',
    what: 'the asynchronous join waits without its time slice',
  },
  {
    id: 'finish-no-notify',
    file: T,
    find: '  if (((Atomics.add(i32, CTRL_DONE, 1) + 1) | 0) === doneTarget) Atomics.notify(i32, CTRL_DONE);\n',
    replace: '  Atomics.add(i32, CTRL_DONE, 1);\n',
    what: 'the last finish does not wake the caller: every join that sleeps waits out its 50 ms slice',
  },
  {
    id: 'claim-no-claiming-mark',
    file: T,
    find: '  Atomics.store(i32, hold, HOLD_CLAIMING);\n',
    replace: '',
    what: 'a claim does not say HOLD_CLAIMING first: a death between the claim and the hold store loses the slot',
  },
  {
    id: 'claim-no-hold',
    file: T,
    find: '  Atomics.store(i32, hold, slot < 0 ? 0 : (i32[CTRL_REGION] as number));\n',
    replace: '  Atomics.store(i32, hold, 0);\n',
    what: 'a claim never records the region it holds a slot of: a death while running it is not tied to the region',
  },
  {
    id: 'dead-no-mark',
    file: T,
    find: '  Atomics.store(i32, deadWord(id), DEAD);\n',
    replace: '',
    what: 'markDead does not mark the worker dead',
  },
  {
    id: 'dead-no-count',
    file: T,
    find: '  Atomics.add(i32, CTRL_DEATHS, 1);\n',
    replace: '',
    what: 'markDead does not count the death: the caller never reaps',
  },
  {
    id: 'dead-no-join-notify',
    file: T,
    find: '  bumpOnline(i32);\n  Atomics.notify(i32, CTRL_DONE);\n',
    replace: '  bumpOnline(i32);\n',
    what: 'markDead does not wake a sleeping join',
  },
  {
    id: 'exit-no-fail',
    file: T,
    find: '  failSlot(i32, slot);\n  releaseHeld(i32, id, doneTarget);\n',
    replace: '  releaseHeld(i32, id, doneTarget);\n',
    what: 'the exit hook finishes its slot without failing it: the call resolves with that slot unrun',
  },
  {
    id: 'exit-no-release',
    file: T,
    find: '  failSlot(i32, slot);\n  releaseHeld(i32, id, doneTarget);\n',
    replace: '  failSlot(i32, slot);\n',
    what: 'the exit hook fails its slot but never finishes it',
  },
  {
    id: 'open-epoch-first',
    file: T,
    find: '  Atomics.store(i32, CTRL_SLOTS, p);\n  Atomics.add(i32, CTRL_EPOCH, 1);\n',
    replace: '  Atomics.add(i32, CTRL_EPOCH, 1);\n  Atomics.store(i32, CTRL_SLOTS, p);\n',
    what: 'a region bumps the epoch before opening its slots: a worker that looks in between finds nothing and sleeps through it',
  },
  {
    id: 'sleep-no-last-look',
    file: T,
    find: '    if (Atomics.load(i32, CTRL_EPOCH) === seen && Atomics.load(i32, CTRL_STATE) === TEAM_OPEN) Atomics.wait(i32, wake, ASLEEP);\n',
    replace: '    Atomics.wait(i32, wake, ASLEEP);\n',
    what: "a worker sleeps without its last look at the epoch after counting itself: a region published in between is slept through (the sleepers' Dekker pattern)",
  },
  {
    id: 'wake-skips-last-worker',
    file: T,
    find: '  for (let id = 1; id <= maxWorker; id++) {\n    const w = wakeWord(id);\n    if (i32[w] !== AWAKE',
    replace: '  for (let id = 1; id < maxWorker; id++) {\n    const w = wakeWord(id);\n    if (i32[w] !== AWAKE',
    what: 'a region never wakes the last worker it uses',
  },
  {
    id: 'skip-unclaimed-unfinished',
    file: T,
    find: '  for (let slot = claimSlot(i32); slot >= 0; slot = claimSlot(i32)) finishSlot(i32, doneTarget);\n',
    replace: '  for (let slot = claimSlot(i32); slot >= 0; slot = claimSlot(i32));\n',
    what: 'a cancelled region claims its unclaimed slots without finishing them: its join waits for ever',
  },
  {
    id: 'fail-region-no-halt',
    file: T,
    find: '  const set = Atomics.compareExchange(sync, CTRL_ERROR, 0, code) === 0;\n  haltRegion(sync);\n',
    replace: '  const set = Atomics.compareExchange(sync, CTRL_ERROR, 0, code) === 0;\n',
    what: 'a cancelled region is not halted: dynamic loops run to their end after the cancel',
  },
  {
    id: 'slot-error-no-fail',
    file: 'lib/run/slot.ts',
    find: '    scratch.error = recordError(thrown, { index: scratch.index, chunk: [scratch.lo, scratch.hi], threadId: slot });\n    failSlot(sync, slot);\n',
    replace: '    scratch.error = recordError(thrown, { index: scratch.index, chunk: [scratch.lo, scratch.hi], threadId: slot });\n',
    what: "a body's error is recorded but its slot is not failed: the call resolves as if it succeeded",
  },
  {
    id: 'exit-hook-release-first',
    file: 'lib/threads/worker.ts',
    // The hook's last line moved to its top (the text between is the hook as it is).
    find: EXIT_HOOK_BODY + '  endServing(i32, id, slot, region?.doneTarget ?? 0);\n',
    replace: '  endServing(i32, id, holdingSlot, holdingRegion?.doneTarget ?? 0);\n' + EXIT_HOOK_BODY,
    what: "the exit hook gives its slot up before posting the error: the caller may read the region's messages before the error arrives",
  },
];

// ---- arguments --------------------------------------------------------------------------

function parseArgs(argv) {
  const out = { quick: false, all: false, only: undefined, keep: false, list: false };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--quick') out.quick = true;
    else if (a === '--all') out.all = true;
    else if (a === '--keep') out.keep = true;
    else if (a === '--list') out.list = true;
    else if (a === '--only') out.only = String(argv[++k] ?? '').split(',').filter(Boolean);
    else throw new RangeError(`unknown argument ${a}; usage: mutate.mjs [--quick] [--all] [--only id,id] [--keep] [--list]`);
  }
  return out;
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (err) {
  console.log(err.message);
  process.exit(2);
}
if (args.list) {
  for (const m of CATALOGUE) console.log(`${m.id.padEnd(28)} ${m.file}: ${m.what}`);
  process.exit(0);
}
const ids = new Set(CATALOGUE.map((m) => m.id));
if (ids.size !== CATALOGUE.length) throw new Error('mutate: two mutations share an id');
for (const id of args.only ?? []) {
  if (!ids.has(id)) {
    console.log(`mutate: no mutation ${id} (--list names them)`);
    process.exit(2);
  }
}
const chosen = args.only ? CATALOGUE.filter((m) => args.only.includes(m.id)) : CATALOGUE;

// ---- the checks -------------------------------------------------------------------------

const JEST = ['--experimental-vm-modules', '--no-warnings', 'node_modules/jest/bin/jest.js', '--runInBand', '--forceExit', '--ci'];
/** A spec file as a check: jest's own per-test timeout reports a test that does not settle. */
function spec(name, file, limitS, testTimeoutMs, extra = [], timed = false) {
  return { name, limitS, timed, argv: [...JEST, `--testTimeout=${testTimeoutMs}`, ...extra, `build/spec/${file}`] };
}
const CHAOS_SEED = 1;
function chaos(seconds) {
  // The watchdog reports a step that has not settled within 30 s plus its bound.
  return { name: `chaos ${seconds}s`, limitS: seconds + 60, timed: true, argv: ['scripts/chaos.mjs', '--seed', String(CHAOS_SEED), '--seconds', String(seconds)] };
}
const CHECKS = args.quick
  ? [
      spec('model of the shipped code', 'model-real.spec.js', 150, 120000),
      spec('model (quick)', 'protocol-model.spec.js', 90, 30000, ['--testNamePattern', '^(?!.*at most 3 preemptions)']),
      spec('latency', 'latency.spec.js', 60, 15000, [], true),
      spec('faults', 'faults.spec.js', 90, 15000, [], true),
      chaos(8),
    ]
  : [
      spec('model of the shipped code', 'model-real.spec.js', 150, 120000),
      spec('model', 'protocol-model.spec.js', 180, 120000),
      spec('latency', 'latency.spec.js', 60, 15000, [], true),
      spec('faults', 'faults.spec.js', 90, 15000, [], true),
      spec('recovery', 'recovery.spec.js', 150, 30000),
      chaos(20),
    ];

/**
 * Runs one check in the scratch copy: 'pass', 'caught' (it failed) or 'killed' (past its
 * limit, nothing reported). The caller turns a timed check's catch into 'flaky' when the check
 * fails on the unmutated copy too.
 */
function runCheck(dir, check) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, check.argv, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const take = (d) => {
      out += d;
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, check.limitS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      const verdict = killed ? 'killed' : code === 0 ? 'pass' : 'caught';
      resolve({ verdict, seconds, why: verdict === 'caught' ? firstFailure(out) : '' });
    });
  });
}

/** The first line of a check's output that says what failed. */
function firstFailure(out) {
  const lines = out.split('\n');
  const named = lines.find((l) => /^\s*● .+›/.test(l) || /^FAIL \[/.test(l) || /^HANG/.test(l));
  return (named ?? lines.find((l) => /FAIL|Error/.test(l)) ?? '').trim().slice(0, 140);
}

// ---- the scratch copy ---------------------------------------------------------------------

function copyPackage() {
  const dir = mkdtempSync(join(tmpdir(), 'parafor-mutate-'));
  for (const entry of ['lib', 'spec', 'scripts', 'docs', 'package.json', 'tsconfig.json', 'tsconfig.base.json']) {
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function build(dir) {
  for (const project of ['tsconfig.json', 'spec/tsconfig.json']) {
    const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mutate: tsc -p ${project} failed in the scratch copy:\n${r.stdout}${r.stderr}`);
  }
}

/** The compiler options of the package's build (tsconfig.json). */
function compilerOptions(dir) {
  const file = join(dir, 'tsconfig.json');
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(file, ts.sys.readFile).config, ts.sys, dir, undefined, file);
  // The package is an ES module (package.json type), which tsc's NodeNext emit follows and
  // a single file compiled on its own cannot see.
  return { ...parsed.options, module: ts.ModuleKind.ESNext };
}

/** dist/ path of a lib/ source file. */
const distOf = (file) => file.replace(/^lib\//, 'dist/').replace(/\.ts$/, '.js');

/** One source file compiled as tsc compiles it for dist/ (a mutation changes no types, so the other files stay as built). */
function emit(options, file, source) {
  return ts.transpileModule(source, { compilerOptions: options, fileName: file }).outputText;
}

// ---- the run ------------------------------------------------------------------------------

/** Applies a mutation to `source`: its text must occur exactly once. */
function mutated(m, source) {
  const at = source.indexOf(m.find);
  const again = at < 0 ? -1 : source.indexOf(m.find, at + 1);
  if (at < 0 || again >= 0) return { error: `${at < 0 ? 'no longer occurs' : 'occurs more than once'} in ${m.file}` };
  return { text: source.slice(0, at) + m.replace + source.slice(at + m.find.length) };
}

// Every mutation must apply before anything runs.
const stale = [];
for (const m of chosen) {
  const r = mutated(m, readFileSync(join(ROOT, m.file), 'utf8'));
  if (r.error) stale.push(`  ${m.id}: its source text ${r.error}`);
}
if (stale.length > 0) {
  console.log(`mutate: ${stale.length} mutation(s) no longer apply; update the catalogue (scripts/mutate.mjs) to the source:\n${stale.join('\n')}`);
  process.exit(2);
}

const tStart = performance.now();
const dir = copyPackage();
console.log(`mutate: ${chosen.length} mutations, ${args.quick ? 'quick' : 'full'} checks (${CHECKS.map((c) => c.name).join(', ')}), scratch copy ${dir}`);
let exitCode;
try {
  build(dir);
  const options = compilerOptions(dir);
  // The single-file build must give what tsc gave, or mutants would not be built like the package.
  for (const file of new Set(chosen.map((m) => m.file))) {
    const built = readFileSync(join(dir, distOf(file)), 'utf8');
    if (emit(options, file, readFileSync(join(dir, file), 'utf8')) !== built) {
      throw new Error(`mutate: compiling ${file} alone does not give tsc's ${distOf(file)}`);
    }
  }
  // The checks must pass without a mutation: a failing check would "catch" everything.
  for (const check of CHECKS) {
    for (let tries = 1; ; tries++) {
      const r = await runCheck(dir, check);
      console.log(`  unmutated: ${check.name} ${r.verdict} (${r.seconds.toFixed(1)} s)${r.why ? `: ${r.why}` : ''}`);
      if (r.verdict === 'pass') break;
      // A check with time bounds gets a second run (a loaded machine); any other, none.
      if (!check.timed || tries === 2) throw new Error(`mutate: ${check.name} does not pass on the unmutated copy`);
    }
  }
  const rows = [];
  for (const m of chosen) {
    const src = join(dir, m.file);
    const out = join(dir, distOf(m.file));
    const original = readFileSync(src, 'utf8');
    const originalJs = readFileSync(out, 'utf8');
    const text = mutated(m, original).text;
    const js = emit(options, m.file, text);
    if (js === originalJs) throw new Error(`mutate: ${m.id} changes nothing in ${distOf(m.file)}`);
    writeFileSync(src, text);
    writeFileSync(out, js);
    const results = [];
    const restore = () => {
      writeFileSync(src, original);
      writeFileSync(out, originalJs);
    };
    try {
      for (const check of CHECKS) {
        const r = await runCheck(dir, check);
        if (r.verdict === 'caught' && check.timed) {
          // A check with time bounds may fail on a loaded machine: the catch counts only
          // when the check passes again on the unmutated copy.
          restore();
          const again = await runCheck(dir, check);
          writeFileSync(src, text);
          writeFileSync(out, js);
          if (again.verdict !== 'pass') r.verdict = 'flaky';
        }
        results.push({ check: check.name, ...r });
        if (r.verdict === 'caught' && !args.all) break;
      }
    } finally {
      restore();
    }
    const caughtBy = results.filter((r) => r.verdict === 'caught');
    const row = {
      id: m.id,
      file: relative('lib', m.file),
      caught: caughtBy.length > 0,
      by: caughtBy.map((r) => `${r.check} (${r.seconds.toFixed(0)} s)`).join(', '),
      killed: results.filter((r) => r.verdict === 'killed').map((r) => r.check),
      flaky: results.filter((r) => r.verdict === 'flaky').map((r) => r.check),
      why: caughtBy[0]?.why ?? '',
    };
    rows.push(row);
    const notes = `${row.killed.length ? ` [killed past their limit: ${row.killed.join(', ')}]` : ''}${row.flaky.length ? ` [failed unmutated too, not counted: ${row.flaky.join(', ')}]` : ''}`;
    console.log(`  ${row.caught ? 'caught' : 'MISSED'} ${m.id}: ${row.caught ? row.by : m.what}${notes}`);
    if (row.why) console.log(`      ${row.why}`);
  }
  const caught = rows.filter((r) => r.caught).length;
  const w = Math.max(...rows.map((r) => r.id.length), 8);
  console.log(`\nmutation gate (${args.quick ? 'quick' : 'full'}, ${((performance.now() - tStart) / 1000).toFixed(0)} s):`);
  console.log(`  ${'mutation'.padEnd(w)}  ${'file'.padEnd(24)}  caught by`);
  for (const r of rows) {
    const notes = `${r.killed.length ? ` (killed: ${r.killed.join(', ')})` : ''}${r.flaky.length ? ` (flaky: ${r.flaky.join(', ')})` : ''}`;
    console.log(`  ${r.id.padEnd(w)}  ${r.file.padEnd(24)}  ${r.caught ? r.by : 'MISSED'}${notes}`);
  }
  console.log(`caught ${caught}/${rows.length}`);
  exitCode = caught === rows.length ? 0 : 1;
} catch (err) {
  console.log(err instanceof Error ? err.message : String(err));
  exitCode = 2;
} finally {
  if (args.keep) console.log(`mutate: scratch copy kept at ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
