// The map of lib/ (docs/design.md#map) holds: only lib/platform/ imports a node: module, a
// worker loads no module of the calling side, and lint refuses a wrong-way import.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';

/** Every file under `dir` whose name ends with `ext`, as paths relative to ROOT. */
function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(rel, ext));
    else if (e.name.endsWith(ext)) out.push(rel);
  }
  return out;
}

/** The specifiers a module imports (static `import ... from` and `export ... from`, values and types). */
function importsOf(file: string): string[] {
  const src = readFileSync(path.join(ROOT, file), 'utf8');
  return [...src.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
}

test('only lib/platform/ imports a node: module', () => {
  const offenders = filesUnder('lib', '.ts')
    .filter((f) => !f.startsWith(path.join('lib', 'platform')))
    .filter((f) => importsOf(f).some((s) => s.startsWith('node:')));
  expect(offenders).toEqual([]);
  // The seam itself does (so the scan above can see one).
  expect(importsOf(path.join('lib', 'platform', 'node.ts')).some((s) => s.startsWith('node:'))).toBe(true);
});

test("a worker loads what it runs: no module of call/, threads/ other than its own entry, or the facade", () => {
  // The built worker entry's static imports, followed through dist/ (what a worker thread loads).
  const entry = path.join('dist', 'threads', 'worker.js');
  const seen = new Set([entry]);
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    const src = readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of src.matchAll(/^(?:import|export)\s(?!type\s)[^;]*?from\s+'(\.[^']+)'/gms)) {
      const next = path.normalize(path.join(path.dirname(file), m[1]!));
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  const loaded = [...seen].map((f) => path.relative('dist', f).split(path.sep).join('/')).sort();
  expect(loaded.filter((f) => f.startsWith('call/') || (f.startsWith('threads/') && f !== 'threads/worker.js'))).toEqual([]);
  expect(loaded).not.toContain('team.js');
  expect(loaded).not.toContain('index.js');
  expect(loaded).toContain('protocol/transitions.js');
  expect(loaded).toContain('run/slot.js');
});

test('lib/ has no import circle (value imports of the built modules)', () => {
  const files = filesUnder('dist', '.js');
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const src = readFileSync(path.join(ROOT, file), 'utf8');
    edges.set(
      file,
      [...src.matchAll(/^(?:import|export)\s(?!type\s)[^;]*?from\s+'(\.[^']+)'/gms)].map((m) => path.normalize(path.join(path.dirname(file), m[1]!))),
    );
  }
  // Depth-first search: a module met again while still on the path closes a circle.
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (f: string, trail: string[]): void => {
    state.set(f, 'open');
    for (const t of edges.get(f) ?? []) {
      if (state.get(t) === 'open') circles.push([...trail.slice(trail.indexOf(t)), t].join(' -> '));
      else if (state.get(t) === undefined) visit(t, [...trail, t]);
    }
    state.set(f, 'done');
  };
  for (const f of files) if (state.get(f) === undefined) visit(f, [f]);
  expect(circles).toEqual([]);
  expect(files.length).toBeGreaterThan(30);
});

test('lint refuses a wrong-way import in every folder, and allows a right-way one', () => {
  // One ESLint process over source text placed (virtually) in each folder.
  const cases: Array<[file: string, source: string, refused: boolean]> = [
    ['lib/run/probe.ts', "import { ForkJoin } from '../call/fork-join.js';\nexport const x = ForkJoin;\n", true],
    ['lib/run/probe.ts', "import { Pool } from '../threads/pool.js';\nexport const x = Pool;\n", true],
    ['lib/run/probe.ts', "import { Team } from '../team.js';\nexport const x = Team;\n", true],
    ['lib/protocol/probe.ts', "import { runSlot } from '../run/slot.js';\nexport const x = runSlot;\n", true],
    ['lib/threads/probe.ts', "import { Registry } from '../call/registry.js';\nexport const x = Registry;\n", true],
    ['lib/text/probe.ts', "import { Pool } from '../threads/pool.js';\nexport const x = Pool;\n", true],
    ['lib/call/probe.ts', "import os from 'node:os';\nexport const x = os;\n", true],
    ['lib/team-probe.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", true],
    ['lib/run/probe.ts', "import { CTRL_EPOCH } from '../protocol/control.js';\nexport const x = CTRL_EPOCH;\n", false],
    ['lib/threads/probe.ts', "import { runSlot } from '../run/slot.js';\nexport const x = runSlot;\n", false],
    ['lib/platform/probe.ts', "import os from 'node:os';\nexport const x = os;\n", false],
  ];
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint({ cwd: ${JSON.stringify(ROOT)} });
    const cases = JSON.parse(process.argv[1]);
    const out = [];
    for (const [file, source] of cases) {
      const [result] = await eslint.lintText(source, { filePath: file });
      out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').length);
    }
    console.log(JSON.stringify(out));`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases)], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(res.stderr).toBe('');
  const refusals = JSON.parse(res.stdout) as number[];
  expect(refusals.map((n) => n > 0)).toEqual(cases.map((c) => c[2]));
});
