"""Builds an ONNX model of a (stacked) torch.nn.RNN, LSTM or GRU from given weights, with onnx.helper.

Reads one JSON object on stdin: {path, module ("rnn", default, "lstm" or "gru"), input_size, hidden_size,
num_layers, bidirectional, dtype, weights: {torch name: base64 of little-endian float32/float64 bytes}}.
ONNX's RNN, LSTM and GRU ops are one layer (both directions): W (D, G·H, I), R (D, G·H, H),
B (D, 2·G·H) = [Wb | Rb] with G gates; layers are chained by turning Y (T, D, N, H) into (T, N, D·H).
Gate blocks are reordered from torch's (LSTM i, f, g, o; GRU r, z, n) to ONNX's (LSTM i, o, f, c;
GRU z, r, h), and torch's GRU applies the reset gate after the recurrent product: linear_before_reset=1.
Outputs: output (T, N, D·H) and h_n (L·D, N, H), torch's layouts (and c_n for the LSTM).
"""
import base64
import json
import sys

import onnx
from onnx import TensorProto, helper


def main():
    spec = json.load(sys.stdin)
    h = spec["hidden_size"]
    layers = spec["num_layers"]
    d = 2 if spec["bidirectional"] else 1
    elem = TensorProto.FLOAT if spec["dtype"] == "float32" else TensorProto.DOUBLE
    width = 4 if elem == TensorProto.FLOAT else 8
    weights = {k: base64.b64decode(v) for k, v in spec["weights"].items()}
    module = spec.get("module", "rnn")
    op, order = {"rnn": ("RNN", [0]), "lstm": ("LSTM", [0, 3, 1, 2]), "gru": ("GRU", [1, 0, 2])}[module]

    def reordered(data):
        # torch's gate blocks of H rows each, in ONNX's order
        block = len(data) // len(order)
        return b"".join(data[g * block:(g + 1) * block] for g in order)

    def stacked(kind, layer):
        names = [f"{kind}_l{layer}"] + ([f"{kind}_l{layer}_reverse"] if d == 2 else [])
        return b"".join(reordered(weights[n]) for n in names)

    g = len(order)
    nodes, inits, hns, cns = [], [], [], []
    x = "input"
    for layer in range(layers):
        i = spec["input_size"] if layer == 0 else d * h
        w = helper.make_tensor(f"W{layer}", elem, [d, g * h, i], stacked("weight_ih", layer), raw=True)
        r = helper.make_tensor(f"R{layer}", elem, [d, g * h, h], stacked("weight_hh", layer), raw=True)
        bias = b"".join(
            reordered(weights[f"bias_ih_l{layer}{s}"]) + reordered(weights[f"bias_hh_l{layer}{s}"])
            for s in ([""] + (["_reverse"] if d == 2 else []))
        )
        b = helper.make_tensor(f"B{layer}", elem, [d, 2 * g * h], bias, raw=True)
        inits += [w, r, b]
        outputs = [f"Y{layer}", f"Yh{layer}"] + ([f"Yc{layer}"] if module == "lstm" else [])
        extra = {"linear_before_reset": 1} if module == "gru" else {}
        nodes.append(
            helper.make_node(
                op, [x, f"W{layer}", f"R{layer}", f"B{layer}"], outputs,
                hidden_size=h, direction="bidirectional" if d == 2 else "forward", **extra,
            )
        )
        if module == "lstm":
            cns.append(f"Yc{layer}")
        nodes.append(helper.make_node("Transpose", [f"Y{layer}"], [f"Yt{layer}"], perm=[0, 2, 1, 3]))
        nodes.append(helper.make_node("Reshape", [f"Yt{layer}", "shape3"], [f"X{layer + 1}"]))
        hns.append(f"Yh{layer}")
        x = f"X{layer + 1}"
    inits.append(helper.make_tensor("shape3", TensorProto.INT64, [3], [0, 0, -1]))
    nodes.append(helper.make_node("Identity", [x], ["output"]))
    nodes.append(helper.make_node("Concat", hns, ["h_n"], axis=0))
    outputs = [helper.make_tensor_value_info("output", elem, ["T", "N", d * h]), helper.make_tensor_value_info("h_n", elem, [layers * d, "N", h])]
    if module == "lstm":
        nodes.append(helper.make_node("Concat", cns, ["c_n"], axis=0))
        outputs.append(helper.make_tensor_value_info("c_n", elem, [layers * d, "N", h]))
    graph = helper.make_graph(nodes, module, [helper.make_tensor_value_info("input", elem, ["T", "N", spec["input_size"]])], outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, spec["path"])
    print(json.dumps({"path": spec["path"], "bytes": width}))


if __name__ == "__main__":
    main()
