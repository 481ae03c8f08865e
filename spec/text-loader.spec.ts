// loadText and reduceLines on real files: every line-ending case, tiny blocks, 1 vs several
// threads, options, and every bad input, with the team checked usable after each failure.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Team, loadText, reduceLines, sharedArray, type LineEncoding } from 'parafor';
import { openFileSync, readExactly, reopen } from '#internal/text/file.js';
import { ignoresLine } from '#internal/text/kernels.js';
import { ROOT } from './helpers.js';
import { linesRefText, randomText, scratchDir } from './text-fixtures.js';

const team = new Team({ numThreads: 3 });
const tmp = scratchDir('loader');
beforeAll(() => team.start({ forAsync: true }));
afterAll(async () => {
  await team.close();
  tmp.cleanup();
});

const CASES: Record<string, string> = {
  empty: '',
  'one byte': 'a',
  'one newline': '\n',
  'blank lines': '\n\n\n',
  'no trailing newline': 'first\nsecond',
  'trailing newline': 'first\nsecond\n',
  crlf: 'one\r\ntwo\r\n\r\nfour\r\n',
  'crlf, no trailing newline': 'one\r\ntwo',
  'lone CR and CR at the end': 'a\rb\nc\r',
  'multi-byte UTF-8': 'héllo wörld\n日本語のテキスト\n😀 emoji 😀\r\nÜnïcödé',
  'a line longer than a part': `${'long '.repeat(400)}\nshort\nx\n`,
  random: randomText(7, 3000),
};
const files = Object.fromEntries(Object.entries(CASES).map(([name, text], i) => [name, tmp.file(`case-${i}.txt`, text)]));

/** A custom reducer that collects the lines in order. */
const collect = { identity: () => [] as string[], combine: (a: string[], b: string[]) => a.concat(b) };
const pushString = (acc: string[], line: string) => {
  acc.push(line);
  return acc;
};
const pushBytes = (acc: string[], line: Uint8Array) => {
  acc.push(Buffer.from(line).toString('utf8'));
  return acc;
};

async function collectLines(file: string, numThreads: number, blockSize: number | undefined, encoding: LineEncoding, keepCR: boolean): Promise<string[]> {
  return encoding === 'bytes'
    ? reduceLines(file, pushBytes, collect, { team, numThreads, blockSize, encoding, keepCR })
    : reduceLines(file, pushString, collect, { team, numThreads, blockSize, encoding, keepCR });
}

/** The team still runs loops, and the loader still reads files. */
async function expectUsable(): Promise<void> {
  expect(await team.parallelReduce(0, 1000, (acc, i) => acc + i, 'sum', { serialBelowUs: 0 })).toBe(499500);
  expect(team.parallelReduceSync(0, 1000, (acc, i) => acc + i, 'sum', { serialBelowUs: 0 })).toBe(499500);
  expect(await reduceLines(files['trailing newline']!, (n: number) => n + 1, 'sum', { team })).toBe(2);
}

