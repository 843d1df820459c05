/** The flags of a client command (calcapp, fractal, pingpong, terminal): the shared ones and its own. */
import { parseCommandArgs } from './args.js';
import { CLIENT_OPTIONS, type ClientValues } from './client-session.js';

/** Parses CLIENT_OPTIONS plus the command's own options, each taking a value (`--name VALUE`). */
export function parseClientArgs<K extends string>(
  args: readonly string[],
  own: readonly K[],
): ClientValues & Partial<Record<K, string>> {
  const spec = Object.fromEntries(own.map((name) => [name, { type: 'string' as const }]));
  const { values } = parseCommandArgs(args, { ...CLIENT_OPTIONS, ...spec }, false);
  return values as ClientValues & Partial<Record<K, string>>;
}
