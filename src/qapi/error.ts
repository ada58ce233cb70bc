// QAPI error classes (qapi/error.json) and the one error type the product
// raises towards the monitor. desc texts are QEMU's own, byte for byte.

export type QapiErrorClass =
  | 'GenericError'
  | 'CommandNotFound'
  | 'DeviceNotActive'
  | 'DeviceNotFound'
  | 'KVMMissingCap';

export class QmpError extends Error {
  constructor(
    readonly errorClass: QapiErrorClass,
    readonly desc: string,
  ) {
    super(desc);
    this.name = 'QmpError';
  }

  static generic(desc: string): QmpError {
    return new QmpError('GenericError', desc);
  }
}
