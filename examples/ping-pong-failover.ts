/**
 * Ping-Pong with failover on this machine (SCTP over UDP on loopback): a registrar, three Ping-Pong
 * pool elements (RSPLIB's PingPongPool service) and a pool user whose session runs the Ping-Pong
 * client. After a few Pings the serving PE is killed without a word; the session fails over, echoes
 * the PE's last cookie to the next PE, and the client resends the unanswered Ping: every Ping is
 * answered once, in order, and the ReplyNos continue.
 *
 *   node --import tsx examples/ping-pong-failover.ts [pings] [kill-after]
 *
 * Needs the loopback addresses 127.0.0.1-5 (all of 127/8 on Linux).
 */
import { PoolElement, PoolUser, Registrar, runClient } from '../src/api/index.js';
import { PingPongClient, type PingPongClientEvent, PingPongService } from '../src/services/index.js';

const pings = Number(process.argv[2] ?? 10);
const killAfter = Number(process.argv[3] ?? 4);
const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
const registrarAt = '127.0.0.1:3863';

const registrar = await Registrar.start({
  asap: registrarAt,
  asapAnnounce: 'off',
  minAddressScope: 'loopback',
});
const pes: PoolElement[] = [];
for (let i = 2; i <= 4; i++) {
  const pe = await PoolElement.start({
    poolHandle: 'PingPongPool',
    service: new PingPongService(),
    policy: 'RoundRobin',
    registrars: [registrarAt],
    asapAnnounce: 'off',
    local: `127.0.0.${i}`,
  });
  await pe.waitRegistered(5_000);
  pes.push(pe);
  console.log(`pool element ${hex(pe.id)} on 127.0.0.${i}`);
}
const pu = await PoolUser.start({ registrars: [registrarAt], asapAnnounce: 'off', local: '127.0.0.5' });
// The client resends unanswered Pings itself: the API must not resend failed messages too.
const session = pu.openSession('PingPongPool', { resendOnFailover: false });
const client = new PingPongClient({ intervalMs: 500, count: pings });
session.on('failoverNeeded', ({ pe, reason }) => console.log(`  pool element ${hex(pe)} lost (${reason})`));
session.on('failoverComplete', ({ pe, cookieEchoed }) =>
  console.log(`  now on ${hex(pe)}${cookieEchoed ? ', cookie echoed' : ''}`),
);
let answered = 0;
await runClient<PingPongClientEvent>(session, client, (e) => {
  if (e.kind === 'pong') {
    console.log(`Pong ${e.messageNo} ReplyNo ${e.replyNo} from ${hex(e.pe)} in ${e.rttMs.toFixed(1)} ms`);
    if (++answered === killAfter) {
      const victim = pes.find((p) => p.id === session.poolElementId);
      console.log(`*** killing ${hex(victim?.id ?? 0)} ***`);
      void victim?.kill();
    }
  } else if (e.kind === 'finished') {
    console.log('statistics', e.statistics);
  }
});
await pu.close();
await Promise.all(pes.map((p) => p.close(300)));
await registrar.close();
