// Runs INSIDE the rig's network namespace (vm.spawnNode): hosts our components (Registrar, PoolElement,
// PoolUser) through the public API, on the addresses the test gives, and takes commands over IPC.
// Each command {id, op, ...} gets one reply {kind: 'reply', id, ok, result | error}; registrar and PE
// events are reported as they happen ({kind: 'event', ...}, with the wall-clock time `at`).
// One process per address that must own UDP 9899 (a killed process takes all its components with it).
import { PoolElement, PoolUser, Registrar, type Session } from '../../../src/api/index.js';
import { formatPolicySpec } from '../../../src/policy/index.js';
import type { PoolPolicy } from '../../../src/wire/index.js';

export type DriverCommand =
  | { id: number; op: 'registrar'; name: string; options: Parameters<typeof Registrar.start>[0] }
  | {
      id: number;
      op: 'pe';
      name: string;
      options: Parameters<typeof PoolElement.start>[0];
      /** Wait for the first registration (reply error on rejection). */
      wait?: boolean;
    }
  | { id: number; op: 'pu'; name: string; options: Parameters<typeof PoolUser.start>[0] }
  | { id: number; op: 'resolve'; name: string; pool: string; items?: number }
  | {
      id: number;
      op: 'sessions';
      name: string;
      pool: string;
      /** Sessions to open one after the other, each sending `text #k` and waiting for the echo. */
      count: number;
      text: string;
      timeoutMs?: number;
    }
  | { id: number; op: 'open'; name: string; session: string; pool: string }
  | { id: number; op: 'send'; session: string; text: string; timeoutMs?: number }
  | { id: number; op: 'handlespace'; name: string }
  | { id: number; op: 'close'; name: string }
  | { id: number; op: 'kill'; name: string };

export interface HandlespaceEntry {
  readonly pool: string;
  readonly id: number;
  readonly policy: string;
  readonly home: number;
  readonly addresses: readonly string[];
  readonly port: number;
}

export interface SessionReport {
  readonly pe: number | undefined;
  readonly replies: readonly string[];
  readonly error?: string;
}

export type DriverEvent =
  | {
      kind: 'event';
      name: string;
      at: number;
      what: 'added' | 'updated' | 'removed';
      pool: string;
      pe: number;
      reason?: string;
    }
  | { kind: 'event'; name: string; at: number; what: 'rejected'; pool: string; pe: number; cause: number }
  | { kind: 'event'; name: string; at: number; what: 'malformed'; error: string }
  | { kind: 'event'; name: string; at: number; what: 'registered'; registrar: number }
  | { kind: 'event'; name: string; at: number; what: 'warning'; message: string }
  | { kind: 'event'; name: string; at: number; what: 'failover'; pe: number; reason: string }
  | { kind: 'event'; name: string; at: number; what: 'failoverComplete'; pe: number };

export type DriverMessage =
  | { kind: 'ready' }
  | { kind: 'reply'; id: number; ok: true; result: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string }
  | DriverEvent;

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const policyText = (p: PoolPolicy): string => formatPolicySpec(p);
const send = (m: DriverMessage): void => {
  process.send?.(m);
};

const registrars = new Map<string, Registrar>();
const elements = new Map<string, PoolElement>();
const users = new Map<string, PoolUser>();
const sessions = new Map<string, { session: Session; pe: number | undefined; replies: string[] }>();

function get<T>(map: Map<string, T>, name: string): T {
  const v = map.get(name);
  if (v === undefined) throw new Error(`no component named ${name}`);
  return v;
}

