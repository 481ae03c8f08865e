/**
 * Cold-path messages between the calling thread and a worker, on the MessagePort each
 * worker owns. Hot data never travels here: regions start and end through the control
 * block (protocol/control.ts). Messages are read with receiveMessageOnPort on both sides, so a
 * thread blocked in a synchronous call still gets them; see docs/design.md#messages.
 */
import type { ResourceLimits } from '../options.js';
import type { Port } from '../platform/index.js';
import type { ErrorRecord } from '../errors.js';

/** Caller -> worker. */
export type ToWorker =
  /** A body (or reducer identity) shipped as source. */
  | { readonly t: 'source'; readonly id: number; readonly source: string }
  /** A body exported by a module file. */
  | { readonly t: 'module'; readonly id: number; readonly url: string; readonly name: string }
  /** A `shared` payload, by version. Workers keep the newest SHARED_CACHE versions. */
  | { readonly t: 'shared'; readonly version: number; readonly value: unknown }
  /** The identity value of a custom reducer for one region. */
  | { readonly t: 'identity'; readonly region: number; readonly value: unknown };

/** Worker -> caller. */
export type FromWorker =
  | { readonly t: 'error'; readonly region: number; readonly error: ErrorRecord }
  | { readonly t: 'partial'; readonly region: number; readonly slot: number; readonly value: unknown };

/** How many `shared` versions a worker keeps; the caller re-sends older ones. */
export const SHARED_CACHE = 64;

/**
 * Caller -> supervisor: its team (always the first message: a supervisor may start before
 * its team, lib/threads/prestart.ts), start worker `id` on `port`, or stop every worker (design.md#recovery).
 */
export type ToSupervisor =
  | { readonly t: 'init'; readonly init: SupervisorInit }
  | { readonly t: 'start'; readonly id: number; readonly port: Port }
  | { readonly t: 'stop' };

/** Supervisor -> caller, on the notices port: how worker `id` died. */
export interface DeathNotice {
  readonly id: number;
  readonly how: string;
}

/** What the supervisor receives in its first message. */
export interface SupervisorInit {
  readonly control: SharedArrayBuffer;
  readonly workerUrl: string;
  readonly execArgv: string[];
  readonly resourceLimits: ResourceLimits;
  readonly notices: Port;
}

/** What a worker receives in workerData. */
export interface WorkerInit {
  readonly control: SharedArrayBuffer;
  readonly id: number;
  readonly port: Port;
}
