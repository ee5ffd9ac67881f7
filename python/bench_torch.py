"""Times torch.nn.RNN forward and backward for the benchmark cases, for bench/ to print ratios.

Reads a JSON list of cases from argv[1] ({input_size, hidden_size, num_layers, seq_len, batch, dtype,
repeats}); prints one JSON list of {forward_ms, backward_ms} (medians) on stdout. Threads are pinned to
1 by default (RNN_PARITY_TORCH_THREADS overrides), the same as the worker, so the ratio compares one
core with one core.
"""
import json
import os
import statistics
import sys
import time

import torch


def median_ms(fn, repeats):
    fn()  # warm-up: first calls pay for allocator and kernel selection
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def time_case(case):
    dtype = getattr(torch, case["dtype"])
    torch.manual_seed(0)
    rnn = torch.nn.RNN(case["input_size"], case["hidden_size"], num_layers=case.get("num_layers", 1), dtype=dtype).eval()
    x = torch.randn(case["seq_len"], case["batch"], case["input_size"], dtype=dtype)
    repeats = case.get("repeats", 10)
    with torch.no_grad():
        forward_ms = median_ms(lambda: rnn(x), repeats)
    xg = x.clone().requires_grad_(True)

    def forward_backward():
        output, h_n = rnn(xg)
        (output.sum() + h_n.sum()).backward()

    def forward_only():
        rnn(xg)

    backward_ms = max(median_ms(forward_backward, repeats) - median_ms(forward_only, repeats), 0.0)
    return {"forward_ms": forward_ms, "backward_ms": backward_ms}


def main():
    torch.set_num_threads(int(os.environ.get("RNN_PARITY_TORCH_THREADS", "1")))
    cases = json.loads(sys.argv[1])
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": [time_case(c) for c in cases]}))


if __name__ == "__main__":
    main()
