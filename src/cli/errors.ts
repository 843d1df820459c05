/**
 * Failures the CLI reports in one line, `rserpool <command>: <what is wrong> (<what to do>)`, exit 1:
 * its own (`CliError`) and Node's socket errors (a port taken, an address not on this host), which
 * would otherwise surface as an internal error with a stack trace.
 */

/** An operation failed for a reason the user can act on; main prints the message alone, exit 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Socket error codes that mean "this address or port cannot be bound here". */
const BIND_CODES = ['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES'] as const;
type BindCode = (typeof BIND_CODES)[number];

interface BindFailure {
  readonly code: BindCode;
  readonly address: string | undefined;
  readonly port: number | undefined;
}

/**
 * A bind failure in `e` or its causes: Node's own error carries `code`, `address` and `port`; the I/O
 * layer may wrap it in an Error whose message only quotes it ("bind EADDRINUSE 127.0.0.1:9899").
 */
export function bindFailure(e: unknown): BindFailure | undefined {
  const chain: Error[] = [];
  for (let x: unknown = e; x instanceof Error && chain.length < 5; x = x.cause) chain.push(x);
  for (const x of chain) {
    const f = x as Error & { code?: unknown; address?: unknown; port?: unknown };
    if (typeof f.code === 'string' && (BIND_CODES as readonly string[]).includes(f.code)) {
      return {
        code: f.code as BindCode,
        address: typeof f.address === 'string' ? f.address : undefined,
        port: typeof f.port === 'number' && f.port !== 0 ? f.port : undefined,
      };
    }
  }
  for (const x of chain) {
    const m = /\b(EADDRINUSE|EADDRNOTAVAIL|EACCES)\b(?:\s+(\S+))?/.exec(x.message);
    if (!m) continue;
    const at = m[2] === undefined ? undefined : /^(.*?)(?::(\d+))?$/.exec(m[2]);
    const port = at?.[2] === undefined ? undefined : Number(at[2]);
    return {
      code: m[1] as BindCode,
      address: at?.[1]?.replace(/^\[|\]$/g, ''),
      port: port === 0 ? undefined : port,
    };
  }
  return undefined;
}

/**
 * The one-line message for a bind failure: which address and port, and which of the command's flags
 * (`flags`, e.g. "--local or --udp-port") choose others. Every socket of ours is UDP (SCTP over UDP).
 */
export function bindFailureMessage(f: BindFailure, flags: string): string {
  const where = `UDP ${f.address ?? 'address'}${f.port === undefined ? '' : `:${f.port}`}`;
  switch (f.code) {
    case 'EADDRINUSE':
      return `cannot bind ${where}: another process uses it (stop that one, or choose another address or port with ${flags})`;
    case 'EADDRNOTAVAIL':
      return `cannot bind ${where}: not an address of this host (choose one of this host's addresses with ${flags})`;
    case 'EACCES':
      return `cannot bind ${where}: permission denied (choose a port from 1024 up with ${flags})`;
  }
}
