// The QEMU version a machine reports: greeting, query-version, `info version`
// (qapi/control.json VersionInfo; monitor/hmp-cmds.c hmp_info_version).
// Defaults to the QEMU 7.2 build the goldens were recorded from
// (protocol/qemu-7.2/version.json); `--qemu-version` overrides it.

import { readFileSync } from 'node:fs';
import { protocolPath } from './protocol-data.js';

export interface VersionTriple {
  major: number;
  minor: number;
  micro: number;
}

export class VersionInfo {
  constructor(
    readonly qemu: VersionTriple,
    readonly pkg: string,
  ) {}

  static recorded(): VersionInfo {
    const v = JSON.parse(readFileSync(protocolPath('version.json'), 'utf8'));
    return new VersionInfo({ major: v.qemu.major, minor: v.qemu.minor, micro: v.qemu.micro }, v.package);
  }

  /** "7.2.0" or "7.2.22" (package kept unless given as "7.2.0:PACKAGE"). */
  static parse(text: string, fallbackPackage: string): VersionInfo {
    const [ver, ...pkg] = text.split(':');
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(ver);
    if (!m) throw new Error(`invalid --qemu-version '${text}' (want MAJOR.MINOR.MICRO[:PACKAGE])`);
    return new VersionInfo({ major: +m[1], minor: +m[2], micro: +m[3] }, pkg.length ? pkg.join(':') : fallbackPackage);
  }

  queryVersion(): Record<string, unknown> {
    return { qemu: { micro: this.qemu.micro, minor: this.qemu.minor, major: this.qemu.major }, package: this.pkg };
  }

  text(): string {
    return `${this.qemu.major}.${this.qemu.minor}.${this.qemu.micro}`;
  }
}
