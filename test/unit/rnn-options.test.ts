// Constructor checks: torch 2.13's order, exception types and exact messages, and the kwargs mapping.
import { describe, expect, it } from 'vitest';
import { RNN, TorchError, catchWarnings, fromTorchKwargs, toTorchKwargs, type RNNOptions } from '../../src/index.js';

function constructionError(options: Record<string, unknown>): { name: string; message: string } {
  try {
    new RNN(options as unknown as RNNOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TorchError);
    const torchError = error as TorchError;
    return { name: torchError.name, message: torchError.message };
  }
  throw new Error('expected the constructor to throw');
}

// Each message below was printed by torch 2.13.0 for the same arguments (nn.RNN(...)).
const cases: [string, Record<string, unknown>, string, string][] = [
  [
    'proj_size is refused first',
    { inputSize: 2, hiddenSize: 3, projSize: 1 },
    'ValueError',
    'proj_size argument is only supported for LSTM, not RNN or GRU',
  ],
  [
    'an unknown nonlinearity',
    { inputSize: 2, hiddenSize: 3, nonlinearity: 'sigmoid' },
    'ValueError',
    "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'.",
  ],
  [
    'a None nonlinearity',
    { inputSize: 2, hiddenSize: 3, nonlinearity: null },
    'ValueError',
    "Unknown nonlinearity 'None'. Select from 'tanh' or 'relu'.",
  ],
  ['no sizes', {}, 'TypeError', "RNNBase.__init__() missing 2 required positional arguments: 'input_size' and 'hidden_size'"],
  ['no hidden size', { inputSize: 2 }, 'TypeError', "RNNBase.__init__() missing 1 required positional argument: 'hidden_size'"],
  ['an unknown keyword', { inputSize: 2, hiddenSize: 3, fooBar: 1 }, 'TypeError', "RNNBase.__init__() got an unexpected keyword argument 'foo_bar'"],
  ['a non-numeric dropout string', { inputSize: 2, hiddenSize: 3, dropout: 'abc' }, 'ValueError', "could not convert string to float: 'abc'"],
  [
    'a numeric dropout string',
    { inputSize: 2, hiddenSize: 3, dropout: '0.5' },
    'ValueError',
    'dropout should be a number in range [0, 1] representing the probability of an element being zeroed',
  ],
  [
    'a None dropout',
    { inputSize: 2, hiddenSize: 3, dropout: null },
    'TypeError',
    "float() argument must be a string or a real number, not 'NoneType'",
  ],
  [
    'a bool dropout',
    { inputSize: 2, hiddenSize: 3, dropout: true },
    'ValueError',
    'dropout should be a number in range [0, 1] representing the probability of an element being zeroed',
  ],
  [
    'dropout above 1',
    { inputSize: 2, hiddenSize: 3, dropout: 2 },
    'ValueError',
    'dropout should be a number in range [0, 1] representing the probability of an element being zeroed',
  ],
  [
    'a negative dropout',
    { inputSize: 2, hiddenSize: 3, dropout: -0.1 },
    'ValueError',
    'dropout should be a number in range [0, 1] representing the probability of an element being zeroed',
  ],
  [
    'a NaN dropout',
    { inputSize: 2, hiddenSize: 3, dropout: NaN },
    'ValueError',
    'dropout should be a number in range [0, 1] representing the probability of an element being zeroed',
  ],
  [
    'an infinite dropout',
    { inputSize: 2, hiddenSize: 3, dropout: Infinity },
    'ValueError',
    'dropout should be a number in range [0, 1] representing the probability of an element being zeroed',
  ],
  ['an int bias', { inputSize: 2, hiddenSize: 3, bias: 0 }, 'TypeError', 'bias should be of type bool, got: int'],
  ['a None bias', { inputSize: 2, hiddenSize: 3, bias: null }, 'TypeError', 'bias should be of type bool, got: NoneType'],
  ['an int batch_first', { inputSize: 2, hiddenSize: 3, batchFirst: 1 }, 'TypeError', 'batch_first should be of type bool, got: int'],
  ['a float input_size', { inputSize: 1.5, hiddenSize: 3 }, 'TypeError', 'input_size should be of type int, got: float'],
  ['a str input_size', { inputSize: 'a', hiddenSize: 3 }, 'TypeError', 'input_size should be of type int, got: str'],
  ['a None input_size', { inputSize: null, hiddenSize: 3 }, 'TypeError', 'input_size should be of type int, got: NoneType'],
  ['input_size 0', { inputSize: 0, hiddenSize: 3 }, 'ValueError', 'input_size must be greater than zero'],
  ['a negative input_size', { inputSize: -1, hiddenSize: 3 }, 'ValueError', 'input_size must be greater than zero'],
  ['input_size is checked before hidden_size', { inputSize: 0, hiddenSize: 0 }, 'ValueError', 'input_size must be greater than zero'],
  ['a float hidden_size', { inputSize: 2, hiddenSize: 3.5 }, 'TypeError', 'hidden_size should be of type int, got: float'],
  ['hidden_size 0', { inputSize: 2, hiddenSize: 0 }, 'ValueError', 'hidden_size must be greater than zero'],
  ['a negative hidden_size', { inputSize: 2, hiddenSize: -1 }, 'ValueError', 'hidden_size must be greater than zero'],
  ['hidden_size is checked before num_layers', { inputSize: 2, hiddenSize: 0, numLayers: 0 }, 'ValueError', 'hidden_size must be greater than zero'],
  [
    'a bool hidden_size fails in torch.empty',
    { inputSize: 2, hiddenSize: true },
    'TypeError',
    "empty(): argument 'size' (position 1) must be tuple of ints, but found element of type bool at pos 0",
  ],
  ['num_layers 0', { inputSize: 2, hiddenSize: 3, numLayers: 0 }, 'ValueError', 'num_layers must be greater than zero'],
  ['a negative num_layers', { inputSize: 2, hiddenSize: 3, numLayers: -1 }, 'ValueError', 'num_layers must be greater than zero'],
  ['a str num_layers', { inputSize: 2, hiddenSize: 3, numLayers: 'a' }, 'TypeError', "'<=' not supported between instances of 'str' and 'int'"],
  [
    'a None num_layers',
    { inputSize: 2, hiddenSize: 3, numLayers: null },
    'TypeError',
    "'<=' not supported between instances of 'NoneType' and 'int'",
  ],
  ['a float num_layers', { inputSize: 2, hiddenSize: 3, numLayers: 1.5 }, 'TypeError', "'float' object cannot be interpreted as an integer"],
  [
    'an integer dtype',
    { inputSize: 2, hiddenSize: 3, dtype: 'int32' },
    'RuntimeError',
    'Only Tensors of floating point and complex dtype can require gradients',
  ],
  // Issue 12's small mismatches, each printed by torch 2.13.0 for the same Python value.
  [
    'a list nonlinearity, printed as a list',
    { inputSize: 2, hiddenSize: 3, nonlinearity: [3] },
    'ValueError',
    "Unknown nonlinearity '[3]'. Select from 'tanh' or 'relu'.",
  ],
  [
    'an empty list nonlinearity',
    { inputSize: 2, hiddenSize: 3, nonlinearity: [] },
    'ValueError',
    "Unknown nonlinearity '[]'. Select from 'tanh' or 'relu'.",
  ],
  [
    'a mixed list nonlinearity',
    { inputSize: 2, hiddenSize: 3, nonlinearity: ['a', 1.5, null, true] },
    'ValueError',
    "Unknown nonlinearity '['a', 1.5, None, True]'. Select from 'tanh' or 'relu'.",
  ],
  [
    'a list of quoted strings as nonlinearity',
    { inputSize: 2, hiddenSize: 3, nonlinearity: ['a\nb', 'x"y', 'x\'y"z', "it's"] },
    'ValueError',
    `Unknown nonlinearity '['a\\nb', 'x"y', 'x\\'y"z', "it's"]'. Select from 'tanh' or 'relu'.`,
  ],
  [
    'a str nonlinearity with a quote, printed by str()',
    { inputSize: 2, hiddenSize: 3, nonlinearity: "it's" },
    'ValueError',
    "Unknown nonlinearity 'it's'. Select from 'tanh' or 'relu'.",
  ],
  [
    'a dict nonlinearity',
    { inputSize: 2, hiddenSize: 3, nonlinearity: { a: [1, 2] } },
    'ValueError',
    "Unknown nonlinearity '{'a': [1, 2]}'. Select from 'tanh' or 'relu'.",
  ],
  [
    'a float nonlinearity',
    { inputSize: 2, hiddenSize: 3, nonlinearity: 1e20 + 0.5 },
    'ValueError',
    "Unknown nonlinearity '100000000000000000000'. Select from 'tanh' or 'relu'.",
  ],
  [
    'a BigInt nonlinearity',
    { inputSize: 2, hiddenSize: 3, nonlinearity: 10n ** 30n },
    'ValueError',
    "Unknown nonlinearity '1000000000000000000000000000000'. Select from 'tanh' or 'relu'.",
  ],
  ['a list num_layers', { inputSize: 2, hiddenSize: 3, numLayers: [1] }, 'TypeError', "'<=' not supported between instances of 'list' and 'int'"],
  ['a list hidden_size', { inputSize: 2, hiddenSize: [3] }, 'TypeError', 'hidden_size should be of type int, got: list'],
  ['a dict hidden_size', { inputSize: 2, hiddenSize: { a: 1 } }, 'TypeError', 'hidden_size should be of type int, got: dict'],
  ['a list dropout', { inputSize: 2, hiddenSize: 3, dropout: [0.5] }, 'TypeError', "float() argument must be a string or a real number, not 'list'"],
  ['a BigInt dropout past float range', { inputSize: 2, hiddenSize: 3, dropout: 10n ** 400n }, 'OverflowError', 'int too large to convert to float'],
  [
    'a BigInt dropout above 1',
    { inputSize: 2, hiddenSize: 3, dropout: 2n },
    'ValueError',
    'dropout should be a number in range [0, 1] representing the probability of an element being zeroed',
  ],
  ['a BigInt input_size 0', { inputSize: 0n, hiddenSize: 3 }, 'ValueError', 'input_size must be greater than zero'],
  ['a BigInt bias', { inputSize: 2, hiddenSize: 3, bias: 1n }, 'TypeError', 'bias should be of type bool, got: int'],
  ['a BigInt num_layers 0', { inputSize: 2, hiddenSize: 3, numLayers: 0n }, 'ValueError', 'num_layers must be greater than zero'],
  [
    'a mode keyword, which collides with RNN.__init__ passing mode positionally',
    { inputSize: 2, hiddenSize: 3, mode: 1 },
    'TypeError',
    "RNNBase.__init__() got multiple values for argument 'mode'",
  ],
  [
    'an unknown keyword before mode',
    { inputSize: 2, hiddenSize: 3, foo: 2, mode: 1 },
    'TypeError',
    "RNNBase.__init__() got an unexpected keyword argument 'foo'",
  ],
  [
    'a keyword named constructor',
    { inputSize: 2, hiddenSize: 3, constructor: 1 },
    'TypeError',
    "RNNBase.__init__() got an unexpected keyword argument 'constructor'",
  ],
  [
    'a str dropout quoted as Python quotes it',
    { inputSize: 2, hiddenSize: 3, dropout: "it's" },
    'ValueError',
    `could not convert string to float: "it's"`,
  ],
  // Divergence (README): torch builds one layer from range(True) and fails in rnn_tanh() at forward.
  [
    'a bool num_layers, refused up front',
    { inputSize: 2, hiddenSize: 3, numLayers: true },
    'TypeError',
    'num_layers should be of type int, got: bool',
  ],
];

