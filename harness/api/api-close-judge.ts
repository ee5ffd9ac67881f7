// The judge of API cases with float outputs torch computes through different kernels: one key's tensors within the harness's tolerance, everything else exact.
import type { DType } from '../../src/index.js';
import { caseBudget } from '../parity/compare.js';
import type { Difference } from '../parity/difference.js';
import type { ApiResult } from './api-result.js';
import { judgeApi } from './api-judge.js';
import { type CanonicalTensor, type CanonicalValue, floatFromBits } from './canonical-value.js';

/** What sets a case's budget: the dtype and the depth of the computation (harness/parity/compare.ts caseBudget). */
export interface CloseLayout {
  readonly dtype: DType;
  readonly seqLen: number;
  readonly numLayers: number;
}

function isTensor(value: CanonicalValue | undefined): value is CanonicalTensor {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'tensor' in value;
}

/**
 * Judges exactly (judgeApi) with the tensors under `closeKey` left out, then those tensors
 * element by element within `caseBudget(…, 'forward')` (assert_close's defaults scaled by depth),
 * shapes and dtypes exact, NaN only where torch has NaN.
 */
export function judgeApiClose(ts: ApiResult, torch: ApiResult, closeKey: string, layout: CloseLayout): Difference[] {
  if (!('value' in ts) || !('value' in torch)) return judgeApi(ts, torch);
  const split = (value: CanonicalValue): [CanonicalValue, readonly CanonicalValue[]] => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [value, []];
    const { [closeKey]: close, ...rest } = value as Readonly<Record<string, CanonicalValue>>;
    return [rest, Array.isArray(close) ? (close as readonly CanonicalValue[]) : []];
  };
  const [tsRest, tsClose] = split(ts.value);
  const [torchRest, torchClose] = split(torch.value);
  // Shapes, dtypes and counts are judged exactly with the rest.
  const outline = (list: readonly CanonicalValue[]): CanonicalValue =>
    list.map((t) => (isTensor(t) ? { dtype: t.tensor.dtype, shape: t.tensor.shape } : t));
  const exact = judgeApi(
    { ...ts, value: { rest: tsRest, outline: outline(tsClose) } },
    { ...torch, value: { rest: torchRest, outline: outline(torchClose) } },
  );
  if (exact.length > 0) return exact;
  const { rtol, atol } = caseBudget(layout.dtype, layout, 'forward');
  for (let i = 0; i < torchClose.length; i++) {
    const a = tsClose[i];
    const e = torchClose[i];
    if (!isTensor(a) || !isTensor(e)) continue;
    for (let j = 0; j < e.tensor.bits.length; j++) {
      const actual = floatFromBits(a.tensor.bits[j]!);
      const expected = floatFromBits(e.tensor.bits[j]!);
      const close = Number.isNaN(expected)
        ? Number.isNaN(actual)
        : actual === expected || Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
      if (!close) {
        return [
          {
            kind: 'api-value',
            path: `value.${closeKey}[${i}].tensor.bits[${j}]`,
            actual: `${actual}`,
            expected: `${expected} (rtol ${rtol}, atol ${atol})`,
          },
        ];
      }
    }
  }
  return [];
}
