// Runs INSIDE the rig's network namespace (vm.spawnNode): binds UDP 9899 on each given address of the
// host side of the tap, joins the ASAP announce and ENRP presence groups, and reports every datagram
// to the test over IPC. On {send: {to, port, hex}} it sends a datagram from the first 9899 socket.
// Usage: udp-probe.ts HOST_IP [MORE_HOST_IPS...]
import { createSocket, type Socket } from 'node:dgram';

export interface ProbeDatagram {
  readonly kind: 'datagram';
  /** Local port it arrived on: 9899 (SCTP over UDP), 3863 (ASAP announce) or 9901 (ENRP presence). */
  readonly port: number;
  /** Local address the socket is bound to ('0.0.0.0' for the multicast sockets). */
  readonly to: string;
  readonly from: string;
  readonly fromPort: number;
  readonly hex: string;
}

export type ProbeMessage =
  | { readonly kind: 'ready' }
  | ProbeDatagram
  | { readonly kind: 'error'; readonly message: string };

export interface ProbeCommand {
  readonly send: { readonly to: string; readonly port: number; readonly hex: string };
}

const hostIps = process.argv.length > 2 ? process.argv.slice(2) : ['10.77.0.1'];
const hostIp = hostIps[0]!;
const report = (message: ProbeMessage): void => {
  process.send?.(message);
};

function bind(port: number, address: string | undefined, group?: string): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('message', (data, remote) =>
    report({
      kind: 'datagram',
      port,
      to: address ?? '0.0.0.0',
      from: remote.address,
      fromPort: remote.port,
      hex: data.toString('hex'),
    }),
  );
  socket.on('error', (error) => report({ kind: 'error', message: `${port}: ${error.message}` }));
  return new Promise((resolve) => {
    socket.bind(port, address, () => {
      if (group) socket.addMembership(group, hostIp);
      resolve(socket);
    });
  });
}

const sctpSockets = await Promise.all(hostIps.map((ip) => bind(9899, ip)));
const sctp = sctpSockets[0]!;
// Multicast sockets bind the wildcard address: a socket bound to 10.77.N.1 would not see datagrams
// sent to the group address.
const sockets = [
  ...sctpSockets,
  await bind(3863, undefined, '239.0.0.50'),
  await bind(9901, undefined, '239.0.0.51'),
];

process.on('message', (command: ProbeCommand) => {
  sctp.send(Buffer.from(command.send.hex, 'hex'), command.send.port, command.send.to);
});
process.on('disconnect', () => {
  for (const socket of sockets) socket.close();
});
report({ kind: 'ready' });
