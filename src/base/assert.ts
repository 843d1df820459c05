/** A broken invariant is a bug: throw. Drivers catch it per input (see docs/architecture.md). */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
