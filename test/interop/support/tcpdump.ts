// A second capture while startCapture (tshark) runs: tcpdump, because two tshark captures at once
// corrupt each other's files (seen: "File has 2902458368-byte packet"; the first one stopped early).
import { spawn } from 'node:child_process';

export interface TcpdumpCapture {
  readonly file: string;
  stop(): Promise<string>;
}

/** `tcpdump -i IFACE -w FILE -U FILTER`, in `netns` if given; resolves once it listens. */
export function tcpdumpCapture(
  file: string,
  options: { iface: string; filter: string; netns?: string },
): Promise<TcpdumpCapture> {
  const tcpdump = ['tcpdump', '-i', options.iface, '-s', '0', '-U', '-w', file, options.filter];
  const argv = options.netns ? ['ip', 'netns', 'exec', options.netns, ...tcpdump] : tcpdump;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 15_000);
    child.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${stderr}`)));
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!/listening on/.test(stderr)) return;
      clearTimeout(timer);
      resolve({
        file,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              done(file);
              return;
            }
            const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(killer);
              done(file);
            });
            child.kill('SIGINT');
          }),
      });
    });
  });
}
