// Named fault points, after FoundationDB's BUGGIFY: a site in the model asks
// `faults.fires('name')`; the answer is false unless this run switched the
// point on, and then true with the point's probability. A swarm run draws
// which points are on from the seed. Each point has its own random stream,
// so adding a point elsewhere never changes what another point does.

import { Prng, hashLabel } from './prng.js';

/** The points the kernel itself consults (other layers add their own names). */
export const KERNEL_FAULT_POINTS: Readonly<Record<string, string>> = {
  'aio.bh.batch-order': 'run one batch of bottom halves in a seeded order instead of newest-first',
  'aio.bh.cross-thread-delay': 'a BH scheduled from a foreign thread reaches its context one host step later',
  'host.completion.delay': 'a host I/O completion takes extra time (up to 10x its latency)',
  'host.completion.early': 'a host I/O completion arrives after zero latency',
};

export interface FaultConfig {
  /** Swarm mode: each point is on for this seed with probability `activation`. */
  swarm?: boolean;
  /** Probability that a point is on in swarm mode (default 0.25). */
  activation?: number;
  /** Probability that an on point fires at a site (default 0.25). */
  probability?: number;
  /** Explicit settings: name → firing probability (0 switches the point off). */
  points?: Record<string, number>;
}

interface PointState {
  on: boolean;
  probability: number;
  prng: Prng;
  evaluated: number;
  fired: number;
}

export class FaultPoints {
  private readonly points = new Map<string, PointState>();
  private readonly swarm: boolean;
  private readonly activation: number;
  private readonly probability: number;
  private readonly explicit: Map<string, number>;

  constructor(
    readonly seed: number,
    cfg: FaultConfig = {},
  ) {
    this.swarm = cfg.swarm ?? false;
    this.activation = cfg.activation ?? 0.25;
    this.probability = cfg.probability ?? 0.25;
    this.explicit = new Map(Object.entries(cfg.points ?? {}));
  }

  /** BUGGIFY: should the site named `name` misbehave this time? */
  fires(name: string, probability?: number): boolean {
    const p = this.state(name);
    p.evaluated++;
    if (!p.on) return false;
    const hit = p.prng.float() < (probability ?? p.probability);
    if (hit) p.fired++;
    return hit;
  }

  /** A seeded draw in [0, 1) on the point's own stream (e.g. how long a delay). */
  draw(name: string): number {
    return this.state(name).prng.float();
  }

  isOn(name: string): boolean {
    return this.state(name).on;
  }

  /** Switch a point on with a probability (0 = off), for this run. */
  set(name: string, probability: number): void {
    const p = this.state(name);
    p.on = probability > 0;
    p.probability = probability;
  }

  /** What each evaluated point did, for test diagnostics. */
  stats(): Record<string, { on: boolean; evaluated: number; fired: number }> {
    const out: Record<string, { on: boolean; evaluated: number; fired: number }> = {};
    for (const [name, p] of [...this.points].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out[name] = { on: p.on, evaluated: p.evaluated, fired: p.fired };
    }
    return out;
  }

  private state(name: string): PointState {
    let p = this.points.get(name);
    if (!p) {
      const explicit = this.explicit.get(name);
      const on = explicit !== undefined ? explicit > 0 : this.swarm && hashLabel(this.seed, `activate:${name}`) / 0x100000000 < this.activation;
      p = { on, probability: explicit ?? this.probability, prng: new Prng(hashLabel(this.seed, `fault:${name}`)), evaluated: 0, fired: 0 };
      this.points.set(name, p);
    }
    return p;
  }
}
