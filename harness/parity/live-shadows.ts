// The float64 shadows of float32 cases, asked of the live torch worker (the campaign's ShadowSource).
import type { TorchBridge } from '../worker/bridge.js';
import type { ShadowSource } from './compare.js';
import { outcomeFromWire, shadowOf, toWireCase } from './parity-case.js';

/**
 * Shadows from the live worker: each float32 case run again in float64 on the same bits
 * (`shadowOf`), in one request; null for a case whose shadow failed or went unanswered.
 */
export function liveShadows(bridge: TorchBridge): ShadowSource {
  return async (cases) => {
    const results = await bridge.run(cases.map((c, i) => toWireCase(shadowOf(c), `shadow-${i}`)));
    return results.map((result) => {
      const outcome = outcomeFromWire(result);
      return outcome === null || outcome.error !== null ? null : outcome.tensors;
    });
  };
}
