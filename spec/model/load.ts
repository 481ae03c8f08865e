// Loads the protocol the model runs: the built dist/protocol/transitions.js (or a mutated copy
// of its text), in generator form (spec/model/transform.ts). The generated text is written to
// build/model/ for reading.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONTROL_BYTES } from '#internal/protocol/control.js';
import { ROOT } from '../helpers.js';
import { explore, type Config, type Result } from './checker.js';
import { instantiate, teamSetup, type Protocol } from './threads.js';
import { countAtomicCalls, tokenize, toGenerators, type Generated } from './transform.js';

/** The built protocol's text. */
export function builtSource(): string {
  return readFileSync(path.join(ROOT, 'dist', 'protocol', 'transitions.js'), 'utf8');
}

/** The generator form of `src`, checked: every Atomics call rewritten, every function a generator. */
export function generate(src: string, name: string): Generated {
  const gen = toGenerators(src);
  const atomics = countAtomicCalls(src);
  if (gen.atomicCalls !== atomics) throw new Error(`model transform: ${gen.atomicCalls} of ${atomics} Atomics calls rewritten`);
  const declared = tokenize(src).filter((t) => t.text === 'function').length;
  if (gen.functions.length !== declared) throw new Error(`model transform: ${gen.functions.length} of ${declared} functions made generators`);
  const dir = path.join(ROOT, 'build', 'model');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.gen.js`), gen.text);
  return gen;
}

/** The protocol of `src` in generator form, ready for the model's threads. */
export function protocolOf(src: string, name: string): Protocol {
  return instantiate(generate(src, name));
}

/** Explores the team model (spec/model/threads.ts) of protocol `P` under `cfg`. */
export function check(P: Protocol, cfg: Config): Result {
  return explore(cfg, teamSetup(P, cfg.workers, cfg.calls, cfg.caller), CONTROL_BYTES);
}

/** The counts of a result, one line. */
export function counts(cfg: Config, r: Result): string {
  const outcomes = Object.entries(r.outcomes).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${cfg.name}: ${r.executions} executions, ${r.states} states, ${r.steps} steps, ${r.pruned} pruned; calls: ${outcomes}${r.truncated ? ' (TRUNCATED)' : ''}`;
}
