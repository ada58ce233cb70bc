// Control-channel methods: fault.

import type { ControlMethod } from './control-method.js';

export const faultMethods: ControlMethod[] = [];
