// The committed WebAssembly bytes are exactly what wasm/build.ts assembles from wasm/linear-wat.ts now.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, buildLinearWasm, generatedSource } from '../../wasm/build.js';

describe('src/wasm/linear-bytes.ts', () => {
  it('equals a fresh build from source (run `pnpm build:wasm` after editing wasm/linear-wat.ts)', async () => {
    const fresh = generatedSource(await buildLinearWasm());
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(fresh);
  });
});
