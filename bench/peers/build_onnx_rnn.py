"""Builds an ONNX model of a (stacked) torch.nn.RNN from given weights, with onnx.helper.

Reads one JSON object on stdin: {path, input_size, hidden_size, num_layers, bidirectional, dtype,
weights: {torch name: base64 of little-endian float32/float64 bytes}}. ONNX's RNN op is one layer
(both directions): W (D, H, I), R (D, H, H), B (D, 2H) = [Wb | Rb]; layers are chained by turning
Y (T, D, N, H) into (T, N, D·H). Outputs: output (T, N, D·H) and h_n (L·D, N, H), torch's layouts.
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

    def stacked(kind, layer):
        names = [f"{kind}_l{layer}"] + ([f"{kind}_l{layer}_reverse"] if d == 2 else [])
        return b"".join(weights[n] for n in names)

    nodes, inits, hns = [], [], []
    x = "input"
    for layer in range(layers):
        i = spec["input_size"] if layer == 0 else d * h
        w = helper.make_tensor(f"W{layer}", elem, [d, h, i], stacked("weight_ih", layer), raw=True)
        r = helper.make_tensor(f"R{layer}", elem, [d, h, h], stacked("weight_hh", layer), raw=True)
        bias = b"".join(
            weights[f"bias_ih_l{layer}{s}"] + weights[f"bias_hh_l{layer}{s}"] for s in ([""] + (["_reverse"] if d == 2 else []))
        )
        b = helper.make_tensor(f"B{layer}", elem, [d, 2 * h], bias, raw=True)
        inits += [w, r, b]
        nodes.append(
            helper.make_node(
                "RNN", [x, f"W{layer}", f"R{layer}", f"B{layer}"], [f"Y{layer}", f"Yh{layer}"],
                hidden_size=h, direction="bidirectional" if d == 2 else "forward",
            )
        )
        nodes.append(helper.make_node("Transpose", [f"Y{layer}"], [f"Yt{layer}"], perm=[0, 2, 1, 3]))
        nodes.append(helper.make_node("Reshape", [f"Yt{layer}", "shape3"], [f"X{layer + 1}"]))
        hns.append(f"Yh{layer}")
        x = f"X{layer + 1}"
    inits.append(helper.make_tensor("shape3", TensorProto.INT64, [3], [0, 0, -1]))
    nodes.append(helper.make_node("Identity", [x], ["output"]))
    nodes.append(helper.make_node("Concat", hns, ["h_n"], axis=0))
    graph = helper.make_graph(
        nodes, "rnn",
        [helper.make_tensor_value_info("input", elem, ["T", "N", spec["input_size"]])],
        [helper.make_tensor_value_info("output", elem, ["T", "N", d * h]), helper.make_tensor_value_info("h_n", elem, [layers * d, "N", h])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, spec["path"])
    print(json.dumps({"path": spec["path"], "bytes": width}))


if __name__ == "__main__":
    main()
