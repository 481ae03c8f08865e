// ESLint: the recommended JavaScript and TypeScript rules over the library, the specs, the
// perf harness and the scripts (`npm run lint`, part of `npm test`). Type-aware rules are
// not enabled: they would type-check the project a second time on every run.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * One config entry per folder rule. ESLint applies only the last `no-restricted-imports` that
 * matches a file, so each entry repeats the rules of the folders that contain it (lib/** above all).
 */
function importRules(rules) {
  return rules.map(([files, group, message], k) => {
    const patterns = [{ group, message }];
    for (let j = 0; j < k; j++) if (files.startsWith(rules[j][0].replace('**', ''))) patterns.push({ group: rules[j][1], message: rules[j][2] });
    return { files: [files], ignores: files === 'lib/**' ? [] : [], rules: { 'no-restricted-imports': ['error', { patterns }] } };
  }).map((entry, k) => (k === 0 ? { ...entry, ignores: ['lib/platform/**'] } : entry));
}

export default defineConfig(
  { ignores: ['dist/', 'build/', 'node_modules/', 'perf/results/', '.device/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // A body's or callback's parameters are often there for their position: `_name` marks one unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // Import rules of lib/ (docs/design.md#map): a folder says which thread runs its code, and
  // imports run one way. Only lib/platform/ reaches the host (`node:` modules).
  ...importRules([
    ['lib/**', ['node:*'], 'only lib/platform/ imports a node: module (the platform seam)'],
    ['lib/run/**', ['**/call/*', '**/threads/*', '../index.js', '**/team.js', '**/default-team.js', '**/text/*'], 'run/ is what every thread runs: it never imports the calling side (call/, team), threads/ or text/'],
    ['lib/protocol/**', ['**/call/*', '**/threads/*', '**/run/*', '../index.js', '**/team.js', '**/default-team.js', '**/text/*'], 'protocol/ is the control block and its transitions: it imports no other folder of lib/'],
    ['lib/threads/**', ['**/call/*', '../index.js', '**/team.js', '**/default-team.js', '**/text/*'], 'threads/ starts and watches threads: it never imports the calling side (call/, team) or text/'],
    ['lib/call/**', ['**/text/*', '../index.js'], 'call/ never imports text/ or the facade'],
    ['lib/text/**', ['**/call/*', '**/threads/*', '**/protocol/*'], 'text/ uses the public API and run/ only'],
  ]),
  {
    // The runtime smoke suite runs on Bun and Deno too, and checks CommonJS users' require().
    files: ['smoke/**', 'perf/repro/matmul-runtimes.mjs'],
    languageOptions: { globals: { ...globals.node, Bun: 'readonly', Deno: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
