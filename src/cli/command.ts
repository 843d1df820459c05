/** The shape every `rserpool` subcommand has, and the streams it talks to (injectable for tests). */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Reads all of standard input (used by `encode`). */
  readStdin(): Promise<string>;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full usage text, shown by `rserpool <command> --help` and after a usage error. */
  readonly usage: string;
  /**
   * The flags that choose this command's local addresses and ports, named when a bind fails
   * ("--local or --udp-port"); absent for commands that bind nothing.
   */
  readonly addressFlags?: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes: 0 success, 1 the operation failed, 2 bad usage (RFC-less but conventional). */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2 } as const;

/** Thrown by argument parsing; main prints its message on one line plus the command's usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
