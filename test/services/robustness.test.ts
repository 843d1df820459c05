/** No service or client throws on arbitrary network input, in any order. */
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CalcAppClient,
  CalcAppService,
  ChargenService,
  type ClientInput,
  DaytimeService,
  DiscardService,
  EchoService,
  encodeCalcApp,
  encodeFgp,
  encodePingPong,
  FractalClient,
  FractalService,
  PingPongClient,
  PingPongService,
  type ServiceInput,
} from '../../src/services/index.js';

const payload = fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  fc
    .record({ messageNo: fc.nat(), data: fc.uint8Array({ maxLength: 8 }) })
    .map((m) => encodePingPong({ kind: 'ping', ...m })),
  fc
    .record({ messageNo: fc.nat(), replyNo: fc.nat(), data: fc.uint8Array({ maxLength: 8 }) })
    .map((m) => encodePingPong({ kind: 'pong', ...m })),
  fc
    .record({
      kind: fc.constantFrom(
        'request',
        'accept',
        'reject',
        'abort',
        'complete',
        'keepAlive',
        'keepAliveAck',
      ) as fc.Arbitrary<'request'>,
      jobId: fc.nat({ max: 3 }),
      jobSize: fc.nat({ max: 5_000_000 }),
      completed: fc.nat({ max: 5_000_000 }),
    })
    .map((m) => encodeCalcApp(m)),
  fc
    .record({
      startX: fc.nat({ max: 70 }),
      startY: fc.nat({ max: 50 }),
      values: fc.array(fc.nat({ max: 99 }), { maxLength: 30 }),
    })
    .map((m) => encodeFgp({ kind: 'data', ...m })),
  fc.constant(
    encodeFgp({
      kind: 'parameter',
      width: 9,
      height: 7,
      maxIterations: 20,
      algorithmId: 2,
      c1Real: -2,
      c1Imag: -1,
      c2Real: 1,
      c2Imag: 1,
      n: 3,
    }),
  ),
);

const serviceInput = (now: number): fc.Arbitrary<ServiceInput> => {
  const session = fc.integer({ min: 1, max: 3 });
  return fc.oneof(
    fc.record({ kind: fc.constant('sessionUp' as const), now: fc.constant(now), session }),
    fc.record({ kind: fc.constant('sessionDown' as const), now: fc.constant(now), session }),
    fc.record({
      kind: fc.constant('message' as const),
      now: fc.constant(now),
      session,
      ppid: fc.constantFrom(0, 32, 33, 34),
      stream: fc.nat({ max: 3 }),
      bytes: payload,
    }),
    fc.record({
      kind: fc.constant('cookieEcho' as const),
      now: fc.constant(now),
      session,
      cookie: fc.uint8Array({ maxLength: 80 }),
    }),
    fc.record({
      kind: fc.constant('writable' as const),
      now: fc.constant(now),
      session,
      roomBytes: fc.nat({ max: 20_000 }),
    }),
    fc.constant({ kind: 'tick' as const, now }),
    fc.constant({ kind: 'shutdown' as const, now }),
  );
};

const clientInput = (now: number): fc.Arbitrary<ClientInput> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('up' as const),
      now: fc.constant(now),
      pe: fc.integer({ min: 1, max: 3 }),
    }),
    fc.record({
      kind: fc.constant('message' as const),
      now: fc.constant(now),
      ppid: fc.constantFrom(0, 32, 33, 34),
      stream: fc.constant(0),
      bytes: payload,
    }),
    fc.record({
      kind: fc.constant('cookie' as const),
      now: fc.constant(now),
      cookie: fc.uint8Array({ maxLength: 80 }),
    }),
    fc.constant({ kind: 'failoverNeeded' as const, now }),
    fc.record({
      kind: fc.constant('failoverComplete' as const),
      now: fc.constant(now),
      pe: fc.integer({ min: 1, max: 3 }),
      cookieEchoed: fc.boolean(),
    }),
    fc.constant({ kind: 'tick' as const, now }),
    fc.constant({ kind: 'closed' as const, now }),
  );

const steps = <T>(make: (now: number) => fc.Arbitrary<T>) =>
  fc.array(fc.nat({ max: 3000 }), { maxLength: 40 }).chain((dts) => {
    const times: number[] = [];
    let now = 0;
    for (const dt of dts) {
      now += dt;
      times.push(now);
    }
    return fc.tuple(...times.map((t) => make(t)));
  });

describe('robustness of services and clients', () => {
  it('PE services never throw', () => {
    fc.assert(
      fc.property(steps(serviceInput), (inputs) => {
        const services = [
          new EchoService(),
          new DiscardService(),
          new DaytimeService(),
          new ChargenService(),
          new PingPongService({ failureAfter: 3 }),
          new CalcAppService({ capacity: 1000, maxJobs: 2 }),
          new FractalService({ failureAfter: 5 }),
        ];
        for (const s of services) for (const i of inputs) s.handle(i);
      }),
      { numRuns: 400 },
    );
  });

  it('clients never throw', () => {
    const parameter = {
      width: 9,
      height: 7,
      maxIterations: 20,
      algorithmId: 1,
      c1Real: -2,
      c1Imag: -1,
      c2Real: 1,
      c2Imag: 1,
      n: 2,
    };
    fc.assert(
      fc.property(steps(clientInput), (inputs) => {
        const clients = [
          new PingPongClient({ count: 5 }),
          new CalcAppClient(),
          new FractalClient({ parameter }),
        ];
        for (const c of clients) for (const i of inputs) c.handle(i);
      }),
      { numRuns: 400 },
    );
  });
});
