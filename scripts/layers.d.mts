// Types of scripts/layers.mjs (the table of the architecture lint) for its test.
import type { Table } from './check-layers.mjs';
export const MAX_FILE_LINES: number;
export const MAX_FUNCTION_LINES: number;
export const LAYERS: Table['LAYERS'];
export const OUTSIDE: Table['OUTSIDE'];
export const EXCEPTIONS: Table['EXCEPTIONS'];
export const KNOWN_OVERSIZE: Table['KNOWN_OVERSIZE'];
