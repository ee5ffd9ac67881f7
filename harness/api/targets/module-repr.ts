// Target module_repr: toString() against repr(nn.<Module>(...)) for random valid arguments of all six modules (and the training flag a new module starts with).
import fc from 'fast-check';
import * as library from '../../../src/index.js';
import type { DType, InitRounding } from '../../../src/index.js';
import { encodeArgs } from '../api-args.js';
import { apiResultOf } from '../api-result.js';
import type { ApiTarget } from '../api-target.js';
import { type ModuleKind, type ModuleLibrary, type TorchKwargs, MODULE_KINDS, anyModuleKwargs, buildModule, dtypeArg } from './module-kwargs.js';

export type ModuleReprArgs = { readonly module: ModuleKind; readonly kwargs: TorchKwargs; readonly dtype: DType };

/** `m = nn.<module>(**kwargs, dtype=dtype)`; `{repr: repr(m), training: m.training}`, construction warnings judged too. */
export function moduleReprTarget(initRounding: InitRounding = 'fused', lib: ModuleLibrary = library): ApiTarget<ModuleReprArgs> {
  return {
    name: 'module_repr',
    // Construction only, so cheap: the heaviest of the module targets, so that two uncommon
    // arguments together (the order torch prints them in) come up within a few hundred cases.
    exports: [...MODULE_KINDS],
    weight: 3,
    arbitrary: fc.tuple(anyModuleKwargs(), dtypeArg()).map(([m, dtype]) => ({ ...m, dtype })),
    runTs: (a) =>
      apiResultOf(() => {
        const module = buildModule(lib, a.module, a.kwargs, { dtype: a.dtype, initRounding });
        return { repr: module.toString(), training: module.training };
      }),
    wireArgs: (a) => encodeArgs(a),
    size: (a) => Object.keys(a.kwargs).length,
  };
}
