// The activations in a real browser: tanh (src/tanh.ts) and sigmoid (src/sigmoid.ts on src/exp.ts)
// evaluated in headless Chromium must give Node's bits on every input (Note [deterministic tanh],
// Note [deterministic exp]).
import path from 'node:path';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, requireChromium } from '../chromium.js';
import { ROOT } from './readme-example.js';

/** Inputs per function: uniform over ±25 (both saturations), ±2 (the curved middle) and ±2⁻²⁰ (the linear range). */
const COUNT = 200_000;

/** The page's and Node's evaluation: the same source text, so both run the same inputs through the same code. */
const EVALUATE = `
  import { tanhF32, tanhF64 } from ${JSON.stringify(path.join(ROOT, 'src', 'tanh.ts'))};
  import { sigmoidInPlace } from ${JSON.stringify(path.join(ROOT, 'src', 'sigmoid.ts'))};
  import { tanhInPlaceWasm } from ${JSON.stringify(path.join(ROOT, 'src', 'tanh-wasm.ts'))};
  globalThis.activations = (count) => {
    let state = 2463534242;
    const next = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0; return state / 2 ** 32; };
    const spans = [25, 2, 2 ** -20];
    const x = Float64Array.from({ length: count }, (_, i) => (next() * 2 - 1) * spans[i % 3]);
    const x32 = Float32Array.from(x);
    const hex = (a) => Array.from(new Uint8Array(a.buffer), (b) => b.toString(16).padStart(2, '0')).join('');
    const s32 = Float32Array.from(x32);
    const s64 = Float64Array.from(x);
    sigmoidInPlace(s32, 0, count);
    sigmoidInPlace(s64, 0, count);
    const w32 = Float32Array.from(x32);
    const w64 = Float64Array.from(x);
    const ran = tanhInPlaceWasm(w32, 0, count) && tanhInPlaceWasm(w64, 0, count);
    return {
      tanhWasmF64: ran ? hex(w64) : 'no WebAssembly SIMD',
      tanhWasmF32: ran ? hex(w32) : 'no WebAssembly SIMD',
      tanhF64: hex(x.map(tanhF64)),
      tanhF32: hex(x32.map(tanhF32)),
      sigmoidF32: hex(s32),
      sigmoidF64: hex(s64),
    };
  };
`;

async function bundle(): Promise<string> {
  const result = await build({
    stdin: { contents: EVALUATE, resolveDir: ROOT, loader: 'ts', sourcefile: 'activations-entry.ts' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

type Results = Record<'tanhF64' | 'tanhF32' | 'tanhWasmF64' | 'tanhWasmF32' | 'sigmoidF32' | 'sigmoidF64', string>;

/** Elements whose bits differ, for hex strings of `bytes`-wide elements. */
function differing(a: string, b: string, bytes: number): number {
  let count = 0;
  for (let i = 0; i < a.length; i += 2 * bytes) if (a.slice(i, i + 2 * bytes) !== b.slice(i, i + 2 * bytes)) count++;
  return count;
}

let browser: Browser | undefined;
let inPage: Results;
let inNode: Results;

beforeAll(async () => {
  const code = await bundle();
  browser = await chromium.launch({ executablePath: requireChromium(), headless: true, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.setContent('<!doctype html><title>activations</title>');
  await page.addScriptTag({ content: code });
  inPage = await page.evaluate((n) => (globalThis as unknown as { activations(n: number): Results }).activations(n), COUNT);
  // the same bundle in Node, so Node runs exactly the page's code
  new Function(code)();
  inNode = (globalThis as unknown as { activations(n: number): Results }).activations(COUNT);
  expect(pageErrors).toEqual([]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

describe('activations in headless Chromium vs Node', () => {
  it(`tanh gives the same bits on ${COUNT} float64 and ${COUNT} float32 inputs`, () => {
    expect(inPage.tanhF64.length).toBe(COUNT * 16);
    expect(differing(inPage.tanhF64, inNode.tanhF64, 8)).toBe(0);
    expect(differing(inPage.tanhF32, inNode.tanhF32, 4)).toBe(0);
  });

  it("the WebAssembly tanh (src/tanh-wasm.ts) gives the JS functions' bits in the page and in Node", () => {
    for (const results of [inPage, inNode]) {
      expect(results.tanhWasmF64.length).toBe(COUNT * 16);
      expect(differing(results.tanhWasmF64, results.tanhF64, 8)).toBe(0);
      expect(differing(results.tanhWasmF32, results.tanhF32, 4)).toBe(0);
    }
  });

  it(`sigmoid gives the same bits on ${COUNT} float64 and ${COUNT} float32 inputs`, () => {
    expect(inPage.sigmoidF64.length).toBe(COUNT * 16);
    expect(differing(inPage.sigmoidF64, inNode.sigmoidF64, 8)).toBe(0);
    expect(differing(inPage.sigmoidF32, inNode.sigmoidF32, 4)).toBe(0);
  });
});
