/**
 * Environment variables, read when a setting needs one (never at import). A runtime that
 * denies access means "not set": Deno without --allow-env throws NotCapable on a read of
 * process.env, and would prompt on a terminal, so its permission is queried first.
 */

/** Looks up one environment variable: its value, or undefined when unset or not readable. */
export type EnvLookup = (name: string) => string | undefined;

interface DenoPermissions {
  permissions?: { querySync?: (d: { name: 'env'; variable: string }) => { state: string } };
}

/** The process's environment, through whatever the runtime allows. */
export const readEnv: EnvLookup = (name) => {
  try {
    const deno = (globalThis as { Deno?: DenoPermissions }).Deno;
    const query = deno?.permissions?.querySync;
    if (query !== undefined && query.call(deno!.permissions, { name: 'env', variable: name }).state !== 'granted') return undefined;
    return process.env[name];
  } catch {
    return undefined;
  }
};
