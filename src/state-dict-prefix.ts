// A torch RNN inside a bigger model: its parameters carry the module path as a key prefix
// (`encoder.rnn.weight_ih_l0`). This picks out one RNN's parameters under torch's own names, as
// torch's `consume_prefix_in_state_dict_if_present` does, so `loadStateDict` can take them.
import type { Tensor } from './tensor.js';

/** torch's RNN parameter names (see parameter-names.ts), anywhere in a longer key. */
const RNN_PARAMETER = /^(.*?)(?:weight|bias)_(?:ih|hh)_l\d+(?:_reverse)?$/;

/**
 * The tensors whose names start with `prefix`, renamed without it, in their original order; other
 * tensors are left out. A prefix without a trailing dot gets one (`'encoder.rnn'` and
 * `'encoder.rnn.'` are the same module path); `''` keeps every tensor.
 *
 * ```ts
 * const { tensors } = readSafetensors(bytes);             // a whole model's state_dict
 * rnn.loadStateDict(stripStateDictPrefix(tensors, 'encoder.rnn'));
 * ```
 * @throws RangeError when no name starts with the prefix; the message lists the prefixes under
 * which RNN parameters do occur.
 */
export function stripStateDictPrefix(
  tensors: ReadonlyMap<string, Tensor> | Iterable<readonly [string, Tensor]> | Readonly<Record<string, Tensor>>,
  prefix: string,
): Record<string, Tensor> {
  const modulePrefix = prefix === '' || prefix.endsWith('.') ? prefix : `${prefix}.`;
  const entries: (readonly [string, Tensor])[] =
    Symbol.iterator in tensors ? [...(tensors as Iterable<readonly [string, Tensor]>)] : Object.entries(tensors);
  const picked: Record<string, Tensor> = {};
  for (const [name, tensor] of entries) {
    if (name.startsWith(modulePrefix)) picked[name.slice(modulePrefix.length)] = tensor;
  }
  if (Object.keys(picked).length === 0) {
    const found = [...new Set(entries.flatMap(([name]) => RNN_PARAMETER.exec(name)?.slice(1, 2) ?? []))].map((p) => `'${p}'`);
    throw new RangeError(
      `no tensor name starts with '${modulePrefix}'; ` +
        (found.length === 0 ? 'no RNN parameters (weight_ih_l0, ...) found under any prefix' : `RNN parameters occur under ${found.join(', ')}`),
    );
  }
  return picked;
}
