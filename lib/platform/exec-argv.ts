/**
 * The Node options a team's threads start with: the calling process's own, less those that
 * would make a worker fail to load its entry file, and less those a thread start refused.
 */
import { hostArgs } from './node.js';

/** The worker options that a thread start accepted after refused ones were dropped (withoutRefused). */
let acceptedExecArgv: string[] | undefined;

/**
 * The calling process's Node options, less those about the main script (`-e code`,
 * `--input-type`, ...), which would make a worker fail to load its own entry file, and less
 * those a worker start refused before.
 */
export function workerExecArgv(): string[] {
  if (acceptedExecArgv !== undefined) return acceptedExecArgv;
  const out: string[] = [];
  const args = hostArgs();
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a === '-r' || a === '--require' || a === '--import') {
      if (a === '-r' || a === '--require' || a === '--import') out.push(a, args[k + 1]!);
      k++;
      continue;
    }
    if (/^(--input-type|--eval|--print|-pe|-i$|--interactive|--test|--watch|--check|-c$)/.test(a)) continue;
    out.push(a);
  }
  return out;
}

/**
 * `execArgv` without the flags that `err` (ERR_WORKER_INVALID_EXEC_ARGV: "Initiated Worker
 * with invalid execArgv flags: --expose-gc, --stack-size") names, and without a separate
 * value after a named flag; undefined when `err` is another error or names none of them.
 */
export function withoutRefused(execArgv: readonly string[], err: unknown): string[] | undefined {
  if ((err as { code?: unknown } | null)?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return undefined;
  const list = /flags: (.*)$/.exec(String((err as Error).message))?.[1];
  if (list === undefined) return undefined;
  const refused = new Set(list.split(', '));
  const out: string[] = [];
  for (let k = 0; k < execArgv.length; k++) {
    const a = execArgv[k]!;
    if (!refused.has(a)) out.push(a);
    else if (!a.includes('=') && k + 1 < execArgv.length && !execArgv[k + 1]!.startsWith('-')) k++;
  }
  return out.length < execArgv.length ? out : undefined;
}

/** Remembers the options a thread start accepted after refused ones were dropped. */
export function acceptExecArgv(execArgv: string[]): void {
  acceptedExecArgv = execArgv;
}
