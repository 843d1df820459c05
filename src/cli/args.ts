import { parseArgs } from 'node:util';
import { UsageError } from './command.js';

export type OptionSpec = {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
};

type Values<T extends Record<string, OptionSpec>> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean'
    ? boolean
    : T[K]['multiple'] extends true
      ? string[]
      : string;
};

/**
 * node:util parseArgs with strict checking, turning its errors into one-line UsageErrors. A value
 * option given twice is refused (parseArgs would keep the last one silently); only options declared
 * `multiple` may repeat.
 */
export function parseCommandArgs<T extends Record<string, OptionSpec>>(
  args: readonly string[],
  options: T,
  allowPositionals: boolean,
): { values: Values<T>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0]! : String(e));
  }
  const seen = new Map<string, string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option' || t.value === undefined || options[t.name]?.multiple) continue;
    const earlier = seen.get(t.name);
    if (earlier !== undefined)
      throw new UsageError(
        `--${t.name} given twice ('${earlier}' and '${t.value}'); it takes one value (give it once)`,
      );
    seen.set(t.name, t.value);
  }
  return { values: parsed.values as Values<T>, positionals: parsed.positionals };
}
