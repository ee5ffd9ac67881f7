"""Trains a tiny torch model (an nn.RNN inside an encoder, a linear head) for a few steps, then
exports it with python/export_rnn.py and writes, in a second safetensors file, a test input and
what the trained model.encoder.rnn returns for it in eval mode. Used by trained-model.test.ts.

    python train_tiny_model.py PYTHON_DIR OUT_DIR DTYPE
"""
import os
import sys

import torch

sys.path.insert(0, sys.argv[1])
from export_rnn import export_rnn, safetensors_bytes  # noqa: E402

out_dir, dtype = sys.argv[2], {'float32': torch.float32, 'float64': torch.float64}[sys.argv[3]]


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.RNN(3, 5, num_layers=2, bidirectional=True, batch_first=True, dropout=0.1)


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.head = torch.nn.Linear(10, 1)

    def forward(self, x):
        output, _ = self.encoder.rnn(x)
        return self.head(output[:, -1])


torch.manual_seed(0)
model = Model().to(dtype)
optimiser = torch.optim.Adam(model.parameters(), lr=0.05)
x_train = torch.randn(16, 7, 3, dtype=dtype)
y_train = x_train.sum(dim=(1, 2)).unsqueeze(1)
model.train()
for _ in range(20):
    optimiser.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x_train), y_train)
    loss.backward()
    optimiser.step()

export_rnn(model, os.path.join(out_dir, 'model.safetensors'))
model.eval()
x = torch.randn(4, 6, 3, dtype=dtype)
with torch.no_grad():
    output, h_n = model.encoder.rnn(x)
with open(os.path.join(out_dir, 'expected.safetensors'), 'wb') as f:
    f.write(safetensors_bytes({'x': x, 'output': output, 'h_n': h_n},
                              {'final_loss': repr(loss.item())}))
