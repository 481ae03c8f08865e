/**
 * The platform seam, Node's side (Bun and Deno run it too): everything parafor needs of its
 * host that ECMAScript does not give, in one place. lib/platform/index.ts names what the rest
 * of lib/ may use; only this folder imports a `node:` module (eslint.config.js enforces it).
 * A second platform provides the same names in a file of its own.
 */
import { availableParallelism } from 'node:os';
import { closeSync as fsCloseSync, close, constants, fstat, fstatSync as fsFstatSync, open, openSync, readSync as fsReadSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MessageChannel, Worker, isMainThread as nodeIsMainThread, parentPort as nodeParentPort, receiveMessageOnPort, workerData, type MessagePort, type ResourceLimits } from 'node:worker_threads';

/** A thread started by startThread. */
export type Thread = Worker;
/** One end of a message channel. */
export type Port = MessagePort;

/** The number of threads the host can run at once (os.availableParallelism()). */
export function cpuCount(): number {
  return availableParallelism();
}

/** Whether this is the process's main thread. */
export const isMainThread: boolean = nodeIsMainThread;

/** What a thread started by startThread receives as its `threadData`. */
export interface ThreadOptions {
  readonly execArgv?: readonly string[];
  readonly threadData?: unknown;
  readonly resourceLimits?: ResourceLimits;
  readonly transferList?: readonly Port[];
}

/** Starts a thread on the module at `url`. */
export function startThread(url: URL, options: ThreadOptions = {}): Thread {
  return new Worker(url, {
    execArgv: options.execArgv as string[] | undefined,
    workerData: options.threadData,
    resourceLimits: options.resourceLimits,
    transferList: options.transferList as MessagePort[] | undefined,
  });
}

/** A new message channel whose first end does not keep the process alive. */
export function newChannel(): { port1: Port; port2: Port } {
  const channel = new MessageChannel();
  channel.port1.unref();
  return channel;
}

/** The next message waiting on `port`, read without the event loop (a blocked thread reads it too); undefined when none. */
export function receive(port: Port): { message: unknown } | undefined {
  return receiveMessageOnPort(port);
}

/** On a thread started by startThread: the port to its parent, and the data it was started with. */
export const parentPort: Port | null = nodeParentPort;
export const threadData: unknown = workerData;

/** Runs `hook` when this thread is about to end through process.exit() (or the main thread's end). */
export function onExit(hook: (code: number) => void): void {
  process.on('exit', hook);
}

/** The host's own command-line options (Node's execArgv), which threads inherit. */
export function hostArgs(): readonly string[] {
  return process.execArgv;
}

interface DenoPermissions {
  permissions?: { querySync?: (d: { name: 'env'; variable: string }) => { state: string } };
}

/**
 * One environment variable, read when a setting needs one (never at import): its value, or
 * undefined when unset or not readable. A runtime that denies access means "not set": Deno
 * without --allow-env throws NotCapable on a read of process.env, and would prompt on a
 * terminal, so its permission is queried first.
 */
export function readEnv(name: string): string | undefined {
  try {
    const deno = (globalThis as { Deno?: DenoPermissions }).Deno;
    const query = deno?.permissions?.querySync;
    if (query !== undefined && query.call(deno!.permissions, { name: 'env', variable: name }).state !== 'granted') return undefined;
    return process.env[name];
  } catch {
    return undefined;
  }
}

/** What the text loader needs of a file: its size and identity. */
export interface FileStats {
  readonly size: number;
  readonly dev: number | bigint;
  readonly ino: number | bigint;
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const openAsync = promisify(open);
const fstatAsync = promisify(fstat);
const closeAsync = promisify(close);

/** File access by descriptor, for the text loader: opened read-only (non-blocking on a FIFO), read by position. */
export const files = {
  open: (path: string): Promise<number> => openAsync(path, READ_FLAGS),
  openSync: (path: string): number => openSync(path, READ_FLAGS),
  fstat: (fd: number): Promise<FileStats> => fstatAsync(fd),
  fstatSync: (fd: number): FileStats => fsFstatSync(fd),
  close: (fd: number): Promise<void> => closeAsync(fd),
  closeSync: (fd: number): void => fsCloseSync(fd),
  readSync: (fd: number, buf: Uint8Array, offset: number, length: number, position: number): number => fsReadSync(fd, buf, offset, length, position),
  /** A file: URL (its href) as a path. */
  pathOf: (href: string): string => fileURLToPath(href),
};
