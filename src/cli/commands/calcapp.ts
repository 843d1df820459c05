import { runClient } from '../../api/index.js';
import { CalcAppClient, type CalcAppClientEvent, SERVICE_DEFAULTS } from '../../services/index.js';
import { parseClientArgs } from '../client-args.js';
import { awaitConnected, clientUsage, openClientSession } from '../client-session.js';
import { type Command, ExitCode } from '../command.js';
import { CLI_DEFAULTS } from '../defaults.js';
import { CliError } from '../errors.js';
import { hex32 } from '../log.js';
import { intOption } from '../options.js';

const POOL = 'CalcAppPool';

const usage = `Usage: rserpool calcapp --registrar HOST:PORT [options]

A CalcApp pool user, wire compatible with RSPLIB's calcappclient (PPID 34): submits a job of
--job-size calculations, watches it with CalcApp keep-alives, and when its pool element dies reports it
unreachable and resumes the job on another one from the last cookie. Prints each job's report. Exits 1
if a job did not complete, or if no pool element answered within --timeout (unknown pool, no registrar
answering).

Options:
  --jobs N                jobs to run one after another (default ${CLI_DEFAULTS.calcAppJobs})
  --job-size N            calculations per job (default ${SERVICE_DEFAULTS.calcAppJobSize})
  --keepalive-interval MS CalcApp keep-alive interval (default ${SERVICE_DEFAULTS.calcAppKeepAliveTransmissionIntervalMs})
  --keepalive-timeout MS  wait for the keep-alive ack before failing over (default ${SERVICE_DEFAULTS.calcAppKeepAliveTimeoutIntervalMs})
${clientUsage(POOL)}

Example:
  rserpool server --calcapp --registrar 127.0.0.1:3863 --local 127.0.0.2
  rserpool calcapp --registrar 127.0.0.1:3863 --jobs 2 --job-size 1000000
`;

export const calcappCommand: Command = {
  name: 'calcapp',
  summary: 'a CalcApp pool user (RSPLIB calcappclient compatible)',
  usage,
  addressFlags: '--local',
  async run(args, io) {
    const v = parseClientArgs(args, ['jobs', 'job-size', 'keepalive-interval', 'keepalive-timeout']);
    const jobs = intOption(v.jobs, 'jobs', 1, 1_000_000) ?? CLI_DEFAULTS.calcAppJobs;
    const jobSize =
      intOption(v['job-size'], 'job-size', 1, Number.MAX_SAFE_INTEGER) ?? SERVICE_DEFAULTS.calcAppJobSize;
    const ka =
      intOption(v['keepalive-interval'], 'keepalive-interval', 10, 3_600_000) ??
      SERVICE_DEFAULTS.calcAppKeepAliveTransmissionIntervalMs;
    const kt =
      intOption(v['keepalive-timeout'], 'keepalive-timeout', 10, 3_600_000) ??
      SERVICE_DEFAULTS.calcAppKeepAliveTimeoutIntervalMs;
    let completed = 0;
    for (let job = 1; job <= jobs; job++) {
      const c = await openClientSession(v, POOL, io, { resendOnFailover: false });
      const client = new CalcAppClient({
        jobId: job,
        jobSize,
        keepAliveTransmissionIntervalMs: ka,
        keepAliveTimeoutIntervalMs: kt,
      });
      let failed: string | undefined;
      c.session.on('failed', (reason) => {
        failed = reason;
      });
      const done = runClient<CalcAppClientEvent>(c.session, client, (e) => {
        if (e.kind === 'completed') {
          completed++;
          const r = e.report;
          io.stdout.write(
            `job ${r.jobId}: ${r.jobSize} calculations in ${((r.completedAt - r.startedAt) / 1000).toFixed(2)} s on ${r.poolElements.map(hex32).join(' -> ')}; ${r.failovers} failover(s), ${r.resumedFromCookie} resumed from cookie\n`,
          );
        } else if (e.kind === 'keepAliveTimeout') c.notice(`no keep-alive ack from ${hex32(e.pe)}`);
        else if (e.kind === 'rejected') c.notice(`job rejected by ${hex32(e.pe)}`);
        else if (e.kind === 'malformed') c.notice(`malformed message: ${e.reason}`);
      });
      await awaitConnected(c);
      await done;
      await c.user.close();
      if (failed) throw new CliError(`job ${job}: the session to pool '${c.setup.pool}' failed (${failed})`);
    }
    return completed === jobs ? ExitCode.Ok : ExitCode.Failure;
  },
};
