import { toHex } from '../../base/index.js';
import { encodeMessage, messageFromJson } from '../../wire/index.js';
import { parseCommandArgs } from '../args.js';
import { type Command, ExitCode } from '../command.js';

const usage = `Usage: rserpool encode < message.json

Reads one message as JSON on standard input (the form \`rserpool decode\` prints) and prints its bytes
as hex. For anything \`decode\` accepted, \`encode\` gives back exactly the same bytes.

Options:
  -h, --help  show this help

Example:
  rserpool decode 0a000008a0000001 | rserpool encode
`;

export const encodeCommand: Command = {
  name: 'encode',
  summary: 'encode a JSON message (as printed by decode) to hex',
  usage,
  async run(args, io) {
    parseCommandArgs(args, {}, false);
    const text = await io.readStdin();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      io.stderr.write(`rserpool encode: input is not JSON: ${e instanceof Error ? e.message : String(e)}\n`);
      return ExitCode.Failure;
    }
    const parsed = messageFromJson(value);
    if (!parsed.ok) {
      io.stderr.write(`rserpool encode: ${parsed.error}\n`);
      return ExitCode.Failure;
    }
    io.stdout.write(`${toHex(encodeMessage(parsed.value.protocol, parsed.value.message))}\n`);
    return ExitCode.Ok;
  },
};
