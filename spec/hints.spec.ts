// Hints that lead somewhere: where a newcomer's mistake used to get V8's bare message, or a
// hint whose fix was refused, parafor names what the user wrote and a fix that works; each
// case also runs the fix. And the compiler's messages for the common type mistakes are short
// and name the rule.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import * as parafor from 'parafor';
import { Mutex, ParaforRangeError, ParaforTypeError, Team, sharedArray } from 'parafor';
import { ROOT } from './helpers.js';

const team = new Team({ numThreads: 2 });
beforeAll(() => team.start({ forAsync: true }));
afterAll(() => team.close());

const NO_FALLBACK = { serialBelowUs: 0 };
const RUNS = [NO_FALLBACK, { if: false }];

/** What `fn` threw (or the promise it returned rejected with). */
async function caught(fn: () => unknown): Promise<Error & { code?: unknown; index?: number }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { code?: unknown };
  }
  throw new Error('expected a throw');
}

test('a toolkit name imported by name: use `parafor.Mutex`, and that works', async () => {
  const lock = sharedArray(Int32Array, 1);
  const count = sharedArray(Int32Array, 1);
  for (const options of RUNS) {
    const err = await caught(() =>
      team.parallelForSync(0, 8, (_i, s) => {
        const m = new Mutex(s.lock);
        m.withLock(() => void s.count[0]!++);
      }, { shared: { lock, count }, ...options }),
    );
    expect(err).toBeInstanceOf(ReferenceError);
    expect(err.code).toBe('ERR_PARAFOR_CAPTURED_NAME');
    expect(err.message).toBe(
      "Mutex is not defined on the worker thread: a body cannot use names imported where it was written, and reaches parafor's body toolkit " +
        "through the name `parafor` instead. Write `parafor.Mutex` in the body (with `import * as parafor from 'parafor'` at the top of the " +
        'file for the types; on the worker the body gets its own `parafor`)',
    );
    // The fix the message gives.
    count[0] = 0;
    team.parallelForSync(0, 8, (_i, s) => {
      const m = new parafor.Mutex(s.lock);
      m.withLock(() => void s.count[0]!++);
    }, { shared: { lock, count }, ...options });
    expect(count[0]).toBe(8);
  }
  // Other captured variables keep the advice to pass them in `shared`.
  const factor = 2;
  expect((await caught(() => team.parallelForSync(0, 4, (i) => void (i * factor), NO_FALLBACK))).message).toMatch(/^factor is not defined on the worker thread: .* Pass `factor` in the `shared` option/);
});

test('a parallelMap item that cannot be sent is named `items[k]`, with what items may be and how to convert it', async () => {
  const records = [{ id: 1 }, new Map([['id', 2]])];
  for (const options of RUNS) {
    const err = await caught(() => team.parallelMapSync(records, (r) => r, options));
    expect(err).toBeInstanceOf(ParaforTypeError);
    expect(err.code).toBe('ERR_PARAFOR_NOT_SHAREABLE');
    expect(err.message).toBe(
      '`items[1]` cannot be sent to worker threads, got a Map: parallelMap items may be numbers, strings, booleans, null, undefined, bigints, ' +
        'SharedArrayBuffers, typed arrays on them, and plain objects and arrays of those. Convert the item first (a Map with ' +
        'Object.fromEntries(map) or [...map], a Date with date.getTime(), a class instance with { ...instance })',
    );
    expect((await caught(() => team.parallelMap([[new Date(0)]], (r) => r, options))).message).toMatch(/^`items\[0\]\[0\]` cannot be sent to worker threads, got a Date/);
    // The fix the message gives.
    const fixed = records.map((r) => (r instanceof Map ? Object.fromEntries(r) : r)) as { id: number }[];
    expect(team.parallelMapSync(fixed, (r) => r.id * 10, options)).toEqual([10, 20]);
  }
});

test("a write to a frozen `shared` object: parafor's message with V8's, and the fix that works", async () => {
  const totals = sharedArray(Float64Array, 4);
  for (const options of RUNS) {
    const err = await caught(() =>
      team.parallelForSync(0, 4, (i, s) => {
        (s as { acc: { sum: number } }).acc.sum += i;
      }, { shared: { acc: { sum: 0 } }, ...options }),
    );
    expect(err).toBeInstanceOf(ParaforTypeError);
    expect(err.code).toBe('ERR_PARAFOR_SHARED_READ_ONLY');
    expect(err.message).toBe(
      "a body wrote to a read-only object (Cannot assign to read only property 'sum' of object '#<Object>'): the plain objects and arrays " +
        'a body receives in `shared` are frozen copies on every thread, so a write to them would be lost. Write results to shared memory ' +
        '(a sharedArray passed in `shared`), or return them (parallelReduce, parallelMap)',
    );
    expect(typeof err.index).toBe('number');
    // Adding a key or pushing to an array gets the same message.
    const pushed = await caught(() => team.parallelForSync(0, 4, (i, s) => void (s as { list: number[] }).list.push(i), { shared: { list: [1] }, ...options }));
    expect([pushed.code, pushed.message]).toEqual(['ERR_PARAFOR_SHARED_READ_ONLY', expect.stringMatching(/^a body wrote to a read-only object \(Cannot add property 1, object is not extensible\)/)]);
    // Both fixes it names.
    totals.fill(0);
    team.parallelForSync(0, 4, (i, s) => void (s.totals[i] = i), { shared: { totals }, ...options });
    expect(Array.from(totals)).toEqual([0, 1, 2, 3]);
    expect(team.parallelReduceSync(0, 4, (a: number, i) => a + i, 'sum', options)).toBe(6);
  }
});

