import { main } from '../../src/cli/main.js';

/** Runs the CLI in-process with captured streams. */
export async function runCli(
  argv: readonly string[],
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    readStdin: async () => stdin,
  });
  return { code, stdout, stderr };
}
