// The registry of API targets: every target a campaign draws, by name (python/api_targets.py holds torch's side).
import type { ApiTarget } from './api-target.js';
import { padPackedTarget } from './targets/pad-packed.js';

/** Every API target, with the library's own functions. */
export const API_TARGETS: readonly ApiTarget[] = [padPackedTarget()];
