// Helpers shared by the specs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root (specs run from build/spec). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs a snippet of ESM code in a fresh Node process (with `nodeFlags` before it), with `parafor` importable. */
export function runNode(code: string, env: Record<string, string> = {}, timeoutMs = 30_000, nodeFlags: string[] = []) {
  const res = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', code], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr };
}
