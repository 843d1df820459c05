import { runClient } from '../../api/index.js';
import {
  PingPongClient,
  type PingPongClientEvent,
  type PingPongStatistics,
  SERVICE_DEFAULTS,
} from '../../services/index.js';
import { parseClientArgs } from '../client-args.js';
import { awaitConnected, clientUsage, openClientSession } from '../client-session.js';
import { type Command, ExitCode } from '../command.js';
import { CliError } from '../errors.js';
import { hex32 } from '../log.js';
import { intOption } from '../options.js';

const POOL = 'PingPongPool';

const usage = `Usage: rserpool pingpong --registrar HOST:PORT [options]

A Ping-Pong pool user, wire compatible with RSPLIB's pingpongclient (PPID 33): sends a Ping every
--interval, prints each Pong with the pool element that answered, and across a failover checks from
the ASAP cookie that no reply was lost or repeated. Ends after --count Pongs (or on SIGINT) with
statistics. Exits 1 if a Pong was missing, repeated or out of order, if the session failed, or if no
pool element answered within --timeout (unknown pool, no registrar answering).

Options:
  --interval MS           time between Pings (default ${SERVICE_DEFAULTS.pingIntervalMs})
  --count N               stop after N Pongs (default: run until interrupted)
${clientUsage(POOL)}

Example:
  rserpool server --pingpong --registrar 127.0.0.1:3863 --local 127.0.0.2
  rserpool pingpong --registrar 127.0.0.1:3863 --count 5
`;

export const pingpongCommand: Command = {
  name: 'pingpong',
  summary: 'a Ping-Pong pool user (RSPLIB pingpongclient compatible)',
  usage,
  addressFlags: '--local',
  async run(args, io) {
    const v = parseClientArgs(args, ['interval', 'count']);
    const intervalMs = intOption(v.interval, 'interval', 1, 3_600_000) ?? SERVICE_DEFAULTS.pingIntervalMs;
    const count = intOption(v.count, 'count', 1, 1_000_000_000);
    const c = await openClientSession(v, POOL, io, { resendOnFailover: false });
    const client = new PingPongClient({ intervalMs, ...(count === undefined ? {} : { count }) });
    let failed: string | undefined;
    c.session.on('failed', (reason) => {
      failed = reason;
    });
    const stop = (): void => c.session.close();
    const done = runClient<PingPongClientEvent>(c.session, client, (e) => {
      if (e.kind === 'pong') {
        io.stdout.write(
          `Pong ${e.messageNo} (reply ${e.replyNo}) from ${hex32(e.pe)} in ${e.rttMs.toFixed(1)} ms\n`,
        );
      } else if (e.kind === 'malformed') c.notice(`malformed message: ${e.reason}`);
    });
    await awaitConnected(c);
    process.once('SIGINT', stop);
    await done;
    process.off('SIGINT', stop);
    await c.user.close();
    const s = client.statistics;
    io.stdout.write(formatStatistics(s));
    if (failed) throw new CliError(`the session to pool '${c.setup.pool}' failed (${failed})`);
    return s.duplicatePongs + s.outOfOrderPongs + s.replyNoErrors === 0 ? ExitCode.Ok : ExitCode.Failure;
  },
};

function formatStatistics(s: PingPongStatistics): string {
  return `${s.pingsSent} Pings sent (${s.pingsResent} again after failover), ${s.pongsReceived} Pongs; ${s.failovers} failover(s), ${s.failoversWithCookie} with cookie; duplicate ${s.duplicatePongs}, out of order ${s.outOfOrderPongs}, reply-number errors ${s.replyNoErrors}\n`;
}