test('a map function that returns a function: the item is named, wherever the map runs', async () => {
  const items = [1, 2, 3, 4, 5, 6];
  for (const options of [...RUNS, { numThreads: 1 }, {}]) {
    const err = await caught(() => team.parallelMapSync(items, (x): unknown => (x === 5 ? () => x : x), options));
    expect(err).toBeInstanceOf(ParaforTypeError);
    expect(err.code).toBe('ERR_PARAFOR_RESULT_NOT_CLONEABLE');
    expect(err.message).toBe(
      "parallelMap's `fn` returned function (anonymous) for items[4]: results travel back to the calling thread by structured clone, " +
        'which cannot copy functions or symbols. Return data (numbers, strings, plain objects and arrays, Map, Set, Date, typed arrays), ' +
        'and run the code the function holds inside `fn`',
    );
    const sym = await caught(() => team.parallelMap(items, (x) => (x === 2 ? Symbol('s') : x), options));
    expect(sym.message).toMatch(/^parallelMap's `fn` returned a symbol for items\[1\]: /);
    // Data of any structured-clone kind comes back, Maps included.
    const maps = await team.parallelMap(items, (x) => new Map([[x, x * x]]), options);
    expect(maps.map((m, k) => m.get(k + 1))).toEqual([1, 4, 9, 16, 25, 36]);
  }
});

test('a sharedArray too large to allocate says so in parafor words', () => {
  let err: unknown;
  try {
    sharedArray(Float64Array, 1e12);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ParaforRangeError);
  expect((err as ParaforRangeError).code).toBe('ERR_PARAFOR_OUT_OF_RANGE');
  expect((err as Error).message).toMatch(
    /^`length` 1000000000000 is too large for a shared Float64Array: it needs 8000000000000 bytes, and a SharedArrayBuffer of that size could not be allocated \(.+\)\. Use a smaller length, or split the data over several arrays$/,
  );
  expect(sharedArray(Float64Array, 4)).toHaveLength(4);
});

describe("the compiler's messages", () => {
  // Compiles a user's file against the built package and returns its messages, one per error.
  const dir = path.join(ROOT, 'build', 'type-messages');
  let messages: string[];
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'user.ts');
    writeFileSync(
      file,
      [
        "import { parallelReduceSync, parallelMapSync, parallelForSync } from 'parafor';",
        "export const total = parallelReduceSync(0, 8, (acc, i) => acc + i, 'add');",
        'export const doubled = parallelMapSync([1, 2], async (x) => x * 2);',
        'parallelForSync(0, 2, (i, s) => { s.cfg.scale = i; }, { shared: { cfg: { scale: 1 } } });',
        '',
      ].join('\n'),
    );
    const program = ts.createProgram([file], {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.es2024.sharedmemory.d.ts'],
      types: [],
      skipLibCheck: true,
      noEmit: true,
    });
    messages = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === file)
      .map((d) => `${d.file!.getLineAndCharacterOfPosition(d.start!).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a reducer name with a typo lists the valid names', () => {
    const typo = messages.filter((m) => m.startsWith('2: '));
    expect(typo).toHaveLength(1);
    expect(typo[0]).toContain(`Argument of type '"add"' is not assignable to parameter of type '"sum" | "prod" | "min" | "max" | "bitand" | "bitor" | "bitxor"'`);
    expect(typo[0]).not.toContain("'acc' is of type 'unknown'");
  });

  test('an async map function gets one line that names the rule', () => {
    expect(messages.filter((m) => m.startsWith('3: '))).toEqual([
      "3: Type 'Promise<number>' is not assignable to type '\"parafor: bodies, folds and map functions must be synchronous (parafor does not await what they return); do the asynchronous work before the call\"'.",
    ]);
  });

  test('a write to a plain object in `shared` fails to compile', () => {
    expect(messages.filter((m) => m.startsWith('4: '))).toEqual(["4: Cannot assign to 'scale' because it is a read-only property."]);
  });
});
