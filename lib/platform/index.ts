/**
 * The platform seam: the names through which lib/ reaches its host (threads and their ports,
 * the exit hook, environment variables, the CPU count, the host's options for threads, file
 * access). Everything else parafor runs is ECMAScript (SharedArrayBuffer, Atomics, timers,
 * `performance`). This file picks Node's implementation (node.ts, which Bun and Deno run
 * too); another platform provides the same names.
 */
export {
  cpuCount,
  files,
  hostArgs,
  isMainThread,
  newChannel,
  onExit,
  parentPort,
  readEnv,
  receive,
  startThread,
  threadData,
  type FileStats,
  type Port,
  type Thread,
  type ThreadOptions,
} from './node.js';
