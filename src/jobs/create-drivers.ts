// Which block drivers of QEMU 7.2 implement bdrv_co_create (BlockdevCreateOptions'
// branches in qapi/block-core.json), and which of them qmp-sim models.

const QEMU_CREATE_DRIVERS: ReadonlySet<string> = new Set([
  'file', 'gluster', 'luks', 'nfs', 'parallels', 'qcow', 'qcow2', 'qed', 'rbd', 'ssh', 'vdi', 'vhdx', 'vmdk', 'vpc',
]);

const MODELLED_CREATE_DRIVERS: ReadonlySet<string> = new Set(['file', 'qcow2']);

export type CreateSupport = 'none' | 'unmodelled' | 'modelled';

export function createDriverSupport(driver: string): CreateSupport {
  if (!QEMU_CREATE_DRIVERS.has(driver)) return 'none';
  return MODELLED_CREATE_DRIVERS.has(driver) ? 'modelled' : 'unmodelled';
}
