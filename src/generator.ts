// torch's CPU Generator: seed semantics, random()/random64(), the serial uniform_ and bernoulli_ kernels, state bytes.
import { TorchError } from './errors.js';
import { cppDouble } from './cpp-format.js';
import { fmaF32, fmaF64 } from './fma.js';
import { MT19937 } from './mt19937.js';

/**
 * How the CPU `uniform_` kernel rounds `x * (to - from) + from` (spec §3.3): `'fused'` is one
 * rounding (the FMA-contracted AVX2/AVX512 kernels of x86-64 Linux builds, including the pinned
 * torch 2.13.0), `'unfused'` is a multiply and an add rounded separately (the
 * `ATEN_CPU_CAPABILITY=default` kernel and other compilers).
 */
export type InitRounding = 'fused' | 'unfused';

/** The seed of a fresh `torch.Generator()` (`c10::detail::default_rng_seed_val`). */
export const DEFAULT_RNG_SEED = 67280421310721n;

/** Size of torch's CPU generator state bytes, `sizeof(CPUGeneratorImplState)`. */
export const CPU_GENERATOR_STATE_SIZE = 5056;

const UINT64_MODULUS = 1n << 64n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = UINT64_MODULUS - 1n;
const MT_STATE_WORDS = 624;

// Byte offsets in CPUGeneratorImplState (aten/src/ATen/CPUGeneratorImpl.cpp), x86-64 layout:
// legacy_pod { u64 the_initial_seed; i32 left; i32 seeded; u64 next; u64 state[624];
//              f64 normal_x, normal_y, normal_rho; i32 normal_is_valid; (pad 4) }
// f32 next_float_normal_sample; bool is_next_float_normal_sample_valid; (pad 3)
const OFFSET_SEED = 0;
const OFFSET_LEFT = 8;
const OFFSET_SEEDED = 12;
const OFFSET_NEXT = 16;
const OFFSET_WORDS = 24;
const OFFSET_NORMAL_Y = 5024;
const OFFSET_NORMAL_IS_VALID = 5040;
const OFFSET_FLOAT_NORMAL = 5048;
const OFFSET_FLOAT_NORMAL_IS_VALID = 5052;

/**
 * Converts a Python-style seed to torch's uint64 seed: `int(seed)`, then two's-complement wrap.
 * Mirrors `torch.manual_seed` / `torch.Generator.manual_seed` (THPUtils_unpackUInt64 after a failed
 * int64 unpack).
 * @throws ValueError for NaN or a value outside [-2**63, 2**64 - 1]; OverflowError for ±Infinity.
 */
