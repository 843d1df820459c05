/** Handle Table order positions and extracts (ENRP Handle Table Response, RFC 5353 §3.4). */
import type { PoolElementId, PoolHandle, RegistrarId } from '../wire/types.js';
import type { PoolElementEntry } from './pool-element-entry.js';

/** A position in Handle Table order (owner, pool handle, PE id): where the next extract resumes. */
export interface HandleTablePosition {
  readonly owner: RegistrarId;
  readonly poolHandle: PoolHandle;
  readonly id: PoolElementId;
}

export interface HandleTableExtract {
  readonly elements: PoolElementEntry[];
  /** More PEs follow (ENRP Handle Table Response M flag). */
  readonly more: boolean;
  /** Pass as `after` to continue; undefined when nothing was returned. */
  readonly next: HandleTablePosition | undefined;
}

/** The Handle Table position of an entry (to resume after it). */
export function handleTablePosition(entry: PoolElementEntry): HandleTablePosition {
  return { owner: entry.homeRegistrarId, poolHandle: entry.poolHandle, id: entry.id };
}
