/**
 * Numbers that must be unique across all sessions of a process: the request ids a session puts in the
 * `resolve` actions forwarded to the one PoolUser core, and the `ref`s of its `connect` actions. The
 * glue gives every session the same allocator, so it can route `resolved {requestId}` and
 * `connected {ref}` back by a single map.
 */
export interface IdAllocator {
  next(): number;
}

/** 1, 2, 3, ... wrapping before 2^31 (ids stay small positive integers). */
export class SequentialIdAllocator implements IdAllocator {
  constructor(private current = 0) {}

  next(): number {
    this.current = this.current >= 0x7fff_ffff ? 1 : this.current + 1;
    return this.current;
  }
}
