/**
 * Connect references of cores ↔ node-wide association ids. A core asks to connect under a reference
 * and learns the association by it ('connected' or 'connectFailed'); it may cancel the reference later,
 * even once connected (a registrar hunt drops the associations it no longer needs).
 */
import type { AssociationId } from '../base/index.js';

export class ConnectTable {
  /** Associations not up yet -> the reference waiting for them. */
  private readonly pending = new Map<AssociationId, number>();
  /** Reference -> its association, until cancelled, forgotten or the association ends. */
  private readonly byRef = new Map<number, AssociationId>();
  /** Association -> the last reference that named it (to drop `byRef` when it ends). */
  private readonly refOf = new Map<AssociationId, number>();

  opened(ref: number, id: AssociationId, established: boolean): void {
    this.byRef.set(ref, id);
    this.refOf.set(id, ref);
    if (!established) this.pending.set(id, ref);
  }

  /** The association is up: the reference waiting for it, if any. */
  settle(id: AssociationId): number | undefined {
    const ref = this.pending.get(id);
    this.pending.delete(id);
    return ref;
  }

  /** The association ended: the reference still waiting for it (its connect failed), if any. */
  ended(id: AssociationId): number | undefined {
    const ref = this.forget(id);
    const last = this.refOf.get(id);
    if (last !== undefined && this.byRef.get(last) === id) this.byRef.delete(last);
    this.refOf.delete(id);
    return ref;
  }

  /** The core no longer wants the reference: its association, to be aborted, if any. */
  cancel(ref: number): AssociationId | undefined {
    const id = this.byRef.get(ref);
    this.byRef.delete(ref);
    if (id !== undefined) this.forget(id);
    return id;
  }

  /** Drops the waiting reference of an association being closed; returns it. */
  forget(id: AssociationId): number | undefined {
    const ref = this.pending.get(id);
    if (ref === undefined) return undefined;
    this.byRef.delete(ref);
    this.pending.delete(id);
    return ref;
  }
}
