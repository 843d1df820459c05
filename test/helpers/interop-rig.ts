/**
 * What every interop test against the RSPLIB VM starts and ends with: a scratch directory, the booted VM,
 * and a tshark capture in the VM's network namespace; at the end the VM goes down and the directory is
 * removed (kept with RSERPOOL_INTEROP_KEEP_PCAP).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootVm, type Vm } from './rig.js';
import { type Capture, startCapture } from './tshark.js';

export interface InteropRig {
  readonly dir: string;
  readonly vm: Vm;
  /** Writes `ns.pcap` in `dir`. */
  readonly capture: Capture;
}

/** Boots VM `n` and starts capturing on `iface` with `filter`; cleans up what it started if a step fails. */
export async function startInteropRig(
  n: number,
  name: string,
  capture: { readonly iface: string; readonly filter: string },
): Promise<InteropRig> {
  const dir = await mkdtemp(join(tmpdir(), `rserpool-interop-${name}-`));
  let vm: Vm | undefined;
  try {
    vm = await bootVm(n);
    console.log(`# VM ${n} booted in ${vm.bootMs} ms`);
    return { dir, vm, capture: await startCapture(join(dir, 'ns.pcap'), { netns: vm.netns, ...capture }) };
  } catch (err) {
    await closeInteropRig({ dir, vm });
    throw err;
  }
}

/** Takes the VM down and removes the directory; accepts a rig that never fully started. */
export async function closeInteropRig(rig: { dir?: string; vm?: Vm } | undefined): Promise<void> {
  await rig?.vm?.down();
  if (process.env['RSERPOOL_INTEROP_KEEP_PCAP']) console.log(`# captures kept in ${rig?.dir}`);
  else if (rig?.dir) await rm(rig.dir, { recursive: true, force: true });
}
