// Every error parafor throws is an exported class with a stable `code`: instanceof works,
// e.constructor is the class, and an error raised on a worker comes back to the caller as
// the same class with the same code. docs/errors.md lists every class and code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as parafor from 'parafor';
import {
  ERROR_CODES,
  InternalError,
  ParaforRangeError,
  ParaforTypeError,
  StartTimeoutError,
  Team,
  TeamBusyError,
  TeamClosedError,
  TextFileError,
  TimeoutError,
  WorkerDiedError,
  moduleBody,
  partitionLines,
  sharedArray,
} from 'parafor';
import { ROOT, runNode } from './helpers.js';

const NO_FALLBACK = { serialBelowUs: 0 };
const CLASSES = {
  ParaforTypeError,
  ParaforRangeError,
  TeamClosedError,
  TimeoutError,
  WorkerDiedError,
  StartTimeoutError,
  TeamBusyError,
  InternalError,
  TextFileError,
};

/** What `fn` threw (or the promise it returned rejected with). */
async function caught(fn: () => unknown): Promise<Error & { code?: unknown; index?: number; threadId?: number }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { code?: unknown };
  }
  throw new Error('expected a throw');
}

function expectClass(err: unknown, Cls: abstract new (...args: never[]) => Error, code: string): void {
  expect(err).toBeInstanceOf(Cls);
  expect((err as Error).constructor).toBe(Cls);
  expect((err as { code?: unknown }).code).toBe(code);
}

async function usable(team: Team): Promise<void> {
  const hits = sharedArray(Int32Array, 64);
  await team.parallelFor(0, 64, (i, s) => void Atomics.add(s.hits, i, 1), { shared: { hits }, ...NO_FALLBACK });
  expect(hits.every((v) => v === 1)).toBe(true);
}

describe('the exported classes', () => {
  test('every class is exported from the package, is an Error, and keeps its name', () => {
    const exported = Object.entries(parafor)
      .filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error)
      .map(([k]) => k)
      .sort();
    expect(exported).toEqual(Object.keys(CLASSES).sort());
    for (const [name, Cls] of Object.entries(CLASSES)) {
      const err = new (Cls as unknown as new (m: string, c?: string, p?: string) => Error)('m', 'ERR_PARAFOR_OUT_OF_RANGE', '/p');
      expect(err).toBeInstanceOf(Error);
      expect(err.constructor).toBe(Cls);
      expect(err.message).toBe('m');
      expect(err.name).toBe(name === 'ParaforTypeError' ? 'TypeError' : name === 'ParaforRangeError' ? 'RangeError' : name);
      expect(String(err.stack).split('\n')[0]).toBe(`${err.name}: m`);
    }
    expect(new ParaforTypeError('m')).toBeInstanceOf(TypeError);
    expect(new ParaforRangeError('m')).toBeInstanceOf(RangeError);
    expect(new TimeoutError('m').terminated).toBe(false);
  });

  test('the fixed codes', () => {
    expect(new TeamClosedError('m').code).toBe('ERR_PARAFOR_TEAM_CLOSED');
    expect(new TimeoutError('m').code).toBe('ERR_PARAFOR_TIMEOUT');
    expect(new WorkerDiedError('m').code).toBe('ERR_PARAFOR_WORKER_DIED');
    expect(new StartTimeoutError('m').code).toBe('ERR_PARAFOR_START_TIMEOUT');
    expect(new TeamBusyError('m').code).toBe('ERR_PARAFOR_TEAM_BUSY');
    expect(new InternalError('m').code).toBe('ERR_PARAFOR_INTERNAL');
    const codes = Object.values(ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^ERR_PARAFOR_[A-Z_]+$/);
    expect(Object.isFrozen(ERROR_CODES)).toBe(true);
  });

  test('docs/errors.md has a row for every class and every code', () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8');
    for (const name of Object.keys(CLASSES)) expect(doc).toContain(`| \`${name}\``);
    for (const code of Object.values(ERROR_CODES)) expect(doc).toContain(`\`${code}\``);
  });
});