describe('RNN constructor checks', () => {
  it.each(cases)('rejects %s with torch 2.13 type and message', (_, options, name, message) => {
    expect(constructionError(options)).toEqual({ name, message });
  });

  it('warns, without throwing, when dropout is set on a single layer', () => {
    const { warnings } = catchWarnings(() => new RNN({ inputSize: 2, hiddenSize: 3, dropout: 0.5 }));
    expect(warnings).toEqual([
      {
        category: 'UserWarning',
        message:
          'dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=0.5 and num_layers=1',
      },
    ]);
  });

  it('prints the dropout in the warning as Python would (1e-05, 1)', () => {
    const small = catchWarnings(() => new RNN({ inputSize: 2, hiddenSize: 3, dropout: 1e-5 })).warnings[0]?.message;
    const one = catchWarnings(() => new RNN({ inputSize: 2, hiddenSize: 3, dropout: 1 })).warnings[0]?.message;
    expect(small).toMatch(/but got dropout=1e-05 and num_layers=1$/);
    expect(one).toMatch(/but got dropout=1 and num_layers=1$/);
  });

  it('issues no warning for dropout on a stacked RNN', () => {
    expect(catchWarnings(() => new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 0.5 })).warnings).toEqual([]);
  });

  it('takes BigInt sizes as the Python ints they stand for', () => {
    const rnn = new RNN({ inputSize: 2n, hiddenSize: 3n, numLayers: 2n, dropout: 1n } as unknown as RNNOptions);

    expect([rnn.inputSize, rnn.hiddenSize, rnn.numLayers, rnn.dropout]).toEqual([2, 3, 2, 1]);
    expect(String(rnn)).toBe('RNN(2, 3, num_layers=2, dropout=1.0)');
  });

  it('warns for a BigInt dropout on one BigInt layer, printing both as ints', () => {
    const { warnings } = catchWarnings(() => new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 1n, dropout: 1n } as unknown as RNNOptions));

    expect(warnings.map((w) => w.message)).toEqual([
      'dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=1 and num_layers=1',
    ]);
  });

  it('reads a __proto__ kwarg as a keyword, as torch does', () => {
    const kwargs = JSON.parse('{"input_size": 2, "hidden_size": 3, "__proto__": 1}') as Record<string, unknown>;

    expect(constructionError(fromTorchKwargs(kwargs) as unknown as Record<string, unknown>)).toEqual({
      name: 'TypeError',
      message: "RNNBase.__init__() got an unexpected keyword argument '__proto__'",
    });
  });

  it('maps option names that Object.prototype also has as plain names, both ways', () => {
    const options = JSON.parse('{"constructor": 1, "toString": 2, "__proto__": 3, "hasOwnProperty": 4}') as Record<string, unknown>;

    const kwargs = toTorchKwargs(options);

    expect(Object.keys(kwargs)).toEqual(['constructor', 'to_string', '__proto__', 'has_own_property']);
    expect(Object.values(kwargs)).toEqual([1, 2, 3, 4]);
    expect(Object.getPrototypeOf(kwargs)).toBe(Object.prototype);
    const back = fromTorchKwargs(kwargs) as unknown as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(['constructor', 'toString', '_Proto__', 'hasOwnProperty']);
    expect(Object.keys(toTorchKwargs(back))).toEqual(Object.keys(kwargs));
  });

  it('maps options to torch kwargs and back, keeping unknown keys for error parity', () => {
    const options = { inputSize: 2, hiddenSize: 3, numLayers: 2, batchFirst: true, fooBar: 1 };
    const kwargs = toTorchKwargs(options);
    expect(kwargs).toEqual({ input_size: 2, hidden_size: 3, num_layers: 2, batch_first: true, foo_bar: 1 });
    expect(fromTorchKwargs(kwargs)).toEqual(options);
  });
});

describe('RNN repr', () => {
  // Strings printed by torch 2.13.0's repr for the same arguments.
  it.each([
    [{ inputSize: 2, hiddenSize: 3 }, 'RNN(2, 3)'],
    [{ inputSize: 2, hiddenSize: 3, nonlinearity: 'relu' }, 'RNN(2, 3)'],
    [{ inputSize: 2, hiddenSize: 3, numLayers: 2, bias: false }, 'RNN(2, 3, num_layers=2, bias=False)'],
    [{ inputSize: 2, hiddenSize: 3, dropout: 1 }, 'RNN(2, 3, dropout=1.0)'],
    [
      { inputSize: 2, hiddenSize: 3, numLayers: 2, bias: false, batchFirst: true, dropout: 0.5, bidirectional: true },
      'RNN(2, 3, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)',
    ],
  ] as [RNNOptions, string][])('prints %o as %s', (options, repr) => {
    expect(String(catchWarnings(() => new RNN(options)).result)).toBe(repr);
  });
});
