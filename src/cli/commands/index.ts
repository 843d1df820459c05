import type { Command } from '../command.js';
import { decodeCommand } from './decode.js';
import { demoCommand } from './demo.js';
import { encodeCommand } from './encode.js';

/** Every subcommand, in the order `rserpool --help` lists them. */
export const commands: readonly Command[] = [demoCommand, decodeCommand, encodeCommand];
