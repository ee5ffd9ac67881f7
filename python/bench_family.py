"""A persistent torch timer for bench/family.ts: torch.nn.LSTM and torch.nn.GRU, so torch's repetitions
interleave with the TS ones in one run. One JSON command per stdin line, one JSON answer per stdout line:
  {"cmd": "setup", "id", "module": "lstm" | "gru", "input_size", "hidden_size", "num_layers",
   "bidirectional", "dtype", "weights": {name: base64 bytes}, "x": base64 bytes, "shape": [T, N, I]}
      → {"output": base64 bytes, "torch": version, "threads": n}
  {"cmd": "forward", "id", "reps"}   → {"ms": [...]}   (eval, no_grad)
  {"cmd": "backward", "id", "reps"}  → {"ms": [...]}   (forward+backward) − median(forward with grad)
One thread (RNN_PARITY_TORCH_THREADS overrides), as TS.
"""
import base64
import json
import os
import statistics
import sys
import time

import torch

CASES = {}
MODULES = {'lstm': torch.nn.LSTM, 'gru': torch.nn.GRU}


def tensor(b64, dtype, shape):
    data = bytearray(base64.b64decode(b64))
    return torch.frombuffer(data, dtype=dtype).reshape(shape).clone()


def timed(fn, reps):
    out = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000.0)
    return out


def outputs(module, x):
    output, state = module(x)
    return output, (state if isinstance(state, tuple) else (state,))


def main():
    torch.set_num_threads(int(os.environ.get("RNN_PARITY_TORCH_THREADS", "1")))
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "setup":
            dtype = getattr(torch, cmd["dtype"])
            module = MODULES[cmd["module"]](cmd["input_size"], cmd["hidden_size"], num_layers=cmd["num_layers"],
                                            bidirectional=cmd["bidirectional"], dtype=dtype).eval()
            with torch.no_grad():
                for name, p in module.named_parameters():
                    p.copy_(tensor(cmd["weights"][name], dtype, p.shape))
            x = tensor(cmd["x"], dtype, cmd["shape"])
            CASES[cmd["id"]] = (module, x)
            with torch.no_grad():
                output, _ = outputs(module, x)
            answer = {"output": base64.b64encode(bytes(output.contiguous().untyped_storage())).decode(), "torch": torch.__version__,
                      "threads": torch.get_num_threads()}
        elif cmd["cmd"] == "forward":
            module, x = CASES[cmd["id"]]
            with torch.no_grad():
                module(x)
                answer = {"ms": timed(lambda: module(x), cmd["reps"])}
        else:
            module, x = CASES[cmd["id"]]
            xg = x.clone().requires_grad_(True)

            def both():
                output, states = outputs(module, xg)
                sum(s.sum() for s in states).add(output.sum()).backward()

            both()
            forward = statistics.median(timed(lambda: module(xg), cmd["reps"]))
            answer = {"ms": [max(t - forward, 0.0) for t in timed(both, cmd["reps"])]}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
