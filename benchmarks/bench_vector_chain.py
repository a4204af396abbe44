"""P2: per-op overhead on small vectors (a tiny MLP's activations).

The P1 chain (1000 × ``y = act(y * 1.0001 + 0.0001)``, relu and tanh) on float32 tensors
of shape (64,), ending with ``.sum()`` before ``backward()``. 64 elements are still far too
few for the arithmetic to matter, but broadcasting of the scalar operands, the reduction and
its expand in backward now run for real, which exercises paths the 0-d case skips.
Reported in µs per chain op (3 per iteration); the numpy floor is as in P1.

Goal: minigrad fwd+bwd ≤ 1/4 of PyTorch's.
"""

from .bench_scalar_chain import chain_rows


def run(quick=False):
    return chain_rows("P2", (64,), "fwd+bwd ≤ 1/4 of PyTorch", 1 / 4, quick)
