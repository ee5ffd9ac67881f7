// Error categories: the coarse class of a torch error, stable across torch versions where the exact text is not.
import type { ErrorOutcome } from './outcome.js';

/**
 * The coarse class of an error, stable across torch versions where the exact text is not
 * (e.g. num_layers=0 is an IndexError in 1.13 and a ValueError in 2.x; both are 'num_layers').
 */
export function errorCategory(error: ErrorOutcome): string {
  const m = error.message;
  const rules: [RegExp, string][] = [
    [/proj_size argument/, 'proj_size'],
    [/nonlinearity/, 'nonlinearity'],
    [/dropout|convert string to float|float\(\) argument/, 'dropout'],
    [/^bias /, 'bias'],
    [/batch_first/, 'batch_first'],
    [/input_size should|input_size must|argument 'size'.*pos 1/, 'input_size'],
    [/hidden_size|proj_size has to be smaller|argument 'size'.*pos 0/, 'hidden_size'],
    [/num_layers|cannot be interpreted as an integer|'<=' not supported|list index out of range/, 'num_layers'],
    [/floating point and complex dtype|dtype|must have the same dtype|m1 and m2|expected scalar type/, 'dtype'],
    [/Expected input to be 2D or 3D|must have \d dimensions|Dimension out of range/, 'input_rank'],
    [/input\.size\(-1\)/, 'input_size_mismatch'],
    [/hx should also be/, 'hx_rank'],
    [/Expected hidden size|INDICES element|index out of range/, 'hx_shape'],
    [/sequence length to be larger than 0/, 'empty_sequence'],
    [/lengths|total_length|Length of all samples/, 'lengths'],
    [/state_dict/, 'state_dict'],
  ];
  for (const [pattern, category] of rules) if (pattern.test(m)) return category;
  return `${error.type}:other`;
}
