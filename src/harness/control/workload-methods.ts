// Control-channel methods: workload.

import type { ControlMethod } from './control-method.js';

export const workloadMethods: ControlMethod[] = [];
