// Control-channel methods: vm-crash.

import type { ControlMethod } from './control-method.js';

export const vmCrashMethods: ControlMethod[] = [];
