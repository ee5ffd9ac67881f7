// Thread factory: how a worker thread builds the module under test, since a function cannot cross to a thread.
import type { InitRounding } from '../../src/generator.js';
import { type RNNFactory, referenceFactory } from './parity-case.js';

/**
 * The module under test, named so a worker thread can build it: the library's RNN with the reference
 * torch's `uniform_` rounding, or a factory exported by a module (planted-bug tests), found by its
 * file URL and export name and called with `args`. A closure cannot be sent to a thread
 * (structured clone refuses functions), so a custom factory travels as this name and each thread,
 * and the main thread, import it themselves.
 */
export type ThreadFactory =
  | { readonly kind: 'reference'; readonly initRounding: InitRounding }
  | { readonly kind: 'module'; readonly url: string; readonly exportName: string; readonly args: readonly string[] };

/**
 * The factory a {@link ThreadFactory} names, imported in the calling thread.
 * @throws Error when the module has no such export or it does not return a function.
 */
export async function loadFactory(spec: ThreadFactory): Promise<RNNFactory> {
  if (spec.kind === 'reference') return referenceFactory({ init_fingerprint: { model: spec.initRounding, float32: [], float64: [] } });
  const module = (await import(spec.url)) as Record<string, unknown>;
  const make = module[spec.exportName];
  if (typeof make !== 'function') throw new Error(`${spec.url} exports no function ${spec.exportName}`);
  const factory: unknown = make(...spec.args);
  if (typeof factory !== 'function') throw new Error(`${spec.exportName}(${spec.args.join(', ')}) in ${spec.url} returned no factory`);
  return factory as RNNFactory;
}