describe('argument errors', () => {
  const team = new Team({ numThreads: 2 });
  afterAll(() => team.close());
  const noop = (): void => {};

  test.each([
    ['a string start', () => team.parallelForSync('0' as never, 1, noop), ParaforTypeError, 'ERR_PARAFOR_INVALID_ARG_TYPE'],
    ['a negative chunk', () => team.parallelForSync(0, 1, noop, { chunk: -1 }), ParaforRangeError, 'ERR_PARAFOR_OUT_OF_RANGE'],
    ['an unknown schedule', () => team.parallelForSync(0, 1, noop, { schedule: 'fast' as never }), ParaforRangeError, 'ERR_PARAFOR_INVALID_ARG_VALUE'],
    ['an unknown option', () => team.parallelForSync(0, 1, noop, { chunks: 1 } as never), ParaforTypeError, 'ERR_PARAFOR_UNKNOWN_OPTION'],
    ['an async body', () => team.parallelForSync(0, 1, (async () => {}) as never), ParaforTypeError, 'ERR_PARAFOR_ASYNC_BODY'],
    ['a native body', () => team.parallelForSync(0, 1, Math.sqrt as never), ParaforTypeError, 'ERR_PARAFOR_BODY_NOT_PORTABLE'],
    ['a Map in shared', () => team.parallelForSync(0, 1, noop, { shared: { m: new Map() } as never }), ParaforTypeError, 'ERR_PARAFOR_NOT_SHAREABLE'],
    ['a string numThreads', () => new Team({ numThreads: 'x' as never }), ParaforTypeError, 'ERR_PARAFOR_INVALID_ARG_TYPE'],
    ['a huge sharedArray', () => sharedArray(Float64Array, 1e15), ParaforRangeError, 'ERR_PARAFOR_OUT_OF_RANGE'],
  ] as const)('%s', async (_what, fn, Cls, code) => {
    expectClass(await caught(fn), Cls, code);
  });

  test('a bad environment variable', () => {
    const res = runNode(
      `import { numThreads, ParaforRangeError } from 'parafor';
       try { numThreads(); } catch (e) { console.log(e instanceof ParaforRangeError, e.code, e.message); }`,
      { PARAFOR_NUM_THREADS: 'many' },
    );
    expect(res.stdout.trim()).toMatch(/^true ERR_PARAFOR_INVALID_ENV environment variable PARAFOR_NUM_THREADS must be /);
  });

  test('the asynchronous forms reject with the same class', async () => {
    expectClass(await caught(() => team.parallelFor(0, 1, noop, { chunk: 0 })), ParaforRangeError, 'ERR_PARAFOR_OUT_OF_RANGE');
    expectClass(await caught(() => team.parallelMap([1, new Set()], (x) => x)), ParaforTypeError, 'ERR_PARAFOR_NOT_SHAREABLE');
    await usable(team);
  });
});

