// torch's parameter naming rule for recurrent modules, written once: `weight_ih_l1_reverse`.

/**
 * The suffix of (layer, dir)'s parameters, `l{layer}` plus `_reverse` for the second direction.
 * Mirrors the `suffix` of `RNNBase.__init__`'s parameter loop.
 */
export function parameterSuffix(layer: number, dir: number): string {
  return `l${layer}${dir === 1 ? '_reverse' : ''}`;
}

/**
 * Every parameter's name and shape in torch's order: layer-major, then direction, then w_ih, w_hh,
 * b_ih, b_hh. Mirrors `RNNBase.__init__` (and so `_flat_weights_names`).
 */
export function rnnParameterShapes(options: {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly bias: boolean;
}): [string, number[]][] {
  const D = options.bidirectional ? 2 : 1;
  const H = options.hiddenSize;
  const shapes: [string, number[]][] = [];
  for (let layer = 0; layer < options.numLayers; layer++) {
    for (let dir = 0; dir < D; dir++) {
      const suffix = parameterSuffix(layer, dir);
      shapes.push([`weight_ih_${suffix}`, [H, layer === 0 ? options.inputSize : H * D]], [`weight_hh_${suffix}`, [H, H]]);
      if (options.bias) shapes.push([`bias_ih_${suffix}`, [H]], [`bias_hh_${suffix}`, [H]]);
    }
  }
  return shapes;
}

/**
 * The number of parameter elements, computed without listing them (so a huge `numLayers` costs
 * nothing): layer 0 has D·(H·H_in + H·H) weights, each later layer D·(H·D·H + H·H), plus 2·H biases
 * per (layer, direction) when `bias`.
 */
export function rnnParameterCount(options: {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly bias: boolean;
}): number {
  const D = options.bidirectional ? 2 : 1;
  const H = options.hiddenSize;
  const biases = options.bias ? 2 * H : 0;
  return D * (H * options.inputSize + H * H + biases) + (options.numLayers - 1) * D * (H * D * H + H * H + biases);
}

/**
 * The parameter names and shapes of an LSTM or GRU in torch's order: per (layer, direction) w_ih
 * (G·H, H_in or D·H_out), w_hh (G·H, H_out), b_ih (G·H), b_hh (G·H), then w_hr (P, H) when
 * projections are on, with G gates (LSTM 4: i, f, g, o; GRU 3: r, z, n) and H_out = P if P > 0 else H.
 * Mirrors the parameter loop of `RNNBase.__init__`.
 */
export function gatedParameterShapes(options: {
  readonly gates: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly projSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly bias: boolean;
}): [string, number[]][] {
  const D = options.bidirectional ? 2 : 1;
  const H = options.hiddenSize;
  const P = options.projSize;
  const outputSize = P > 0 ? P : H;
  const gateSize = options.gates * H;
  const shapes: [string, number[]][] = [];
  for (let layer = 0; layer < options.numLayers; layer++) {
    for (let dir = 0; dir < D; dir++) {
      const suffix = parameterSuffix(layer, dir);
      shapes.push(
        [`weight_ih_${suffix}`, [gateSize, layer === 0 ? options.inputSize : outputSize * D]],
        [`weight_hh_${suffix}`, [gateSize, outputSize]],
      );
      if (options.bias) shapes.push([`bias_ih_${suffix}`, [gateSize]], [`bias_hh_${suffix}`, [gateSize]]);
      if (P > 0) shapes.push([`weight_hr_${suffix}`, [P, H]]);
    }
  }
  return shapes;
}
