// The registry of API targets: every target a campaign draws, by name (python/api_targets.py holds torch's side).
import type { InitRounding } from '../../src/index.js';
import type { ApiTarget } from './api-target.js';
import { constructionWarningsTarget } from './targets/construction-warnings.js';
import { dropoutNoiseTarget } from './targets/dropout-noise.js';
import { familyTarget } from './targets/family.js';
import { generatorChoiceTarget } from './targets/generator-choice.js';
import { invertPermutationTarget } from './targets/invert-permutation.js';
import { memoryLimitTarget } from './targets/memory-limit.js';
import { moduleLoadStateDictTarget } from './targets/module-load-state-dict.js';
import { moduleReprTarget } from './targets/module-repr.js';
import { mt19937Target } from './targets/mt19937.js';
import { rngStateTarget } from './targets/rng-state.js';
import { rnnKwargsTarget } from './targets/rnn-kwargs.js';
import { loadStateDictTarget } from './targets/load-state-dict.js';
import { manualSeedTarget } from './targets/manual-seed.js';
import { packPaddedTarget } from './targets/pack-padded.js';
import { packSequenceTarget } from './targets/pack-sequence.js';
import { padPackedTarget } from './targets/pad-packed.js';
import { padSequenceTarget } from './targets/pad-sequence.js';
import { resetParametersTarget } from './targets/reset-parameters.js';
import { safetensorsReadTarget } from './targets/safetensors-read.js';
import { safetensorsWriteTarget } from './targets/safetensors-write.js';
import { stateDictFromJsonTarget } from './targets/state-dict-from-json.js';
import { stateDictJsonTarget } from './targets/state-dict-json.js';
import { stripStateDictPrefixTarget } from './targets/strip-state-dict-prefix.js';
import { tensorFromNestedTarget } from './targets/tensor-from-nested.js';

/**
 * Every API target, calling the library's own functions. Targets that draw parameters round
 * `uniform_` as the reference torch does (its handshake's init fingerprint: parity-case.ts
 * referenceInitRounding).
 */
export function apiTargets(initRounding: InitRounding = 'fused'): readonly ApiTarget[] {
  return [
    packPaddedTarget(),
    padPackedTarget(),
    padSequenceTarget(),
    packSequenceTarget(),
    manualSeedTarget(initRounding),
    resetParametersTarget(initRounding),
    loadStateDictTarget(initRounding),
    moduleLoadStateDictTarget(initRounding),
    moduleReprTarget(initRounding),
    constructionWarningsTarget(),
    rnnKwargsTarget(initRounding),
    memoryLimitTarget(initRounding),
    invertPermutationTarget(),
    mt19937Target(),
    rngStateTarget(initRounding),
    generatorChoiceTarget(initRounding),
    dropoutNoiseTarget(initRounding),
    familyTarget('LSTM', initRounding),
    familyTarget('GRU', initRounding),
    familyTarget('RNNCell', initRounding),
    familyTarget('LSTMCell', initRounding),
    familyTarget('GRUCell', initRounding),
    safetensorsReadTarget(),
    safetensorsWriteTarget(),
    stateDictJsonTarget(),
    stateDictFromJsonTarget(),
    tensorFromNestedTarget(),
    stripStateDictPrefixTarget(),
  ];
}

/** The targets with the library's default rounding (names, exports and args; for running, prefer {@link apiTargets}). */
export const API_TARGETS: readonly ApiTarget[] = apiTargets();
