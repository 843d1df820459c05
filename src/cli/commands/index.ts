import type { Command } from '../command.js';
import { calcappCommand } from './calcapp.js';
import { decodeCommand } from './decode.js';
import { demoCommand } from './demo.js';
import { encodeCommand } from './encode.js';
import { fractalCommand } from './fractal.js';
import { hsdumpCommand } from './hsdump.js';
import { pingpongCommand } from './pingpong.js';
import { registrarCommand } from './registrar.js';
import { resolveCommand } from './resolve.js';
import { serverCommand } from './server.js';
import { terminalCommand } from './terminal.js';

/** Every subcommand, in the order `rserpool --help` lists them. */
export const commands: readonly Command[] = [
  demoCommand,
  registrarCommand,
  serverCommand,
  terminalCommand,
  resolveCommand,
  hsdumpCommand,
  pingpongCommand,
  calcappCommand,
  fractalCommand,
  decodeCommand,
  encodeCommand,
];