async function runSession(user: PoolUser, pool: string, k: number, base: string, timeoutMs: number) {
  const session: Session = user.openSession(pool);
  const replies: string[] = [];
  let pe: number | undefined;
  const message = `${base} #${k}`;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no echo of '${message}' within ${timeoutMs} ms`)),
      timeoutMs,
    );
    session.on('up', (e) => {
      pe = e.pe;
    });
    session.on('failoverComplete', (e) => {
      pe = e.pe;
    });
    session.on('data', (d) => {
      replies.push(text(d.bytes));
      if (replies.includes(message)) {
        clearTimeout(timer);
        resolve();
      }
    });
    session.on('failed', (reason) => {
      clearTimeout(timer);
      reject(new Error(`session failed: ${reason}`));
    });
  });
  session.send(message);
  try {
    await done;
    return { pe, replies } satisfies SessionReport;
  } catch (e) {
    return { pe, replies, error: (e as Error).message } satisfies SessionReport;
  } finally {
    session.close();
  }
}

async function handle(c: DriverCommand): Promise<unknown> {
  switch (c.op) {
    case 'registrar': {
      const r = await Registrar.start(c.options);
      registrars.set(c.name, r);
      r.on('event', (e) => {
        const at = Date.now();
        if (e.kind === 'handlespaceChanged') {
          send({
            kind: 'event',
            name: c.name,
            at,
            what: e.change,
            pool: text(e.poolHandle),
            pe: e.element.id,
            ...(e.reason !== undefined ? { reason: String(e.reason) } : {}),
          });
        } else if (e.kind === 'registrationRejected') {
          send({
            kind: 'event',
            name: c.name,
            at,
            what: 'rejected',
            pool: text(e.poolHandle),
            pe: e.id,
            cause: e.cause,
          });
        } else if (e.kind === 'malformedMessage') {
          send({ kind: 'event', name: c.name, at, what: 'malformed', error: JSON.stringify(e.error) });
        }
      });
      r.on('warning', (message) =>
        send({ kind: 'event', name: c.name, at: Date.now(), what: 'warning', message }),
      );
      return { id: r.id };
    }
    case 'pe': {
      const pe = await PoolElement.start(c.options);
      elements.set(c.name, pe);
      pe.on('registered', (e) =>
        send({ kind: 'event', name: c.name, at: Date.now(), what: 'registered', registrar: e.registrarId }),
      );
      pe.on('warning', (message) =>
        send({ kind: 'event', name: c.name, at: Date.now(), what: 'warning', message }),
      );
      if (c.wait) await pe.waitRegistered(60_000);
      return { id: pe.id };
    }
    case 'pu': {
      users.set(c.name, await PoolUser.start(c.options));
      return {};
    }
    case 'resolve': {
      const r = await get(users, c.name).resolve(c.pool, c.items === undefined ? {} : { items: c.items });
      return {
        policy: r.policy ? policyText(r.policy) : undefined,
        poolElements: r.poolElements.map((pe) => ({
          id: pe.id,
          home: pe.homeRegistrarId,
          policy: policyText(pe.policy),
          addresses: pe.userTransport.kind === 'opaque' ? [] : pe.userTransport.addresses,
          port: pe.userTransport.kind === 'opaque' ? 0 : pe.userTransport.port,
        })),
      };
    }
    case 'sessions': {
      const user = get(users, c.name);
      const out: SessionReport[] = [];
      for (let k = 1; k <= c.count; k++)
        out.push(await runSession(user, c.pool, k, c.text, c.timeoutMs ?? 8_000));
      return out;
    }
    case 'open': {
      const session = get(users, c.name).openSession(c.pool);
      const entry = { session, pe: undefined as number | undefined, replies: [] as string[] };
      sessions.set(c.session, entry);
      session.on('data', (d) => entry.replies.push(text(d.bytes)));
      session.on('failoverNeeded', (e) =>
        send({
          kind: 'event',
          name: c.session,
          at: Date.now(),
          what: 'failover',
          pe: e.pe,
          reason: e.reason,
        }),
      );
      session.on('failoverComplete', (e) => {
        entry.pe = e.pe;
        send({ kind: 'event', name: c.session, at: Date.now(), what: 'failoverComplete', pe: e.pe });
      });
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('session not up within 10 s')), 10_000);
        session.once('up', (e) => {
          clearTimeout(t);
          entry.pe = e.pe;
          resolve();
        });
        session.once('failed', (reason) => {
          clearTimeout(t);
          reject(new Error(`session failed: ${reason}`));
        });
      });
      return { pe: entry.pe };
    }
    case 'send': {
      const entry = sessions.get(c.session);
      if (!entry) throw new Error(`no session ${c.session}`);
      entry.session.send(c.text);
      const end = Date.now() + (c.timeoutMs ?? 10_000);
      while (!entry.replies.includes(c.text)) {
        if (Date.now() > end)
          throw new Error(`no echo of '${c.text}' (pe ${entry.pe}, replies ${entry.replies.join('|')})`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return { pe: entry.pe, replies: entry.replies };
    }
    case 'handlespace': {
      const hs = get(registrars, c.name).handlespace;
      const entries: HandlespaceEntry[] = [];
      for (const owner of hs.ownerIds()) {
        for (const e of hs.elementsOwnedBy(owner)) {
          const t = e.userTransport;
          entries.push({
            pool: text(e.poolHandle),
            id: e.id,
            policy: policyText(e.policy),
            home: e.homeRegistrarId,
            addresses: t.kind === 'opaque' ? [] : t.addresses,
            port: t.kind === 'opaque' ? 0 : t.port,
          });
        }
      }
      return { size: hs.size, checksum: hs.checksum, ownChecksum: hs.ownChecksum, entries };
    }
    case 'close': {
      const r = registrars.get(c.name);
      const pe = elements.get(c.name);
      const u = users.get(c.name);
      if (r) await r.close();
      if (pe) await pe.close(2_000);
      if (u) await u.close();
      registrars.delete(c.name);
      elements.delete(c.name);
      users.delete(c.name);
      return {};
    }
    case 'kill': {
      await get(elements, c.name).kill();
      elements.delete(c.name);
      return {};
    }
  }
}

process.on('message', (c: DriverCommand) => {
  handle(c).then(
    (result) => send({ kind: 'reply', id: c.id, ok: true, result: result ?? {} }),
    (e: unknown) =>
      send({ kind: 'reply', id: c.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
// When the test lets go: close everything the way a program would (deregistrations, SCTP shutdowns),
// bounded, then exit.
process.on('disconnect', () => {
  const all = [
    ...[...users.values()].map((u) => u.close()),
    ...[...elements.values()].map((pe) => pe.close(1_000)),
    ...[...registrars.values()].map((r) => r.close()),
  ];
  const bound = new Promise((r) => setTimeout(r, 3_000));
  void Promise.race([Promise.allSettled(all), bound]).then(() => process.exit(0));
});
send({ kind: 'ready' });
