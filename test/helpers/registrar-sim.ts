/**
 * The simulated registrar scope of `src/testing` (registrars and PEs on a virtual clock, see
 * `RegistrarScope`) plus the consistency checks the ENRP and takeover tests assert on: handlespace
 * divergence between live registrars, PEs a registrar lost, PEs owned by dead registrars.
 */
import { bytesEqual } from '../../src/base/bytes.js';
import type { Registrar } from '../../src/registrar/index.js';
import {
  ASAP_PORT,
  ELEMENT_PORT,
  type ElementNode,
  ENRP_PORT,
  type RegistrarNode,
  RegistrarScope,
  type RegistrarScopeOptions,
} from '../../src/testing/registrar-scope.js';
import type { PoolHandle, RegistrarId } from '../../src/wire/types.js';

export { ASAP_PORT, ELEMENT_PORT, type ElementNode, ENRP_PORT, type RegistrarNode };
export type RegistrarSimOptions = RegistrarScopeOptions;

export class RegistrarSim extends RegistrarScope {
  // ---- Checks -------------------------------------------------------------------------------------

  /** `handle/id` keys of a registrar's handlespace (sorted) with their owners. */
  static contents(r: Registrar): Map<string, RegistrarId> {
    const m = new Map<string, RegistrarId>();
    for (const e of r.handlespace.handleTable({ maxElements: Number.MAX_SAFE_INTEGER }).elements) {
      m.set(elementKey(e.poolHandle, e.id), e.homeRegistrarId);
    }
    return m;
  }

  /** Differences between the live registrars' handlespaces; empty when all agree (PEs, owners, checksums). */
  divergence(): string[] {
    const live = this.liveRegistrars();
    const problems: string[] = [];
    if (live.length === 0) return problems;
    const ref = RegistrarSim.contents(live[0]!.core);
    const checksum = live[0]!.core.handlespace.checksum;
    for (const r of live.slice(1)) {
      const c = RegistrarSim.contents(r.core);
      if (r.core.handlespace.checksum !== checksum) {
        problems.push(
          `R${r.index} checksum 0x${r.core.handlespace.checksum.toString(16)} != R${live[0]!.index} 0x${checksum.toString(16)}`,
        );
      }
      let missing = 0;
      let extra = 0;
      let owner = 0;
      for (const [k, o] of ref) {
        const mine = c.get(k);
        if (mine === undefined) missing++;
        else if (mine !== o) owner++;
      }
      for (const k of c.keys()) if (!ref.has(k)) extra++;
      if (missing + extra + owner > 0) {
        problems.push(
          `R${r.index} vs R${live[0]!.index}: ${missing} missing, ${extra} extra, ${owner} other owner`,
        );
      }
    }
    return problems;
  }

  /** Registered, live PEs that some live registrar does not know. */
  lostElements(): string[] {
    const out: string[] = [];
    const views = this.liveRegistrars().map((r) => ({ r, c: RegistrarSim.contents(r.core) }));
    for (const e of this.registeredElements()) {
      const key = elementKey(e.poolHandle, e.core.id);
      for (const { r, c } of views) if (!c.has(key)) out.push(`PE ${key} unknown to R${r.index}`);
    }
    return out;
  }

  /** PEs whose owner (in registrar 0's view... any live view) is not a live registrar. */
  orphanedElements(): string[] {
    const liveIds = new Set(this.liveRegistrars().map((r) => r.core.registrarId));
    const out: string[] = [];
    for (const r of this.liveRegistrars()) {
      for (const [k, o] of RegistrarSim.contents(r.core))
        if (!liveIds.has(o)) out.push(`R${r.index}: ${k} owned by dead ${o}`);
    }
    return out;
  }
}

export function elementKey(poolHandle: PoolHandle, id: number): string {
  return `${new TextDecoder().decode(poolHandle)}/${id >>> 0}`;
}

export function sameHandle(a: PoolHandle, b: PoolHandle): boolean {
  return bytesEqual(a, b);
}
