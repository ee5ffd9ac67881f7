// Target module_repr: toString() against repr(nn.<Module>(...)) for random valid arguments of all six modules, and `training` after construction and after any sequence of train(), eval(), train(false), train(true).
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, InitRounding } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import type { CanonicalValue } from '../canonical-value.js';
import { type ModuleKind, type ModuleLibrary, type TorchKwargs, MODULE_KINDS, anyModuleKwargs, buildModule, dtypeArg } from './module-kwargs.js';

/** The calls, as python/api_targets_modules.py target_module_repr spells them. */
const OPS = ['train', 'eval', 'train(False)', 'train(True)'] as const;
type Op = (typeof OPS)[number];

export type ModuleReprArgs = { readonly module: ModuleKind; readonly kwargs: TorchKwargs; readonly dtype: DType; readonly ops: readonly Op[] };

/**
 * `m = nn.<module>(**kwargs, dtype=dtype)`; `{repr: repr(m), training: [m.training, [training,
 * returned is m] after each op]}` (Module.train/eval set the flag and return the module);
 * construction warnings are judged too. One target for both, as both only need a module built: every
 * case of this cheap target checks the repr and the train/eval state at once.
 */
export function moduleReprTarget(initRounding: InitRounding = 'fused', lib: ModuleLibrary = library): ApiTarget<ModuleReprArgs> {
  return {
    name: 'module_repr',
    // The heaviest of the module targets, so that two uncommon arguments together (the order torch
    // prints them in) come up within a few hundred cases.
    exports: [...MODULE_KINDS],
    weight: 4,
    arbitrary: fc
      .tuple(anyModuleKwargs(), dtypeArg(), fc.array(fc.constantFrom(...OPS), { maxLength: 4 }))
      .map(([m, dtype, ops]) => ({ ...m, dtype, ops })),
    runTs: (a) =>
      apiResultOf(() => {
        const module = buildModule(lib, a.module, a.kwargs, { dtype: a.dtype, initRounding });
        const training: CanonicalValue[] = [module.training];
        for (const op of a.ops) {
          const returned = op === 'eval' ? module.eval() : op === 'train' ? module.train() : module.train(op === 'train(True)');
          training.push([module.training, returned === module]);
        }
        return { repr: module.toString(), training };
      }),
    wireArgs: (a) => encodeArgs(a),
    size: (a) => Object.keys(a.kwargs).length + a.ops.length,
  };
}