describe('loadText', () => {
  for (const [name, text] of Object.entries(CASES)) {
    test(`${name}: lines, count and bytes for 1..4 threads and tiny blocks`, async () => {
      const bytes = Buffer.from(text);
      for (const keepCR of [false, true]) {
        const want = linesRefText(text, keepCR);
        for (const numThreads of [1, 2, 3, 4]) {
          for (const blockSize of [1, 7, undefined]) {
            const loaded = await loadText(files[name]!, { team, numThreads, blockSize, keepCR });
            expect(loaded.byteLength).toBe(bytes.length);
            expect(loaded.lineCount).toBe(want.length);
            expect([...loaded]).toEqual(want);
            expect(Buffer.from(loaded.bytes).equals(bytes)).toBe(true);
            for (let n = 0; n < loaded.lineCount; n++) {
              expect(Buffer.from(loaded.lineBytes(n)).toString('utf8')).toBe(want[n]);
            }
          }
        }
      }
    });
  }

  test('bytes and line starts live on SharedArrayBuffers and feed a parallel loop', async () => {
    const loaded = await loadText(files.random!, { team });
    expect(loaded.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(loaded.lineStarts.buffer).toBeInstanceOf(SharedArrayBuffer);
    // The longest line, found by a parallel reduction over line numbers.
    const longest = await team.parallelReduce(
      0,
      loaded.lineCount,
      (acc, n, s) => {
        const end = n + 1 < s.starts.length ? s.starts[n + 1]! : s.size + 1;
        return Math.max(acc, end - 1 - s.starts[n]!);
      },
      'max',
      { shared: { starts: loaded.lineStarts, size: loaded.byteLength }, serialBelowUs: 0 },
    );
    const want = Math.max(...linesRefText(CASES.random!, true).map((l) => Buffer.byteLength(l)));
    expect(longest).toBe(want);
  });

  test('line numbers are checked', async () => {
    const loaded = await loadText(files['trailing newline']!, { team });
    expect(() => loaded.line(2)).toThrow(new RangeError('`n` must be a line number in [0, 2), got 2'));
    expect(() => loaded.line(-1)).toThrow(new RangeError('`n` must be a line number in [0, 2), got -1'));
    expect(() => loaded.lineBytes(0.5)).toThrow(new RangeError('`n` must be a line number in [0, 2), got 0.5'));
    expect(() => loaded.line('1' as unknown as number)).toThrow(new TypeError('`n` must be a line number in [0, 2), got "1"'));
  });
});

describe('reduceLines', () => {
  for (const [name, text] of Object.entries(CASES)) {
    test(`${name}: every line once, in order, for 1..4 threads, both encodings, blocks down to 1 byte`, async () => {
      for (const keepCR of [false, true]) {
        const want = linesRefText(text, keepCR);
        for (const encoding of ['utf8', 'bytes'] as LineEncoding[]) {
          for (const numThreads of [1, 2, 4]) {
            for (const blockSize of [1, 2, 5, 64, undefined]) {
              const got = await collectLines(files[name]!, numThreads, blockSize, encoding, keepCR);
              if (JSON.stringify(got) !== JSON.stringify(want)) {
                throw new Error(`${name} threads=${numThreads} block=${blockSize} ${encoding} keepCR=${keepCR}: ${JSON.stringify(got)}`);
              }
            }
          }
        }
      }
    });
  }

  test('built-in reducers: 1 and several threads give identical results', async () => {
    const file = files.random!;
    const want = linesRefText(CASES.random!);
    const length = (acc: number, line: string) => acc + line.length;
    const expected = {
      sum: want.reduce((a, l) => a + l.length, 0),
      max: Math.max(...want.map((l) => l.length)),
      min: Math.min(...want.map((l) => l.length)),
    };
    for (const numThreads of [1, 2, 3, 5]) {
      expect(await reduceLines(file, length, 'sum', { team, numThreads })).toBe(expected.sum);
      expect(await reduceLines(file, (acc: number, line: string) => Math.max(acc, line.length), 'max', { team, numThreads })).toBe(expected.max);
      expect(await reduceLines(file, (acc: number, line: string) => Math.min(acc, line.length), 'min', { team, numThreads })).toBe(expected.min);
      expect(await reduceLines(file, (acc: number, line: Uint8Array) => acc ^ line.length, 'bitxor', { team, numThreads, encoding: 'bytes' })).toBe(
        want.reduce((a, l) => a ^ Buffer.byteLength(l), 0),
      );
    }
  });

  test('a fold that declares only the accumulator counts lines without being handed them', async () => {
    for (const [name, text] of Object.entries(CASES)) {
      const count = linesRefText(text).length;
      expect(await reduceLines(files[name]!, (n: number) => n + 1, 'sum', { team, blockSize: 3 })).toBe(count);
      expect(await reduceLines(files[name]!, function (n: number) { return n + 1; }, 'sum', { team, encoding: 'bytes' })).toBe(count);
    }
    expect(ignoresLine('(n) => n + 1')).toBe(true);
    expect(ignoresLine('n => n + 1')).toBe(true);
    expect(ignoresLine('function count(n) { return n + 1; }')).toBe(true);
    expect(ignoresLine('(n, line) => n + line.length')).toBe(false);
    expect(ignoresLine('(n, line = "") => n + line.length')).toBe(false);
    expect(ignoresLine('(...args) => args[0] + 1')).toBe(false);
    expect(ignoresLine('function (n) { return n + arguments[1].length; }')).toBe(false);
    expect(ignoresLine('fold(n) { return n + 1; }')).toBe(false);
  });

  test('the fold gets `shared` and ctx', async () => {
    const perThread = sharedArray(Int32Array, 4 * 32);
    const got = await reduceLines(
      files.random!,
      (acc: number, line: string, s: { bonus: number; perThread: Int32Array }, ctx) => {
        Atomics.add(s.perThread, ctx.threadId * 32, 1);
        return acc + s.bonus + (ctx.numThreads === 4 ? 0 : 1e9);
      },
      'sum',
      { team, numThreads: 4, shared: { bonus: 2, perThread } },
    );
    const count = linesRefText(CASES.random!).length;
    expect(got).toBe(2 * count);
    let seen = 0;
    for (let t = 0; t < 4; t++) seen += perThread[t * 32]!;
    expect(seen).toBe(count);
  });

  test('a cold team: value identities reach every worker', async () => {
    const cold = new Team({ numThreads: 3 });
    try {
      const got = await reduceLines(
        files.random!,
        (acc: { lines: number }) => {
          acc.lines++;
          return acc;
        },
        { identity: { lines: 0 }, combine: (a, b) => ({ lines: a.lines + b.lines }) },
        { team: cold },
      );
      expect(got).toEqual({ lines: linesRefText(CASES.random!).length });
    } finally {
      await cold.close();
    }
  });

  test('a line much longer than the block is joined whole', async () => {
    const text = `${'é'.repeat(50_000)}\r\nend\n`;
    const file = tmp.file('very-long-line.txt', text);
    for (const blockSize of [1, 3, 1000]) {
      expect(await reduceLines(file, pushString, collect, { team, blockSize })).toEqual(['é'.repeat(50_000), 'end']);
    }
  });

  test('an error thrown by the fold reaches the caller with its message; the team stays usable', async () => {
    const fold = (acc: number, line: string) => {
      if (line === 'second') throw new TypeError(`bad line ${JSON.stringify(line)}`);
      return acc + 1;
    };
    await expect(reduceLines(files['trailing newline']!, fold, 'sum', { team, numThreads: 2 })).rejects.toThrow(new TypeError('bad line "second"'));
    await expectUsable();
  });

  test('a fold that captures a variable gets the core message', async () => {
    const outside = 3;
    await expect(reduceLines(files['trailing newline']!, (acc: number) => acc + outside, 'sum', { team, numThreads: 2 })).rejects.toThrow(
      /outside is not defined on the worker thread/,
    );
    await expectUsable();
  });

  test('a loaded module body is not a fold; nor is an async function', async () => {
    const file = files['trailing newline']!;
    await expect(reduceLines(file, 5 as never, 'sum', { team })).rejects.toThrow(new TypeError('`fold` must be a function, got 5'));
    await expect(reduceLines(file, (async (acc: number) => acc) as never, 'sum', { team })).rejects.toThrow(
      new TypeError('`fold` must be a synchronous function: parafor does not await what a body returns, got async (acc) => acc'),
    );
    await expect(reduceLines(file, (n: number) => n, 'average' as never, { team })).rejects.toThrow(
      new RangeError("`reducer` must be one of 'sum', 'prod', 'min', 'max', 'bitand', 'bitor', 'bitxor', got \"average\""),
    );
  });
});

describe('options', () => {
  const file = files['trailing newline']!;
  const count = (n: number) => n + 1;
  const cases: Array<[string, unknown, Error]> = [
    ['numThreads 0', { numThreads: 0 }, new RangeError('`numThreads` must be a positive integer, got 0')],
    ['numThreads "2"', { numThreads: '2' }, new TypeError('`numThreads` must be a positive integer, got "2"')],
    ['blockSize 0', { blockSize: 0 }, new RangeError('`blockSize` must be a positive integer, got 0')],
    ['blockSize 2^31', { blockSize: 2 ** 31 }, new RangeError('`blockSize` must be at most 1073741824, got 2147483648')],
    ['blockSize "1"', { blockSize: '1' }, new TypeError('`blockSize` must be a positive integer, got "1"')],
    ['keepCR "yes"', { keepCR: 'yes' }, new TypeError('`keepCR` must be a boolean, got "yes"')],
    ['team {}', { team: {} }, new TypeError('`team` must be a parafor Team, got an object')],
    ['options null', null, new TypeError('`options` must be an object, got null')],
    ['unknown option', { threads: 2 }, new TypeError('unknown option `threads` in `options`; known options: numThreads, blockSize, keepCR, team, encoding, shared')],
    ['encoding "latin1"', { encoding: 'latin1' }, new RangeError("`encoding` must be one of 'utf8', 'bytes', got \"latin1\"")],
    ['encoding 8', { encoding: 8 }, new TypeError("`encoding` must be one of 'utf8', 'bytes', got 8")],
    ['shared with a function', { shared: { f: () => 1 } }, new TypeError('`shared.f` cannot be shared with worker threads')],
  ];
  for (const [what, options, error] of cases) {
    test(`reduceLines rejects ${what}`, async () => {
      await expect(reduceLines(file, count, 'sum', options as never)).rejects.toThrow(error.message);
      await expect(reduceLines(file, count, 'sum', options as never)).rejects.toBeInstanceOf(error.constructor);
    });
  }

  test('loadText knows its own options', async () => {
    await expect(loadText(file, { blockSize: -1 })).rejects.toThrow(new RangeError('`blockSize` must be a positive integer, got -1'));
    await expect(loadText(file, { encoding: 'bytes' } as never)).rejects.toThrow(
      new TypeError('unknown option `encoding` in `options`; known options: numThreads, blockSize, keepCR, team'),
    );
    await expect(loadText(42 as never)).rejects.toThrow(new TypeError('`path` must be a non-empty string or a file URL, got 42'));
  });
});

describe('bad input: a clear error naming the path, nothing hangs, the team stays usable', () => {
  const count = (n: number) => n + 1;

  test('a missing file', async () => {
    const missing = `${tmp.dir}/missing.txt`;
    await expect(loadText(missing, { team })).rejects.toThrow(`cannot read "${missing}": no such file or directory (ENOENT)`);
    await expect(reduceLines(missing, count, 'sum', { team })).rejects.toMatchObject({ code: 'ENOENT', path: missing });
    await expectUsable();
  });

  test('a directory', async () => {
    const message = `cannot read "${tmp.dir}": it is a directory, not a regular file (the text loader reads a file by byte position)`;
    await expect(loadText(tmp.dir, { team })).rejects.toThrow(message);
    await expect(reduceLines(tmp.dir, count, 'sum', { team })).rejects.toMatchObject({ code: 'ERR_PARAFOR_NOT_REGULAR_FILE' });
    await expectUsable();
  });

  test('a FIFO is refused without waiting for a writer', async () => {
    const fifo = `${tmp.dir}/fifo`;
    execFileSync('mkfifo', [fifo]);
    const message = `cannot read "${fifo}": it is a FIFO (named pipe), not a regular file`;
    await expect(loadText(fifo, { team })).rejects.toThrow(message);
    await expect(reduceLines(fifo, count, 'sum', { team })).rejects.toThrow(message);
    await expectUsable();
  }, 5000);

  test('an unreadable file (chmod 000)', async () => {
    const file = tmp.file('unreadable.txt', 'secret\n');
    fs.chmodSync(file, 0o000);
    const message = `cannot read "${file}": permission denied (EACCES)`;
    if (process.getuid?.() !== 0) {
      await expect(loadText(file, { team })).rejects.toThrow(message);
      await expect(reduceLines(file, count, 'sum', { team })).rejects.toThrow(message);
    } else {
      // root reads anything: the check runs in a child process as the unprivileged user "nobody",
      // from a world-readable copy of the package (the checkout may sit where nobody cannot look).
      fs.chmodSync(tmp.dir, 0o755);
      const pkg = fs.mkdtempSync(path.join(os.tmpdir(), 'parafor-pkg-'));
      fs.chmodSync(pkg, 0o755);
      fs.cpSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
      fs.cpSync(path.join(ROOT, 'dist'), path.join(pkg, 'dist'), { recursive: true });
      fs.cpSync(path.join(ROOT, 'node_modules', 'typed-array-utils'), path.join(pkg, 'node_modules', 'typed-array-utils'), { recursive: true });
      const code = `import { loadText, reduceLines } from 'parafor';
        for (const f of [() => loadText(${JSON.stringify(file)}), () => reduceLines(${JSON.stringify(file)}, (n) => n + 1, 'sum')]) {
          try { await f(); console.log('read it'); } catch (e) { console.log(e.message); }
        }`;
      const res = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: pkg, uid: 65534, gid: 65534, encoding: 'utf8', timeout: 20_000 });
      fs.rmSync(pkg, { recursive: true, force: true });
      expect(res.stderr).toBe('');
      expect(res.stdout).toBe(`${message}\n${message}\n`);
    }
    await expectUsable();
  });

  test('a file too large for loadText (a sparse file of 4 GiB) is refused before anything is read', async () => {
    const file = tmp.file('huge.txt', '');
    fs.truncateSync(file, 2 ** 32);
    await expect(loadText(file, { team })).rejects.toThrow(
      `cannot load "${file}": it has 4294967296 bytes and loadText holds at most 4294967295; stream it with reduceLines instead`,
    );
    fs.rmSync(file);
    await expectUsable();
  });

  /**
   * Runs reduceLines over a file of 200 lines in 16-byte blocks, two threads. Each thread
   * stops on its first line until `change` has altered the file, so the change lands in the
   * middle of both threads' reads, deterministically.
   */
  async function changeWhileReading(file: string, change: () => void): Promise<unknown> {
    // gate[0]: threads stopped; gate[32]: 1 once the file has changed; gate[64 + 32 k]: thread k has stopped.
    const gate = sharedArray(Int32Array, 128);
    const fold = (acc: number, line: string, s: { gate: Int32Array }, ctx: { threadId: number }) => {
      if (Atomics.compareExchange(s.gate, 64 + 32 * ctx.threadId, 0, 1) === 0) {
        Atomics.add(s.gate, 0, 1);
        Atomics.wait(s.gate, 32, 0, 10_000);
      }
      return acc + line.length;
    };
    const run = reduceLines(file, fold, 'sum', { team, numThreads: 2, blockSize: 16, shared: { gate } });
    run.catch(() => undefined);
    while (Atomics.load(gate, 0) < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    change();
    Atomics.store(gate, 32, 1);
    Atomics.notify(gate, 32);
    return run;
  }

  const lines = Array.from({ length: 200 }, (_, i) => `line number ${i}`).join('\n');

  test('a file that shrinks while it is read', async () => {
    const file = tmp.file('shrinks.txt', lines);
    // Both threads fail, each at the block after its first; either may be reported.
    const message = new RegExp(`^"${file}" changed size while it was read: it ended at byte \\d+, before the ${lines.length} bytes it had when it was opened$`);
    await expect(changeWhileReading(file, () => fs.truncateSync(file, 10))).rejects.toThrow(message);
    await expectUsable();
  });

  test('a file that grows while it is read', async () => {
    const file = tmp.file('grows.txt', lines);
    await expect(changeWhileReading(file, () => fs.appendFileSync(file, '\nmore\n'))).rejects.toThrow(
      `"${file}" changed size while it was read: ${lines.length} bytes when it was opened, ${lines.length + 6} now`,
    );
    await expectUsable();
  });

  test('each thread opens the file by path and refuses another file under the same path', () => {
    const file = tmp.file('replaced.txt', 'abc\n');
    const opened = openFileSync(file);
    fs.closeSync(opened.fd);
    const ref = { path: file, size: opened.size, dev: opened.dev, ino: opened.ino };
    const again = reopen(ref);
    try {
      const buf = new Uint8Array(4);
      readExactly(again, buf, 0, 4, 0);
      expect(Buffer.from(buf).toString()).toBe('abc\n');
    } finally {
      fs.closeSync(again.fd);
    }
    fs.renameSync(tmp.file('other.txt', 'xyz\n'), file);
    expect(() => reopen(ref)).toThrow(`"${file}" changed while it was read: the path now names another file`);
    fs.rmSync(file);
    expect(() => reopen(ref)).toThrow(`cannot read "${file}": no such file or directory (ENOENT)`);
  });

  test('loadText: a file whose size fstat does not tell (/proc), and a read that ends early', async () => {
    // /proc files report size 0 but have bytes: the read past the end catches them.
    await expect(loadText('/proc/self/status', { team })).rejects.toThrow(
      '"/proc/self/status" changed size while it was read: it has bytes beyond the 0 it had when it was opened',
    );
    // loadText's kernel reads with readExactly, the same as reduceLines: a short file is an error.
    const file = tmp.file('short.txt', 'abc');
    const fd = fs.openSync(file, 'r');
    try {
      expect(() => readExactly({ fd, path: file, size: 10 }, new Uint8Array(10), 0, 10, 0)).toThrow(
        `"${file}" changed size while it was read: it ended at byte 3, before the 10 bytes it had when it was opened`,
      );
    } finally {
      fs.closeSync(fd);
    }
    await expectUsable();
  });
});
