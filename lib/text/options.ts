/**
 * Options of loadText and reduceLines: their types, defaults and validation, once per call.
 * Messages follow the core's (lib/options.ts): they name the option and the value, with a
 * TypeError for a wrong type and a RangeError for a value out of range.
 */
import { badOption, notPositiveInteger, unknownName, outOfRange } from '../errors.js';
import { getDefaultTeam } from '../default-team.js';
import { checkKeys, checkThreads, optionKeys } from '../options.js';
import { snapshotShared } from '../run/shared.js';
import { Team } from '../team.js';

/** How reduceLines hands a line to the fold: a UTF-8 decoded string, or a view of its bytes. */
export type LineEncoding = 'utf8' | 'bytes';
export const LINE_ENCODINGS: readonly LineEncoding[] = ['utf8', 'bytes'];

/** Bytes read per positional read. reduceLines keeps one block per thread. */
export const DEFAULT_BLOCK_SIZE = 256 * 1024;
/** The largest block: one read() moves at most 2^31 - 1 bytes. */
export const MAX_BLOCK_SIZE = 2 ** 30;

/** Options of loadText. */
export interface LoadTextOptions {
  /** Threads (and parts of the file), the calling thread included. Default: the team's size. */
  numThreads?: number;
  /** Bytes per positional read, 1 .. 2^30. Default 256 KiB. */
  blockSize?: number;
  /** Keep the '\r' of a "\r\n" line end in the lines. Default false: CRLF lines lose their '\r'. */
  keepCR?: boolean;
  /** The team whose threads read. Default: the default team (getDefaultTeam()). */
  team?: Team;
}

/** Options of reduceLines. */
export interface ReduceLinesOptions<S = unknown> extends LoadTextOptions {
  /**
   * 'utf8' (default): the fold receives each line as a string. 'bytes': as a Uint8Array view
   * of the line's bytes, valid only during that call of the fold (faster: nothing is decoded).
   */
  encoding?: LineEncoding;
  /** The fold's `shared` argument, as for parallel loops (SharedArrayBuffers, typed arrays on them, plain data). */
  shared?: S;
}

/** A call's options after validation and defaults. */
export interface TextSettings {
  readonly team: Team;
  readonly numThreads: number;
  readonly blockSize: number;
  readonly keepCR: boolean;
  readonly encoding: LineEncoding;
  readonly shared: unknown;
}

const LOAD_NAMES = ['numThreads', 'blockSize', 'keepCR', 'team'];
const LOAD_KEYS = optionKeys(LOAD_NAMES);
const REDUCE_KEYS = optionKeys([...LOAD_NAMES, 'encoding', 'shared']);

function checkBlockSize(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw notPositiveInteger('blockSize', value);
  if (value > MAX_BLOCK_SIZE) throw outOfRange('blockSize', value, `at most ${MAX_BLOCK_SIZE}`);
  return value;
}

/** Validates the options of loadText (`forReduce` false) or reduceLines (true). */
export function textSettings(options: unknown, forReduce: boolean): TextSettings {
  const o = checkKeys('options', options, forReduce ? REDUCE_KEYS : LOAD_KEYS);
  if (o.team !== undefined && !(o.team instanceof Team)) throw badOption('team', o.team, 'a parafor Team');
  if (o.numThreads !== undefined) checkThreads('numThreads', o.numThreads);
  const blockSize = o.blockSize === undefined ? DEFAULT_BLOCK_SIZE : checkBlockSize(o.blockSize);
  if (o.keepCR !== undefined && typeof o.keepCR !== 'boolean') throw badOption('keepCR', o.keepCR, 'a boolean');
  if (o.encoding !== undefined && !LINE_ENCODINGS.includes(o.encoding as LineEncoding)) {
    throw unknownName('encoding', o.encoding, LINE_ENCODINGS);
  }
  // The fold's payload travels inside the kernel's; checking it here names its own paths (`shared.x`).
  if (o.shared !== undefined) snapshotShared(o.shared, 'shared');
  const team = (o.team as Team | undefined) ?? getDefaultTeam();
  return {
    team,
    numThreads: (o.numThreads as number | undefined) ?? team.numThreads,
    blockSize,
    keepCR: o.keepCR === true,
    encoding: (o.encoding as LineEncoding | undefined) ?? 'utf8',
    shared: o.shared,
  };
}
