/**
 * The default team: the one behind the module-level functions (index.ts) and the text
 * loader, created on first use with the default size (PARAFOR_NUM_THREADS, else
 * OMP_NUM_THREADS, else the CPU count). Its own module, so that importing it creates no
 * import circle.
 */
import { Team } from './team.js';
import { teamSettings } from './options.js';

let defaultTeam: Team | undefined;

/** The team behind the module-level functions, created on first use. */
export function getDefaultTeam(): Team {
  if (defaultTeam === undefined || defaultTeam.closed) defaultTeam = new Team();
  return defaultTeam;
}

/** The number of threads the default team's loops use (without starting it). */
export function numThreads(): number {
  return defaultTeam !== undefined && !defaultTeam.closed ? defaultTeam.numThreads : teamSettings(undefined).numThreads;
}