export function toUint64Seed(seed: number | bigint): bigint {
  let value: bigint;
  if (typeof seed === 'number') {
    if (Number.isNaN(seed)) throw new TorchError('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(seed)) throw new TorchError('OverflowError', 'cannot convert float infinity to integer');
    value = BigInt(Math.trunc(seed));
  } else {
    value = seed;
  }
  if (value < INT64_MIN || value > UINT64_MAX) throw new TorchError('ValueError', 'Overflow when unpacking long long');
  return value < 0n ? value + UINT64_MODULUS : value;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * A CPU random number generator, stream-identical to `torch.Generator()` on CPU.
 * Mirrors `at::CPUGeneratorImpl` (an `at::mt19937` seeded with the low 32 bits of a uint64 seed)
 * and the serial CPU kernels of `Tensor.uniform_` and `Tensor.bernoulli_(p)`.
 */
export class Generator {
  private engine!: MT19937;
  private seed64 = 0n;
  // torch caches one normal sample per dtype; this library draws none, but the cache is part of
  // the state bytes, so it is carried through getState/setState unchanged.
  private nextDoubleNormal: number | null = null;
  private nextFloatNormal: number | null = null;

  /**
   * A generator seeded with `seed` (default 67280421310721, the seed of a fresh `torch.Generator()`).
   * @throws ValueError / OverflowError as {@link Generator.manualSeed}.
   */
  constructor(seed: number | bigint = DEFAULT_RNG_SEED) {
    this.manualSeed(seed);
  }

  /**
   * Reseeds: `torch.Generator.manual_seed(seed)`. The seed is kept as a uint64 (negatives wrap);
   * only its low 32 bits seed the engine, so `s` and `s + 2**32` give the same stream.
   * @throws ValueError when the seed is outside [-2**63, 2**64 - 1] or NaN.
   * @throws OverflowError when the seed is ±Infinity.
   */
  manualSeed(seed: number | bigint): this {
    const seed64 = toUint64Seed(seed);
    this.seed64 = seed64;
    this.engine = new MT19937(Number(seed64 & 0xffffffffn));
    this.nextDoubleNormal = null;
    this.nextFloatNormal = null;
    return this;
  }

  /** The uint64 seed this generator was last seeded with. Mirrors `torch.Generator.initial_seed()`. */
  initialSeed(): bigint {
    return this.seed64;
  }

  /** One 32-bit draw in [0, 2**32). Mirrors `CPUGeneratorImpl::random()`. */
  random(): number {
    return this.engine.nextUint32();
  }

  /** One 64-bit draw from two 32-bit draws, the first being the high word. Mirrors `CPUGeneratorImpl::random64()`. */
  random64(): bigint {
    const high = this.engine.nextUint32();
    const low = this.engine.nextUint32();
    return (BigInt(high) << 32n) | BigInt(low);
  }

  /**
   * The low 53 bits of one `random64()` scaled to [0, 1): the double uniform torch's float64
   * kernels and `bernoulli_` use, `(r64 & (2**53 - 1)) * 2**-53`.
   */
  private uniform53(): number {
    const high = this.engine.nextUint32();
    const low = this.engine.nextUint32();
    return ((high & 0x1fffff) * 4294967296 + low) * 2 ** -53;
  }

  /**
   * Fills `out` in flat order with uniform values in [from, to), one draw per element: one
   * `random()` per float32 element, one `random64()` per float64 element.
   * Mirrors `Tensor.uniform_(from, to)` on CPU (`uniform_impl_` checks, then the serial
   * `uniform_kernel`): float32 computes `x * f32(f32(to) - f32(from)) + f32(from)` in float with
   * `x = (r & (2**24 - 1)) * 2**-24`; float64 computes `x * (to - from) + from` with 53-bit `x`.
   * A value that rounds to `to` is replaced by `from` (torch ≥ 2.x clamp).
   * @throws RuntimeError with torch's message when from/to are out of range for the dtype, from > to,
   *   or to - from overflows the dtype.
   */
  uniform_(out: Float32Array | Float64Array, from: number, to: number, rounding: InitRounding = 'fused'): void {
    const isFloat32 = out instanceof Float32Array;
    // mirrors aten/src/ATen/native/DistributionTemplates.h uniform_impl_ (check_uniform_bounds)
    const max = isFloat32 ? FLOAT32_MAX : Number.MAX_VALUE;
    const dtypeName = isFloat32 ? 'float' : 'double';
    if (!(from >= -max && from <= max)) throw new TorchError('RuntimeError', `from is out of bounds for ${dtypeName}`);
    if (!(to >= -max && to <= max)) throw new TorchError('RuntimeError', `to is out of bounds for ${dtypeName}`);
    if (!(from <= to)) {
      throw new TorchError('RuntimeError', `uniform_ expects to return a [from, to) range, but found from=${cppDouble(from)} > to=${cppDouble(to)}`);
    }
    if (!(to - from <= max)) {
      throw new TorchError(
        'RuntimeError',
        `uniform_ expects to-from <= std::numeric_limits<${isFloat32 ? 'Float' : 'Double'}>::max(), but found to=${cppDouble(to)} and from=${cppDouble(from)} which result in to-from to exceed the limit`,
      );
    }
    if (isFloat32) this.uniformFloat32(out, from, to, rounding);
    else this.uniformFloat64(out, from, to, rounding);
  }

  private uniformFloat32(out: Float32Array, from: number, to: number, rounding: InitRounding): void {
    const from32 = Math.fround(from);
    const to32 = Math.fround(to);
    const range = Math.fround(to32 - from32);
    for (let i = 0; i < out.length; i++) {
      // x is exact in float: a 24-bit integer times a power of two.
      const x = (this.engine.nextUint32() & 0xffffff) * 2 ** -24;
      const value = rounding === 'fused' ? fmaF32(x, range, from32) : Math.fround(Math.fround(x * range) + from32);
      out[i] = value === to32 ? from32 : value;
    }
  }

  private uniformFloat64(out: Float64Array, from: number, to: number, rounding: InitRounding): void {
    const range = to - from;
    // With from = -to (every RNN init), fma(x, 2s, -s) = s * (2x - 1) and 2x - 1 = (k - 2**52) * 2**-52
    // is exact, so one double product is the single rounding — no exact fma needed (spec §3.3).
    const isSymmetric = from === -to && rounding === 'fused';
    for (let i = 0; i < out.length; i++) {
      const high = this.engine.nextUint32();
      const low = this.engine.nextUint32();
      const k = (high & 0x1fffff) * 4294967296 + low;
      let value: number;
      if (isSymmetric) value = to * ((k - 2 ** 52) * 2 ** -52);
      else if (rounding === 'fused') value = fmaF64(k * 2 ** -53, range, from);
      else value = k * 2 ** -53 * range + from;
      out[i] = value === to ? from : value;
    }
  }

  // Note [dropout masks on MKL builds]
  // ATen's CPU bernoulli_(p) has two kernels (aten/src/ATen/native/cpu/DistributionKernels.cpp).
  // The default one, modelled here, is serial: one random64() per element, keep iff u < p. Builds
  // with AT_MKL_ENABLED instead drew ONE random() to seed an MKL VSL MCG31 stream and filled the mask
  // with viRngBernoulli in parallel chunks — on Intel CPUs only from torch 1.13 to ~2.5 (AMD always
  // took the default kernel), and in some later sources from a separate MKL generator on any CPU.
  // Such masks are deterministic per seed but not reproducible without MKL's generator; the parity
  // harness then compares dropout statistically. The pinned torch 2.13.0 wheel has no VSL RNG code in
  // libtorch_cpu.so at all (no vslNewStream / viRngBernoulli symbols), and its masks match this model
  // bit for bit (F.dropout and RNN train-mode forward, AMD EPYC, AVX512 kernels); the worker's
  // handshake reports this as dropout_model = 'mt19937-bernoulli'.

  /**
   * Fills `out` in flat order with 1 (probability `p`) or 0, one `random64()` per element.
   * Mirrors `Tensor.bernoulli_(p)` on CPU through the non-MKL serial kernel (`bernoulli_scalar_kernel_default`):
   * `u = (r64 & (2**53 - 1)) * 2**-53`, element = `u < p`. See Note [dropout masks on MKL builds].
   * @throws RuntimeError when p is outside [0, 1].
   */
  bernoulli_(out: Float32Array | Float64Array, p: number): void {
    // mirrors aten/src/ATen/native/DistributionTemplates.h bernoulli_impl_
    if (!(p >= 0 && p <= 1)) throw new TorchError('RuntimeError', `bernoulli_ expects p to be in [0, 1], but got p=${cppDouble(p)}`);
    for (let i = 0; i < out.length; i++) out[i] = this.uniform53() < p ? 1 : 0;
  }

  /**
   * The generator state as torch's 5056 state bytes (`CPUGeneratorImplState`, little-endian x86-64
   * layout), interchangeable with `torch.Generator.get_state()` / `torch.get_rng_state()`.
   */
  getState(): Uint8Array {
    const bytes = new Uint8Array(CPU_GENERATOR_STATE_SIZE);
    const view = new DataView(bytes.buffer);
    const { words, left, next } = this.engine.getState();
    view.setBigUint64(OFFSET_SEED, this.seed64, true);
    view.setInt32(OFFSET_LEFT, left, true);
    view.setInt32(OFFSET_SEEDED, 1, true);
    view.setBigUint64(OFFSET_NEXT, BigInt(next), true);
    for (let i = 0; i < MT_STATE_WORDS; i++) view.setBigUint64(OFFSET_WORDS + 8 * i, BigInt(words[i]!), true);
    if (this.nextDoubleNormal !== null) {
      view.setFloat64(OFFSET_NORMAL_Y, this.nextDoubleNormal, true);
      view.setInt32(OFFSET_NORMAL_IS_VALID, 1, true);
    }
    if (this.nextFloatNormal !== null) {
      view.setFloat32(OFFSET_FLOAT_NORMAL, this.nextFloatNormal, true);
      bytes[OFFSET_FLOAT_NORMAL_IS_VALID] = 1;
    }
    return bytes;
  }

  /**
   * Restores state bytes from {@link Generator.getState} or from torch's `get_state()`.
   * Mirrors `CPUGeneratorImpl::set_state`.
   * @throws RuntimeError when the size is wrong or the engine state is invalid.
   */
  setState(state: Uint8Array): this {
    if (state.length !== CPU_GENERATOR_STATE_SIZE) {
      throw new TorchError(
        'RuntimeError',
        `Expected a CPUGeneratorImplState of size ${CPU_GENERATOR_STATE_SIZE} but found the input RNG state size to be ${state.length}`,
      );
    }
    const view = new DataView(state.buffer, state.byteOffset, state.byteLength);
    const seed64 = view.getBigUint64(OFFSET_SEED, true);
    const left = view.getInt32(OFFSET_LEFT, true);
    const seeded = view.getInt32(OFFSET_SEEDED, true);
    const next = view.getBigUint64(OFFSET_NEXT, true) & 0xffffffffn;
    const words = new Uint32Array(MT_STATE_WORDS);
    // torch copies the uint64 state words into uint32s, keeping the low halves.
    for (let i = 0; i < MT_STATE_WORDS; i++) words[i] = Number(view.getBigUint64(OFFSET_WORDS + 8 * i, true) & 0xffffffffn);
    const engine = new MT19937(Number(seed64 & 0xffffffffn));
    try {
      if (seeded === 0) throw new RangeError('unseeded');
      engine.setState({ seed32: Number(seed64 & 0xffffffffn), words, left, next: Number(next) });
    } catch (error) {
      if (error instanceof RangeError) throw new TorchError('RuntimeError', 'Invalid mt19937 state');
      throw error;
    }
    this.engine = engine;
    this.seed64 = seed64;
    this.nextDoubleNormal = view.getInt32(OFFSET_NORMAL_IS_VALID, true) !== 0 ? view.getFloat64(OFFSET_NORMAL_Y, true) : null;
    this.nextFloatNormal = state[OFFSET_FLOAT_NORMAL_IS_VALID] !== 0 ? view.getFloat32(OFFSET_FLOAT_NORMAL, true) : null;
    return this;
  }
}

/**
 * The global CPU generator that {@link manualSeed} seeds and that RNN construction draws from when
 * no generator is given. Mirrors `torch.default_generator`, except that torch seeds it
 * nondeterministically at start-up; here it starts from 67280421310721 (the seed of a fresh
 * `torch.Generator()`), so unseeded runs are reproducible but match no particular torch run.
 */
export const defaultGenerator: Generator = new Generator(DEFAULT_RNG_SEED);

/**
 * Seeds the global CPU generator and returns it. Mirrors `torch.manual_seed(seed)` on CPU.
 * @throws ValueError when the seed is outside [-2**63, 2**64 - 1] or NaN.
 * @throws OverflowError when the seed is ±Infinity.
 */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}
