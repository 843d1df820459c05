/**
 * Structural equality of decoded messages (or any plain data made of objects, arrays, Uint8Arrays and
 * primitives). A key whose value is undefined counts as absent. Pure: no Node util needed in wire/.
 */
export function messagesEqual(a: unknown, b: unknown): boolean {
  return firstDifference(a, b, '') === undefined;
}

/** The path of the first difference ("" for the root), or undefined when equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return path;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return path;
    return undefined;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return path;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return path;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) {
    const d = firstDifference(ra[k], rb[k], path === '' ? k : `${path}.${k}`);
    if (d !== undefined) return d;
  }
  return undefined;
}