describe('errors raised on a worker come back as the same class with the same code', () => {
  const team = new Team({ numThreads: 3 });
  beforeAll(() => team.start({ forAsync: true }));
  afterAll(() => team.close());
  const kernels = new URL('./fixtures/kernels.js', import.meta.url);

  test('a RangeError from parafor called in a body on a worker', async () => {
    const body = moduleBody(kernels, 'paraforErrorOnWorker');
    for (const run of [() => team.parallelForSync(0, 30, body, { shared: { what: 'range', path: '' }, ...NO_FALLBACK }), () => team.parallelFor(0, 30, body, { shared: { what: 'range', path: '' }, ...NO_FALLBACK })]) {
      const err = await caught(run);
      expectClass(err, ParaforRangeError, 'ERR_PARAFOR_OUT_OF_RANGE');
      expect(err.message).toMatch(/^`length` must be an integer >= 0, got -\d+$/);
      expect(err.index).toBeGreaterThanOrEqual(0);
      expect(err.threadId).toBeGreaterThanOrEqual(0);
      await usable(team);
    }
  });

  test('a TextFileError from the text loader on a worker keeps its code and path', async () => {
    const missing = path.join(ROOT, 'no-such-file.txt');
    const err = await caught(() => team.parallelFor(0, 30, moduleBody(kernels, 'paraforErrorOnWorker'), { shared: { what: 'file', path: missing }, ...NO_FALLBACK }));
    expectClass(err, TextFileError, 'ENOENT');
    expect((err as TextFileError).path).toBe(missing);
    expect(err.message).toBe(`cannot read "${missing}": no such file or directory (ENOENT)`);
    // The same error thrown here.
    expectClass(await caught(() => partitionLines(missing, 2)), TextFileError, 'ENOENT');
    await usable(team);
  });

  test("a body's misuse of the toolkit, a loop in a body, a write to `shared`, a promise", async () => {
    const lock = sharedArray(Int32Array, 1);
    const cases: [() => unknown, abstract new (...args: never[]) => Error, string][] = [
      [() => team.parallelForSync(0, 30, () => void new parafor.Mutex('x' as never), NO_FALLBACK), ParaforTypeError, 'ERR_PARAFOR_INVALID_ARG_TYPE'],
      [() => team.parallelForSync(0, 30, () => parafor.parallelForSync(0, 1, () => {}), NO_FALLBACK), ParaforTypeError, 'ERR_PARAFOR_LOOP_IN_BODY'],
      [() => team.parallelForSync(0, 30, (i, s) => void ((s as { o: { k: number } }).o.k = i), { shared: { o: { k: 0 } }, ...NO_FALLBACK }), ParaforTypeError, 'ERR_PARAFOR_SHARED_READ_ONLY'],
      [() => team.parallelForSync(0, 30, ((i: number) => Promise.resolve(i)) as never, NO_FALLBACK), ParaforTypeError, 'ERR_PARAFOR_ASYNC_BODY'],
      [() => team.parallel((s, ctx) => ctx.for(0, 10, () => {}, { chunk: -1 }), { shared: { lock } }), ParaforRangeError, 'ERR_PARAFOR_OUT_OF_RANGE'],
    ];
    for (const [run, Cls, code] of cases) {
      expectClass(await caught(run), Cls, code);
      await usable(team);
    }
    // A captured variable stays a ReferenceError, with parafor's message and code.
    const factor = 2;
    const err = await caught(() => team.parallelForSync(0, 30, (i) => void (i * factor), NO_FALLBACK));
    expectClass(err, ReferenceError, 'ERR_PARAFOR_CAPTURED_NAME');
    // A user's own error keeps its class name and code, and is not taken for parafor's.
    const own = await caught(() =>
      team.parallelForSync(0, 30, (i) => {
        if (i === 20) throw Object.assign(new Error('late'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
      }, NO_FALLBACK),
    );
    expect(own).not.toBeInstanceOf(TimeoutError);
    expect([own.constructor, own.name, own.code]).toEqual([Error, 'TimeoutError', 'ETIMEDOUT']);
  });

  test('process.exit() in a body: WorkerDiedError; the next call runs', async () => {
    const exit = moduleBody(kernels, 'exitOnWorker');
    const err = await caught(() => team.parallelForRange(0, 3, exit, { shared: { code: 5 }, chunk: 1, ...NO_FALLBACK }));
    expectClass(err, WorkerDiedError, 'ERR_PARAFOR_WORKER_DIED');
    expect(err.message).toMatch(/process.exit\(5\)/);
    await usable(team);
  });
});

describe('timeouts, aborts and closed teams', () => {
  test('a timeout: TimeoutError with its code, sync and async; the next call runs', async () => {
    const team = new Team({ numThreads: 2 });
    const long = { timeout: 30, schedule: 'dynamic' as const, chunk: 100_000, ...NO_FALLBACK };
    for (const run of [() => team.parallelFor(0, 1e9, () => {}, long), () => team.parallelForSync(0, 1e9, () => {}, long)]) {
      const err = await caught(run);
      expectClass(err, TimeoutError, 'ERR_PARAFOR_TIMEOUT');
      expect((err as TimeoutError).terminated).toBe(false);
      await usable(team);
    }
    await team.close();
  });

  test("an abort rejects with the signal's reason, as AbortSignal users expect; the next call runs", async () => {
    const team = new Team({ numThreads: 2 });
    const reason = new Error('stopped by the user');
    const err = await caught(() => team.parallelFor(0, 10, () => {}, { signal: AbortSignal.abort(reason) }));
    expect(err).toBe(reason);
    const controller = new AbortController();
    const pending = team.parallelFor(0, 1e9, () => {}, { signal: controller.signal, schedule: 'dynamic', chunk: 100_000, ...NO_FALLBACK });
    setTimeout(() => controller.abort(), 20);
    const aborted = await caught(() => pending);
    expect(aborted.name).toBe('AbortError');
    await usable(team);
    await team.close();
  });

  test('a closed team: TeamClosedError from every later call, sync and async', async () => {
    const team = new Team({ numThreads: 2 });
    await usable(team);
    await team.close();
    for (let k = 0; k < 2; k++) {
      expectClass(await caught(() => team.parallelForSync(0, 4, () => {})), TeamClosedError, 'ERR_PARAFOR_TEAM_CLOSED');
      expectClass(await caught(() => team.parallelFor(0, 4, () => {})), TeamClosedError, 'ERR_PARAFOR_TEAM_CLOSED');
      expectClass(await caught(() => team.parallelMap([1], (x) => x)), TeamClosedError, 'ERR_PARAFOR_TEAM_CLOSED');
      expectClass(await caught(() => team.start()), TeamClosedError, 'ERR_PARAFOR_TEAM_CLOSED');
    }
  });
});
