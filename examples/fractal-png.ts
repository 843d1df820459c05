/**
 * Renders a Mandelbrot image with three Fractal Generator pool elements (RSPLIB's
 * FractalGeneratorPool service) and writes it as a PNG coloured by the PE that computed each point.
 * Part way the serving PE is killed; the session fails over and the next PE continues from the
 * cookie, so the picture shows one band per PE.
 *
 *   node --import tsx examples/fractal-png.ts [out.png] [width] [height]
 *
 * Needs the loopback addresses 127.0.0.1-5 (all of 127/8 on Linux).
 */
import { writeFileSync } from 'node:fs';
import { PoolElement, PoolUser, Registrar, runClient } from '../src/api/index.js';
import {
  encodePng,
  FractalClient,
  type FractalClientEvent,
  FractalService,
  fractalToPng,
} from '../src/services/index.js';

const out = process.argv[2] ?? 'fractal.png';
const width = Number(process.argv[3] ?? 320);
const height = Number(process.argv[4] ?? 240);
const registrarAt = '127.0.0.1:3863';

const registrar = await Registrar.start({
  asap: registrarAt,
  asapAnnounce: 'off',
  minAddressScope: 'loopback',
});
const pes: PoolElement[] = [];
for (let i = 2; i <= 4; i++) {
  const pe = await PoolElement.start({
    poolHandle: 'FractalGeneratorPool',
    service: new FractalService({ cookieMaxPackets: 5 }),
    registrars: [registrarAt],
    asapAnnounce: 'off',
    local: `127.0.0.${i}`,
  });
  await pe.waitRegistered(5_000);
  pes.push(pe);
}
const pu = await PoolUser.start({ registrars: [registrarAt], asapAnnounce: 'off', local: '127.0.0.5' });
const session = pu.openSession('FractalGeneratorPool', { resendOnFailover: false });
const client = new FractalClient({
  parameter: {
    width,
    height,
    maxIterations: 256,
    algorithmId: 1,
    c1Real: -1,
    c1Imag: -1.2,
    c2Real: 2.4,
    c2Imag: 1.2,
    n: 2,
  },
});
const killed = new Set<number>();
await runClient<FractalClientEvent>(session, client, (e) => {
  const victim = e.kind === 'progress' ? pes.find((p) => p.id === e.pe) : undefined;
  const due = e.kind === 'progress' && e.receivedPoints >= ((killed.size + 1) * e.totalPoints) / 3;
  if (e.kind === 'progress' && due && killed.size < 2 && victim && !killed.has(victim.id)) {
    killed.add(victim.id);
    console.log(
      `${e.receivedPoints}/${e.totalPoints} points: killing pool element ${victim.id.toString(16)}`,
    );
    void victim.kill();
  } else if (e.kind === 'completed') {
    writeFileSync(out, encodePng(fractalToPng(e.image)));
    console.log(
      `${out}: ${e.image.width}x${e.image.height}, ${e.failovers} failover(s), ${e.image.missingPoints} points missing`,
    );
  }
});
await pu.close();
await Promise.all(pes.map((p) => p.close(300)));
await registrar.close();
