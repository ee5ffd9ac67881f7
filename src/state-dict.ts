// load_state_dict for a module's parameters: torch's key checks, size checks and error text.
import { TorchError, pyTypeName } from './errors.js';
import { Tensor } from './tensor.js';

/** Python's `type(value)` as `load_state_dict` prints it: `<class 'NoneType'>`, `<class 'torch.Tensor'>`. */
function pyClassRepr(value: unknown): string {
  return `<class '${value instanceof Tensor ? 'torch.Tensor' : pyTypeName(value)}'>`;
}

/**
 * Copies values from `stateDict` into `params` (converting dtype as torch's `copy_` does).
 * Mirrors `Module.load_state_dict(state_dict, strict)`, including its error text.
 * `moduleName` is torch's class name in the message (`RNN`, `LSTM`, `GRUCell`, …).
 * @throws TypeError `Expected state_dict to be dict-like, got <class '…'>.` when `stateDict` is not
 * a plain object (null, a number, an array, a tensor …).
 * @throws RuntimeError `Error(s) in loading state_dict for RNN: …` on missing or unexpected keys
 * (strict) or on a size mismatch (always); nothing is copied then.
 */
export function loadStateDictInto(
  params: ReadonlyMap<string, Tensor>,
  stateDict: Readonly<Record<string, Tensor>>,
  strict: boolean,
  moduleName = 'RNN',
): { missingKeys: string[]; unexpectedKeys: string[] } {
  // mirrors torch/nn/modules/module.py Module.load_state_dict: `if not isinstance(state_dict, Mapping)`
  const given: unknown = stateDict;
  if (given === null || typeof given !== 'object' || Array.isArray(given) || given instanceof Tensor) {
    throw new TorchError('TypeError', `Expected state_dict to be dict-like, got ${pyClassRepr(given)}.`);
  }
  // Own keys only, so a name such as `constructor` is never found on Object.prototype.
  const entry = (name: string): unknown => (Object.hasOwn(stateDict, name) ? stateDict[name] : undefined);
  const missingKeys = [...params.keys()].filter((name) => !Object.hasOwn(stateDict, name));
  const unexpectedKeys = Object.keys(stateDict).filter((name) => !params.has(name));
  const errors: string[] = [];
  if (strict) {
    // torch lists missing before unexpected, each group as quoted names.
    if (missingKeys.length > 0) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}. `);
    if (unexpectedKeys.length > 0) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}. `);
  }
  for (const [name, param] of params) {
    if (!Object.hasOwn(stateDict, name)) continue;
    const source = entry(name);
    if (!(source instanceof Tensor)) {
      errors.push(
        `While copying the parameter named "${name}", expected torch.Tensor or Tensor-like object from checkpoint but received ${pyClassRepr(source)}`,
      );
    } else if (source.shape.length !== param.shape.length || source.shape.some((s, i) => s !== param.shape[i])) {
      errors.push(
        `size mismatch for ${name}: copying a param with shape ${source.sizeRepr()} from checkpoint, the shape in current model is ${param.sizeRepr()}.`,
      );
    }
  }
  if (errors.length > 0) {
    // torch puts the missing/unexpected lines first, then size mismatches in parameter order.
    throw new TorchError('RuntimeError', `Error(s) in loading state_dict for ${moduleName}:\n\t${errors.join('\n\t')}`);
  }
  for (const [name, param] of params) {
    const source = entry(name);
    if (source instanceof Tensor) param.data.set(source.data);
  }
  return { missingKeys, unexpectedKeys };
}
