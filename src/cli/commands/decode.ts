import { fromHex } from '../../base/index.js';
import { decodeErrorToJson, decodeMessage, messageToJson, type Protocol } from '../../wire/index.js';
import { parseCommandArgs } from '../args.js';
import { type Command, ExitCode, UsageError } from '../command.js';

const usage = `Usage: rserpool decode [--protocol asap|enrp] HEX

Decodes one ASAP (RFC 5352) or ENRP (RFC 5353) message given as hex (spaces allowed) and prints it as
JSON. A malformed message prints the typed error (RFC 5354 cause, reason, offending bytes) and exits 1.
\`rserpool encode\` turns the printed JSON back into the same bytes.

Options:
  -p, --protocol asap|enrp  which protocol the bytes are (default: asap)
  -h, --help                show this help

Example:
  rserpool decode 05000018 0009000c 4563686f506f6f6c 803f0008 00000001
`;

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'decode an ASAP/ENRP message from hex and print it as JSON',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { protocol: { type: 'string', short: 'p' } },
      true,
    );
    const protocol = parseProtocol(values.protocol ?? 'asap');
    if (positionals.length === 0) throw new UsageError('missing HEX');
    const bytes = fromHex(positionals.join(''));
    if (!bytes) throw new UsageError('HEX must be an even number of hex digits');
    const result = decodeMessage(protocol, bytes);
    if (!result.ok) {
      io.stdout.write(`${JSON.stringify({ protocol, error: decodeErrorToJson(result.error) }, null, 2)}\n`);
      return ExitCode.Failure;
    }
    io.stdout.write(`${JSON.stringify(messageToJson(protocol, result.value), null, 2)}\n`);
    return ExitCode.Ok;
  },
};

export function parseProtocol(text: string): Protocol {
  if (text === 'asap' || text === 'enrp') return text;
  throw new UsageError(`--protocol must be asap or enrp, not '${text}'`);
}
