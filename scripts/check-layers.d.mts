// Types of scripts/check-layers.mjs for its test (test/scripts/check-layers.test.ts).
export interface LayerRow {
  folder: string;
  role: string;
  sansIo: boolean;
  narrowLater?: boolean;
  imports: string[];
}
export interface Table {
  LAYERS: LayerRow[];
  OUTSIDE: { folder: string; role: string; imports: string[] }[];
  EXCEPTIONS: { from: string; to: string; why: string }[];
  KNOWN_OVERSIZE: { file: string; function?: string }[];
}
export function checkSources(
  sources: Map<string, string>,
  options?: { table?: Table; strictTable?: boolean },
): { problems: string[]; notes: string[] };
export function checkDocs(write: boolean): string[];
export function docsTable(table?: Table): string;
export function readTree(): Map<string, string>;
export function placeOf(path: string): { top: string; layer: string | undefined };
