// Target module_training: `training` after construction and after any sequence of train(), eval(), train(false), train(true), for all six modules.
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, InitRounding } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import type { CanonicalValue } from '../canonical-value.js';
import { type ModuleKind, type ModuleLibrary, type TorchKwargs, MODULE_KINDS, anyModuleKwargs, buildModule, dtypeArg } from './module-kwargs.js';

/** The calls, as python/api_targets_modules.py target_module_training spells them. */
const OPS = ['train', 'eval', 'train(False)', 'train(True)'] as const;
type Op = (typeof OPS)[number];

export type ModuleTrainingArgs = { readonly module: ModuleKind; readonly kwargs: TorchKwargs; readonly dtype: DType; readonly ops: readonly Op[] };

/** `[m.training, [training, returned is m] after each op]`: Module.train/eval set the flag and return the module. */
export function moduleTrainingTarget(initRounding: InitRounding = 'fused', lib: ModuleLibrary = library): ApiTarget<ModuleTrainingArgs> {
  return {
    name: 'module_training',
    exports: [...MODULE_KINDS],
    weight: 1,
    arbitrary: fc
      .tuple(anyModuleKwargs(), dtypeArg(), fc.array(fc.constantFrom(...OPS), { maxLength: 5 }))
      .map(([m, dtype, ops]) => ({ ...m, dtype, ops })),
    runTs: (a) =>
      apiResultOf(() => {
        const module = buildModule(lib, a.module, a.kwargs, { dtype: a.dtype, initRounding });
        const seen: CanonicalValue[] = [module.training];
        for (const op of a.ops) {
          const returned = op === 'eval' ? module.eval() : op === 'train' ? module.train() : module.train(op === 'train(True)');
          seen.push([module.training, returned === module]);
        }
        return seen;
      }),
    wireArgs: (a) => encodeArgs(a),
    size: (a) => a.ops.length,
  };
}
