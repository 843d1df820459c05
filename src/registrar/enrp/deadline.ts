/** The earliest of some optional deadlines. */
export function minDefined(...values: (number | undefined)[]): number | undefined {
  let m: number | undefined;
  for (const v of values) if (v !== undefined && (m === undefined || v < m)) m = v;
  return m;
}
