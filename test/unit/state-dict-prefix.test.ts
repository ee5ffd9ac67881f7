// stripStateDictPrefix: one RNN's parameters out of a bigger model's state_dict, under torch's names.
import { describe, expect, it } from 'vitest';
import { RNN, Tensor, manualSeed, readSafetensors, stripStateDictPrefix, writeSafetensors } from '../../src/index.js';

function modelStateDict(): Map<string, Tensor> {
  manualSeed(3);
  const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
  const entries: [string, Tensor][] = [['embedding.weight', Tensor.zeros([4, 2])]];
  for (const [name, tensor] of Object.entries(rnn.stateDict())) entries.push([`encoder.rnn.${name}`, tensor]);
  entries.push(['decoder.rnn.weight_ih_l0', Tensor.zeros([3, 2])], ['head.bias', Tensor.zeros([1])]);
  return new Map(entries);
}

describe('stripStateDictPrefix', () => {
  it('keeps the tensors under the prefix, renamed to torch parameter names, in order', () => {
    const picked = stripStateDictPrefix(modelStateDict(), 'encoder.rnn.');
    expect(Object.keys(picked)).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
  });

  it('treats a module path without the trailing dot as the same prefix', () => {
    expect(Object.keys(stripStateDictPrefix(modelStateDict(), 'encoder.rnn'))).toEqual(
      Object.keys(stripStateDictPrefix(modelStateDict(), 'encoder.rnn.')),
    );
  });

  it('takes a plain record and an array of pairs as well as a Map', () => {
    const map = modelStateDict();
    expect(Object.keys(stripStateDictPrefix(Object.fromEntries(map), 'decoder.rnn'))).toEqual(['weight_ih_l0']);
    expect(Object.keys(stripStateDictPrefix([...map], 'decoder.rnn'))).toEqual(['weight_ih_l0']);
  });

  it('loads into an RNN bit for bit through a safetensors file', () => {
    const bytes = writeSafetensors(modelStateDict());
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3 });
    rnn.loadStateDict(stripStateDictPrefix(readSafetensors(bytes).tensors, 'encoder.rnn'));
    manualSeed(3);
    expect(rnn.stateDict()).toEqual(new RNN({ inputSize: 2, hiddenSize: 3 }).stateDict());
  });

  it('names the prefixes that do hold RNN parameters when none matches', () => {
    expect(() => stripStateDictPrefix(modelStateDict(), 'encoder.lstm')).toThrow(
      new RangeError("no tensor name starts with 'encoder.lstm.'; RNN parameters occur under 'encoder.rnn.', 'decoder.rnn.'"),
    );
  });
});
