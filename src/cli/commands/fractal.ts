import { writeFile } from 'node:fs/promises';
import { runClient } from '../../api/index.js';
import { encodePng, FractalClient, type FractalClientEvent, fractalToPng } from '../../services/index.js';
import { parseClientArgs } from '../client-args.js';
import { awaitConnected, clientUsage, openClientSession } from '../client-session.js';
import { type Command, ExitCode, UsageError } from '../command.js';
import { CLI_DEFAULTS } from '../defaults.js';
import { CliError } from '../errors.js';
import { intOption, required } from '../options.js';

const POOL = 'FractalGeneratorPool';

const usage = `Usage: rserpool fractal --out FILE.png --registrar HOST:PORT [options]

A Fractal Generator pool user, wire compatible with RSPLIB's fractal service (PPID 32): asks the pool
for a Mandelbrot image, collects the points as they arrive, fails over (continuing from the cookie)
when a pool element dies, and writes a PNG in which each pool element's share has its own colour.
Exits 1 if the picture could not be completed, or if no pool element answered within --timeout
(unknown pool, no registrar answering).

Options:
  --out FILE.png          where to write the picture (required)
  --width N               image width (default ${CLI_DEFAULTS.fractalWidth})
  --height N              image height (default ${CLI_DEFAULTS.fractalHeight})
  --max-iterations N      iterations per point (default ${CLI_DEFAULTS.fractalMaxIterations})
${clientUsage(POOL)}

Example:
  rserpool server --fractal --registrar 127.0.0.1:3863 --local 127.0.0.2
  rserpool fractal --registrar 127.0.0.1:3863 --out mandelbrot.png --width 200 --height 150
`;

export const fractalCommand: Command = {
  name: 'fractal',
  summary: 'a Fractal Generator pool user writing a PNG coloured by pool element',
  usage,
  addressFlags: '--local',
  async run(args, io) {
    const v = parseClientArgs(args, ['out', 'width', 'height', 'max-iterations']);
    const out = required(v.out, 'out');
    if (!out.toLowerCase().endsWith('.png')) throw new UsageError('--out must name a .png file');
    const width = intOption(v.width, 'width', 1, 8192) ?? CLI_DEFAULTS.fractalWidth;
    const height = intOption(v.height, 'height', 1, 8192) ?? CLI_DEFAULTS.fractalHeight;
    const maxIterations =
      intOption(v['max-iterations'], 'max-iterations', 1, 1_000_000) ?? CLI_DEFAULTS.fractalMaxIterations;
    const c = await openClientSession(v, POOL, io, { resendOnFailover: false });
    const { user, session, notice } = c;
    let failed: string | undefined;
    session.on('failed', (reason) => {
      failed = reason;
    });
    // RSPLIB iterates z <- z^2 - c, the mirror image of the usual set: real bounds 2.2 .. -1 show it as usual.
    const client = new FractalClient({
      parameter: {
        width,
        height,
        maxIterations,
        algorithmId: 1,
        c1Real: 2.2,
        c1Imag: -1.2,
        c2Real: -1,
        c2Imag: 1.2,
        n: 2,
      },
    });
    let png: Uint8Array | undefined;
    const done = runClient<FractalClientEvent>(session, client, (e) => {
      if (e.kind === 'completed') {
        png = encodePng(fractalToPng(e.image));
        io.stdout.write(
          `${out}: ${width}x${height}, ${e.failovers} failover(s), ${e.image.missingPoints} point(s) missing\n`,
        );
      } else if (e.kind === 'dataTimeout') notice('no data in time; failing over');
      else if (e.kind === 'malformed') notice(`malformed message: ${e.reason}`);
    });
    await awaitConnected(c);
    await done;
    await user.close();
    if (failed)
      throw new CliError(`the session to pool '${c.setup.pool}' failed (${failed}); ${out} not written`);
    if (!png) return ExitCode.Failure;
    await writeFile(out, png);
    return ExitCode.Ok;
  },
};
