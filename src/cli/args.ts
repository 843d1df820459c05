import { parseArgs } from 'node:util';
import { UsageError } from './command.js';

type OptionSpec = {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
};

/** node:util parseArgs with strict checking, turning its errors into one-line UsageErrors. */
export function parseCommandArgs<T extends Record<string, OptionSpec>>(
  args: readonly string[],
  options: T,
  allowPositionals: boolean,
): { values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string }; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals, strict: true });
    return parsed as unknown as {
      values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };
      positionals: string[];
    };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0]! : String(e));
  }
}
