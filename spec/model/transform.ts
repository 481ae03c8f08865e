// Turns the built protocol (dist/protocol/transitions.js) into a module of generators that a
// model checker drives one atomic step at a time (spec/model/checker.ts), in the spirit of
// Rust's loom: the shipped code runs, not a copy of it. The text is tokenized (strings,
// comments and templates skipped, parentheses matched) and only these changes are made:
//   - every function declared becomes a generator (`function*`);
//   - every call of one of them, `f(...)`, becomes `(yield* f(...))`;
//   - every `Atomics.op(...)` becomes `(yield* $A.op(...))`: a scheduling point of the checker,
//     then the real operation on the real Int32Array; `Atomics.pause` becomes `$A.pause`;
//   - `performance.now()` becomes `$A.now()` (the model's clock);
//   - the one import (of './control.js') becomes a destructuring of the control module, and
//     `export` declarations become the returned object's members.
// Whole calls are wrapped in parentheses, so operator precedence is untouched. Anything the
// transform does not understand (a second import, a function used as a value, a function
// expression, an Atomics member it does not know, a regular expression literal) throws: when
// the source changes shape, the model fails loudly instead of checking something else.

interface Token {
  readonly kind: 'id' | 'punct' | 'num';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const ATOMIC_OPS = new Set(['load', 'store', 'add', 'sub', 'and', 'or', 'xor', 'exchange', 'compareExchange', 'wait', 'waitAsync', 'notify']);
const REGEX_BEFORE = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await']);

/** The tokens of `src` that matter here: identifiers, numbers and punctuation (one character each, except `=>`). */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const close = src.indexOf('*/', i + 2);
      if (close < 0) throw new Error(`model transform: unterminated comment at ${i}`);
      i = close + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < n && src[j] !== c) {
        if (src[j] === '\\') j++;
        else if (c === '`' && src[j] === '$' && src[j + 1] === '{') throw new Error(`model transform: a template with a substitution at ${i} is not supported`);
        j++;
      }
      if (j >= n) throw new Error(`model transform: unterminated string at ${i}`);
      i = j + 1;
    } else if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(src[j]!)) j++;
      out.push({ kind: 'id', text: src.slice(i, j), start: i, end: j });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(src[j]!)) j++;
      out.push({ kind: 'num', text: src.slice(i, j), start: i, end: j });
      i = j;
    } else {
      if (c === '/') {
        const prev = out[out.length - 1];
        const divides = prev !== undefined && (prev.kind === 'num' || (prev.kind === 'id' && !REGEX_BEFORE.has(prev.text)) || prev.text === ')' || prev.text === ']');
        if (!divides) throw new Error(`model transform: a regular expression literal at ${i} is not supported`);
      }
      const text = c === '=' && src[i + 1] === '>' ? '=>' : c;
      out.push({ kind: 'punct', text, start: i, end: i + text.length });
      i += text.length;
    }
  }
  return out;
}

/** The index of the token that closes the bracket opened at `open`. */
function matching(toks: readonly Token[], open: number): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  for (let k = open; k < toks.length; k++) {
    const t = toks[k]!.text;
    if (t in pairs) stack.push(pairs[t]!);
    else if (t === ')' || t === ']' || t === '}') {
      if (stack.pop() !== t) throw new Error(`model transform: unbalanced ${t} at ${toks[k]!.start}`);
      if (stack.length === 0) return k;
    }
  }
  throw new Error(`model transform: no match for the bracket at ${toks[open]!.start}`);
}

export interface Generated {
  /** The generator module's text: the body of a function of (control, $A) that returns the exports. */
  readonly text: string;
  /** The functions made generators, in source order. */
  readonly functions: readonly string[];
  /** The names exported. */
  readonly exports: readonly string[];
  /** Atomics calls rewritten into scheduling points. */
  readonly atomicCalls: number;
  /** Calls between the protocol's functions rewritten into `yield*`. */
  readonly innerCalls: number;
}

