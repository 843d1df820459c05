import { runClient } from '../../api/index.js';
import { CalcAppClient, type CalcAppClientEvent } from '../../services/index.js';
import { parseCommandArgs } from '../args.js';
import { CLIENT_OPTIONS, CLIENT_USAGE, type ClientValues, openClientSession } from '../client-session.js';
import { type Command, ExitCode } from '../command.js';
import { hex32 } from '../log.js';
import { intOption } from '../options.js';

const usage = `Usage: rserpool calcapp --registrar HOST:PORT [options]

A CalcApp pool user, wire compatible with RSPLIB's calcappclient (PPID 34): submits a job of
--job-size calculations, watches it with CalcApp keep-alives, and when its pool element dies reports it
unreachable and resumes the job on another one from the last cookie. Prints each job's report.

Options:
  --jobs N                jobs to run one after another (default 1)
  --job-size N            calculations per job (default 10000000)
  --keepalive-interval MS CalcApp keep-alive interval (default 2500)
  --keepalive-timeout MS  wait for the keep-alive ack before failing over (default 2500)
${CLIENT_USAGE}
`;

export const calcappCommand: Command = {
  name: 'calcapp',
  summary: 'a CalcApp pool user (RSPLIB calcappclient compatible)',
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(
      args,
      {
        ...CLIENT_OPTIONS,
        jobs: { type: 'string' },
        'job-size': { type: 'string' },
        'keepalive-interval': { type: 'string' },
        'keepalive-timeout': { type: 'string' },
      },
      false,
    );
    const v = values as ClientValues &
      Record<'jobs' | 'job-size' | 'keepalive-interval' | 'keepalive-timeout', string | undefined>;
    const jobs = intOption(v.jobs, 'jobs', 1, 1_000_000) ?? 1;
    const jobSize = intOption(v['job-size'], 'job-size', 1, Number.MAX_SAFE_INTEGER) ?? 10_000_000;
    const ka = intOption(v['keepalive-interval'], 'keepalive-interval', 10, 3_600_000);
    const kt = intOption(v['keepalive-timeout'], 'keepalive-timeout', 10, 3_600_000);
    let completed = 0;
    for (let job = 1; job <= jobs; job++) {
      const { user, session, notice } = await openClientSession(v, 'CalcAppPool', io);
      const client = new CalcAppClient({
        jobId: job,
        jobSize,
        ...(ka === undefined ? {} : { keepAliveTransmissionIntervalMs: ka }),
        ...(kt === undefined ? {} : { keepAliveTimeoutIntervalMs: kt }),
      });
      await runClient<CalcAppClientEvent>(session, client, (e) => {
        if (e.kind === 'completed') {
          completed++;
          const r = e.report;
          io.stdout.write(
            `job ${r.jobId}: ${r.jobSize} calculations in ${((r.completedAt - r.startedAt) / 1000).toFixed(2)} s on ${r.poolElements.map(hex32).join(' -> ')}; ${r.failovers} failover(s), ${r.resumedFromCookie} resumed from cookie\n`,
          );
        } else if (e.kind === 'keepAliveTimeout') notice(`no keep-alive ack from ${hex32(e.pe)}`);
        else if (e.kind === 'rejected') notice(`job rejected by ${hex32(e.pe)}`);
        else if (e.kind === 'malformed') notice(`malformed message: ${e.reason}`);
      });
      await user.close();
    }
    return completed === jobs ? ExitCode.Ok : ExitCode.Failure;
  },
};
