import { runClient } from '../../api/index.js';
import { PingPongClient, type PingPongClientEvent, type PingPongStatistics } from '../../services/index.js';
import { parseCommandArgs } from '../args.js';
import { CLIENT_OPTIONS, CLIENT_USAGE, type ClientValues, openClientSession } from '../client-session.js';
import { type Command, ExitCode } from '../command.js';
import { hex32 } from '../log.js';
import { intOption } from '../options.js';

const usage = `Usage: rserpool pingpong --registrar HOST:PORT [options]

A Ping-Pong pool user, wire compatible with RSPLIB's pingpongclient (PPID 33): sends a Ping every
--interval, prints each Pong with the pool element that answered, and across a failover checks from
the ASAP cookie that no reply was lost or repeated. Ends after --count Pongs (or on SIGINT) with
statistics; exits 1 if a Pong was missing, repeated or out of order.

Options:
  --interval MS           time between Pings (default 1000)
  --count N               stop after N Pongs (default: run until interrupted)
${CLIENT_USAGE}
`;

export const pingpongCommand: Command = {
  name: 'pingpong',
  summary: 'a Ping-Pong pool user (RSPLIB pingpongclient compatible)',
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(
      args,
      { ...CLIENT_OPTIONS, interval: { type: 'string' }, count: { type: 'string' } },
      false,
    );
    const v = values as ClientValues & { interval?: string; count?: string };
    const intervalMs = intOption(v.interval, 'interval', 1, 3_600_000) ?? 1_000;
    const count = intOption(v.count, 'count', 1, 1_000_000_000);
    const { user, session, notice } = await openClientSession(v, 'PingPongPool', io);
    const client = new PingPongClient({ intervalMs, ...(count === undefined ? {} : { count }) });
    const stop = (): void => session.close();
    process.once('SIGINT', stop);
    await runClient<PingPongClientEvent>(session, client, (e) => {
      if (e.kind === 'pong') {
        io.stdout.write(
          `Pong ${e.messageNo} (reply ${e.replyNo}) from ${hex32(e.pe)} in ${e.rttMs.toFixed(1)} ms\n`,
        );
      } else if (e.kind === 'malformed') notice(`malformed message: ${e.reason}`);
    });
    process.off('SIGINT', stop);
    await user.close();
    const s = client.statistics;
    io.stdout.write(formatStatistics(s));
    return s.duplicatePongs + s.outOfOrderPongs + s.replyNoErrors === 0 ? ExitCode.Ok : ExitCode.Failure;
  },
};

function formatStatistics(s: PingPongStatistics): string {
  return `${s.pingsSent} Pings sent (${s.pingsResent} again after failover), ${s.pongsReceived} Pongs; ${s.failovers} failover(s), ${s.failoversWithCookie} with cookie; duplicate ${s.duplicatePongs}, out of order ${s.outOfOrderPongs}, reply-number errors ${s.replyNoErrors}\n`;
}
