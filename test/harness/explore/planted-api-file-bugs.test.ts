// The campaign catches bugs in the file formats and the tensor factory: each bug planted through a target's library seam is found by random exploration alone and shrunk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as library from '../../../src/index.js';
import { type NestedArray, SafetensorsError, Tensor, TorchError } from '../../../src/index.js';
import { safetensorsReadTarget } from '../../../harness/api/targets/safetensors-read.js';
import { safetensorsWriteTarget } from '../../../harness/api/targets/safetensors-write.js';
import { stateDictFromJsonTarget } from '../../../harness/api/targets/state-dict-from-json.js';
import { stateDictJsonTarget } from '../../../harness/api/targets/state-dict-json.js';
import { stripStateDictPrefixTarget } from '../../../harness/api/targets/strip-state-dict-prefix.js';
import { tensorFromNestedTarget } from '../../../harness/api/targets/tensor-from-nested.js';
import { TorchBridge } from '../../../harness/worker/bridge.js';
import { type PlantedApiBug, expectFoundAndShrunk } from './planted-api-bug.js';

/** The file with every `"dtype":"…"` tag upper-cased in place (same length, so the header length still holds). */
function upperCaseTags(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 8) return bytes;
  const headerBytes = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  if (8 + headerBytes > bytes.length) return bytes;
  const header = new TextDecoder('latin1').decode(bytes.subarray(8, 8 + headerBytes));
  const fixed = header.replace(/"dtype":"([a-z0-9_]*)"/gi, (_, tag: string) => `"dtype":"${tag.toUpperCase()}"`);
  const out = bytes.slice();
  for (let i = 0; i < fixed.length; i++) out[8 + i] = fixed.charCodeAt(i);
  return out;
}

/** The writer's file with its header re-padded to a multiple of 4 bytes instead of 8. */
function padToFour(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const headerBytes = Number(view.getBigUint64(0, true));
  let json = headerBytes;
  while (json > 0 && bytes[8 + json - 1] === 0x20) json--;
  const padded = json + ((4 - (json % 4)) % 4);
  const out = new Uint8Array(8 + padded + (bytes.length - 8 - headerBytes));
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(bytes.subarray(8, 8 + json), 8);
  out.fill(0x20, 8 + json, 8 + padded);
  out.set(bytes.subarray(8 + headerBytes), 8 + padded);
  return out;
}

/** fromNested without the ragged checks: the shape from the first elements, the leaves in order, missing ones 0. */
function fromNestedUnchecked(nested: NestedArray, dtype: library.DType = 'float32'): Tensor {
  const shape: number[] = [];
  for (let probe: unknown = nested; Array.isArray(probe); probe = probe[0]) {
    shape.push(probe.length);
    if (probe.length === 0) break;
  }
  const leaves: number[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) for (const child of node) visit(child);
    else if (typeof node === 'number') leaves.push(node);
    else throw new TorchError('TypeError', 'must be real number, not NoneType');
  };
  visit(nested);
  const count = shape.reduce((n, s) => n * s, 1);
  return Tensor.fromFlat(
    Array.from({ length: count }, (_, i) => leaves[i] ?? 0),
    shape,
    dtype,
  );
}

/** One bug: the target it lives behind, and that target built on a broken library. */

const plantedApiFileBugs: Record<string, PlantedApiBug> = {
  'readSafetensors matches dtype tags case-insensitively': {
    target: 'safetensors_read',
    build: () => safetensorsReadTarget({ readSafetensors: (bytes, options) => library.readSafetensors(upperCaseTags(bytes), options) }),
    // ~630 campaign cases: 8 s alone, but missed in 20 s while the whole suite runs beside it.
    budgetMs: 45_000,
  },
  'writeSafetensors pads the header to 4 bytes, not 8': {
    target: 'safetensors_write',
    build: () => safetensorsWriteTarget({ writeSafetensors: (tensors, metadata) => padToFour(library.writeSafetensors(tensors, metadata)) }),
  },
  'stateDictToJson writes −0 as 0': {
    target: 'state_dict_json',
    build: () => stateDictJsonTarget({ ...library, stateDictToJson: (stateDict) => library.stateDictToJson(stateDict).replaceAll('"-0"', '0') }),
  },
  'stateDictFromJson rounds a float32 value that is not exactly float32 instead of refusing it': {
    target: 'state_dict_from_json',
    build: () =>
      stateDictFromJsonTarget({
        stateDictFromJson: (text) => {
          let document: unknown;
          try {
            document = JSON.parse(text);
          } catch {
            return library.stateDictFromJson(text);
          }
          if (document === null || typeof document !== 'object' || Array.isArray(document)) return library.stateDictFromJson(text);
          for (const entry of Object.values(document as Record<string, { dtype?: unknown; values?: unknown }>)) {
            if (entry?.dtype === 'float32' && Array.isArray(entry.values))
              entry.values = entry.values.map((v: unknown) => (typeof v === 'number' && Number.isFinite(Math.fround(v)) ? Math.fround(v) : v));
          }
          return library.stateDictFromJson(JSON.stringify(document));
        },
      }),
  },
  'Tensor.fromNested accepts a ragged array': {
    target: 'tensor_from_nested',
    build: () => tensorFromNestedTarget({ Tensor: { fromNested: fromNestedUnchecked } }),
  },
  'stripStateDictPrefix takes a prefix without its dot as it is': {
    target: 'strip_state_dict_prefix',
    build: () =>
      stripStateDictPrefixTarget({
        stripStateDictPrefix: (tensors, prefix) => {
          const picked = library.stripStateDictPrefix(tensors, prefix.endsWith('.') || prefix === '' ? prefix : `${prefix}`);
          if (prefix.endsWith('.') || prefix === '') return picked;
          return Object.fromEntries(Object.entries(picked).map(([name, t]) => [`.${name}`, t]));
        },
      }),
  },
};

describe('planted API bugs in files and factories (live torch)', () => {
  let bridge: TorchBridge;
  beforeAll(async () => {
    bridge = await TorchBridge.start();
  });
  afterAll(async () => {
    await bridge.stop();
  });

  it('the planted helpers really change what the library does', () => {
    expect(padToFour(library.writeSafetensors([])).length).toBe(12);
    const bytes = library.writeSafetensors([['a', Tensor.fromFlat([1], [1])]]);
    const lowered = bytes.slice();
    lowered[new TextDecoder('latin1').decode(bytes).indexOf('"F32"') + 1] = 0x66;
    expect(() => library.readSafetensors(lowered)).toThrow(SafetensorsError);
    expect(library.readSafetensors(upperCaseTags(lowered)).tensors.size).toBe(1);
    expect(fromNestedUnchecked([[1, 2], [3]]).shape).toEqual([2, 2]);
  });

  it.each(Object.entries(plantedApiFileBugs))('finds and shrinks: %s', (name, bug) => expectFoundAndShrunk(bridge, name, bug), 120_000);
});