/** The generator form of the built protocol module `src` (see the top of this file). */
export function toGenerators(src: string): Generated {
  const toks = tokenize(src);
  const edits: { at: number; end: number; text: string; order: number }[] = [];
  const replace = (t: Token, text: string): void => void edits.push({ at: t.start, end: t.end, text, order: 1 });
  const insert = (at: number, text: string, order: number): void => void edits.push({ at, end: at, text, order });

  // The declared functions, and nothing that declares a function another way.
  const functions: string[] = [];
  const exports: string[] = [];
  let imports = 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.kind !== 'id') continue;
    if (t.text === 'function') {
      const name = toks[k + 1];
      if (name?.kind !== 'id' || toks[k + 2]?.text !== '(') throw new Error(`model transform: a function expression at ${t.start} is not supported`);
      if (toks[k - 1]?.text === 'async' || toks[k + 1]?.text === '*') throw new Error(`model transform: an async or generator function at ${t.start} is not supported`);
      functions.push(name.text);
      replace(t, 'function*');
    } else if (t.text === 'export') {
      const what = toks[k + 1]?.text;
      const name = toks[k + 2];
      if ((what !== 'function' && what !== 'const') || name?.kind !== 'id') throw new Error(`model transform: an export of another form at ${t.start} is not supported`);
      exports.push(name.text);
      replace(t, '');
    } else if (t.text === 'import') {
      const close = toks.findIndex((x, j) => j > k && x.text === '}');
      const from = toks[close + 1];
      if (toks[k + 1]?.text !== '{' || from?.text !== 'from') throw new Error(`model transform: an import of another form at ${t.start}`);
      const spec = src.slice(from.end, toks[close + 2]?.start ?? src.length);
      if (!/^\s*'\.\/control\.js'\s*$/.test(spec)) throw new Error(`model transform: an import of ${spec.trim()} (only './control.js' is known)`);
      imports++;
      edits.push({ at: t.start, end: toks[k + 1]!.start, text: 'const ', order: 1 });
      edits.push({ at: from.start, end: toks[close + 2]?.start ?? from.end, text: '= control', order: 1 });
    }
  }
  if (imports !== 1) throw new Error(`model transform: expected one import of './control.js', found ${imports}`);
  const declared = new Set(functions);
  if (declared.size !== functions.length) throw new Error('model transform: a function is declared twice');

  let atomicCalls = 0;
  let innerCalls = 0;
  const wrap = (first: Token, open: number): void => {
    const close = matching(toks, open);
    insert(first.start, '(yield* ', 2);
    insert(toks[close]!.end, ')', 0);
  };
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.kind !== 'id') continue;
    const prev = toks[k - 1]?.text;
    if (t.text === 'Atomics') {
      if (prev === '.') continue;
      const member = toks[k + 2];
      if (toks[k + 1]?.text !== '.' || member?.kind !== 'id') throw new Error(`model transform: Atomics used as a value at ${t.start}`);
      if (member.text === 'pause' && toks[k + 3]?.text !== '(') {
        replace(t, '$A');
        continue;
      }
      if (!ATOMIC_OPS.has(member.text) || toks[k + 3]?.text !== '(') throw new Error(`model transform: Atomics.${member.text} at ${t.start} is not known to the model`);
      replace(t, '$A');
      wrap(t, k + 3);
      atomicCalls++;
    } else if (t.text === 'performance') {
      if (toks[k + 1]?.text !== '.' || toks[k + 2]?.text !== 'now' || toks[k + 3]?.text !== '(' || toks[k + 4]?.text !== ')') {
        throw new Error(`model transform: performance used other than as performance.now() at ${t.start}`);
      }
      edits.push({ at: t.start, end: toks[k + 2]!.end, text: '$A.now', order: 1 });
    } else if (declared.has(t.text) && prev !== 'function' && prev !== '.') {
      if (prev === 'export' || toks[k + 1]?.text !== '(') throw new Error(`model transform: ${t.text} is used as a value at ${t.start}, not called`);
      wrap(t, k + 1);
      innerCalls++;
    }
  }
  for (const t of toks) if (t.text === '$A' || t.text === 'control' || t.text === 'yield') throw new Error(`model transform: the source already uses the name ${t.text}`);

  // Apply the edits from the end; at one position, the replacement first, then what goes
  // before it: `(yield* ` nearest to it, a closing parenthesis before that.
  edits.sort((a, b) => b.at - a.at || b.end - b.at - (a.end - a.at) || b.order - a.order);
  let text = src;
  let last = Infinity;
  for (const e of edits) {
    if (e.end > last) throw new Error(`model transform: overlapping edits at ${e.at}`);
    text = text.slice(0, e.at) + e.text + text.slice(e.end);
    last = e.at;
  }
  const missing = exports.filter((x) => !/^[A-Za-z_$][\w$]*$/.test(x));
  if (missing.length > 0) throw new Error(`model transform: odd export names ${missing.join(', ')}`);
  text = `'use strict';\n${text}\nreturn { ${exports.join(', ')} };\n`;
  return { text, functions, exports, atomicCalls, innerCalls };
}

/** Counts `Atomics.<op>(` calls in `src` (the transform must rewrite every one). */
export function countAtomicCalls(src: string): number {
  const toks = tokenize(src);
  let count = 0;
  for (let k = 0; k + 3 < toks.length; k++) {
    if (toks[k]!.text === 'Atomics' && toks[k + 1]!.text === '.' && toks[k + 3]!.text === '(') count++;
  }
  return count;
}
