"""Recurrent layers: RNN (tanh/relu), LSTM (with proj_size), GRU, and their one-step cells.

The parameters are PyTorch's, by name, shape, order and initial distribution
(U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) for all of them): per layer and direction
``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``, ``weight_hr_l{k}``
(LSTM with ``proj_size``), with ``_reverse`` for the second direction, and gates stacked
i, f, g, o (LSTM) and r, z, n (GRU). So a PyTorch state dict loads here and ours loads there.

Each layer and direction is one node over the whole sequence
(``minigrad.ops.rnn.recurrent_layer``, a fused kernel per step); this module only shapes
the input (batch_first, unbatched, packed), checks it, splits the initial state, applies
dropout between layers and stacks ``h_n`` / ``c_n`` in PyTorch's order (layer-major,
forward direction first).
"""

import math
import warnings

import minigrad
from minigrad.ops.rnn import GATES, recurrent_layer

from . import init
from ._checks import shape_str
from .dropout import dropout as _dropout
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence


def _dtype_check(layer, x, weight):
    if x.dtype != weight.dtype:
        raise ValueError(
            f"{layer} input dtype ({x.dtype}) does not match weight dtype ({weight.dtype}). "
            f"Convert input: input.to({weight.dtype}), or convert model: model.to({x.dtype})"
        )


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU (``mode`` is 'LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU')."""

    def __init__(
        self,
        mode,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                "element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                UserWarning,
                stacklevel=3,
            )
        for name, v in (("hidden_size", hidden_size), ("num_layers", num_layers)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"{name} should be of type int, got: {type(v).__name__}")
            if v <= 0:
                raise ValueError(
                    f"{name} must be greater than zero"
                    if name == "hidden_size"
                    else "num_layers must be greater than zero"
                )
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gate, real_hidden = GATES[mode] * hidden_size, proj_size or hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:dirs]:
                width = input_size if layer == 0 else real_hidden * dirs
                shapes = {"weight_ih": (gate, width), "weight_hh": (gate, real_hidden)}
                if bias:
                    shapes.update(bias_ih=(gate,), bias_hh=(gate,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(minigrad.empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self):
        """A no-op (PyTorch compacts cuDNN weights here); kept so that code calling it runs."""

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters grouped per layer and direction, as PyTorch lists them."""
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional else 1))
        w = self._flat_weights
        return [w[i : i + per] for i in range(0, len(w), per)]

    def _weights(self, layer, suffix):
        get = lambda kind: getattr(self, f"{kind}_l{layer}{suffix}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr")

    def _describe(self):
        return f"{type(self).__name__}({self.extra_repr()})"

    # -- the input -----------------------------------------------------------------------
    def _sequence(self, input):
        """(x (N, I), batch_sizes, batch, unbatched, packing info) from any accepted input."""
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            x, sizes = input.data, tuple(int(b) for b in input.batch_sizes.tolist())
            if x.ndim != 2:
                raise ValueError(
                    f"{name}: a PackedSequence's data must be 2-D (rows, input_size), "
                    f"got shape {shape_str(x.shape)}"
                )
            return x, sizes, sizes[0], False, input
        if not isinstance(input, minigrad.Tensor):
            raise TypeError(
                f"{name}: input must be a minigrad.Tensor or a PackedSequence, got {type(input).__name__}"
            )
        if input.ndim not in (2, 3):
            tensor = " tensor" if name == "RNN" else ""
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D{tensor} instead")
        unbatched = input.ndim == 2
        if unbatched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        steps, batch = input.shape[0], input.shape[1]
        if steps == 0:
            raise RuntimeError(
                f"Expected sequence length to be larger than 0 in RNN: {self._describe()} got "
                f"input of shape {shape_str(input.shape)}"
            )
        return input.reshape(steps * batch, input.shape[2]), (batch,) * steps, batch, unbatched, None

    def _initial(self, hx, which, width, batch, unbatched, packed):
        """hx (or zeros) as (layers * directions, batch, width), in the sorted order of ``packed``."""
        expected = (self.num_layers * (2 if self.bidirectional else 1), batch, width)
        if hx is None:
            return minigrad.zeros(expected, dtype=self.weight_ih_l0.dtype)
        if unbatched:
            hx = hx.unsqueeze(1)
        if tuple(hx.shape) != expected:
            label = "hidden" if which is None else f"hidden[{which}]"
            raise RuntimeError(
                f"Expected {label} size {expected}, got {list(hx.shape)}: "
                f"{self._describe()} got a hidden state of shape {shape_str(hx.shape)} for "
                f"input of batch {batch}"
            )
        if packed is not None and packed.sorted_indices is not None:
            hx = hx.index_select(1, packed.sorted_indices)
        return hx

    def _check_state_dims(self, hx, unbatched):
        states = hx if isinstance(hx, tuple) else (hx,)
        want = 2 if unbatched else 3
        if all(s.ndim == want for s in states):
            return
        kind = "unbatched 2-D" if unbatched else "batched 3-D"
        if len(states) == 2:
            dims = ", ".join(f"{s.ndim}-D" for s in states)
            raise RuntimeError(
                f"For {kind} input, hx and cx should also be {want}-D but got ({dims}) tensors"
            )
        raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {states[0].ndim}-D tensor")

    # -- forward -------------------------------------------------------------------------
    def forward(self, input, hx=None):
        x, sizes, batch, unbatched, packed = self._sequence(input)
        lstm = self.mode == "LSTM"
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                f"{x.shape[-1]}: {self._describe()} got input of shape "
                f"{shape_str((input.data if packed else input).shape)}"
            )
        _dtype_check(type(self).__name__, x, self.weight_ih_l0)
        if hx is not None:
            if lstm and not (isinstance(hx, tuple) and len(hx) == 2):
                raise TypeError(
                    f"{self._describe()}: hx must be a tuple (h_0, c_0) of tensors, got {type(hx).__name__}"
                )
            self._check_state_dims(hx, unbatched)
        real_hidden = self.proj_size or self.hidden_size
        h0 = self._initial(
            hx[0] if lstm and hx is not None else hx,
            0 if lstm else None,
            real_hidden,
            batch,
            unbatched,
            packed,
        )
        c0 = (
            self._initial(None if hx is None else hx[1], 1, self.hidden_size, batch, unbatched, packed)
            if lstm
            else None
        )
        dirs = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(("", "_reverse")[:dirs]):
                k = layer * dirs + d
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, suffix)
                out, h, c = recurrent_layer(
                    self.mode,
                    x,
                    h0[k],
                    c0[k] if lstm else None,
                    w_ih,
                    w_hh,
                    b_ih,
                    b_hh,
                    w_hr,
                    sizes,
                    reverse=d == 1,
                )
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            x = outs[0] if dirs == 1 else minigrad.cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True)
        h_n = minigrad.stack(h_n, 0)
        c_n = minigrad.stack(c_n, 0) if lstm else None
        if packed is not None:
            output = PackedSequence(x, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
            if packed.unsorted_indices is not None:
                h_n = h_n.index_select(1, packed.unsorted_indices)
                c_n = c_n.index_select(1, packed.unsorted_indices) if lstm else None
        else:
            output = x.reshape(len(sizes), batch, x.shape[-1])
            if unbatched:
                output, h_n = output.squeeze(1), h_n.squeeze(1)
                c_n = c_n.squeeze(1) if lstm else None
            elif self.batch_first:
                output = output.transpose(0, 1)
        return (output, (h_n, c_n)) if lstm else (output, h_n)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.

    Returns ``(output, h_n)``: every step's top-layer h, and each layer's last h.
    ``input_size``: the features of each x_t; ``hidden_size``: the features of h;
    ``num_layers``: stacked layers, each reading the previous one's output (default 1);
    ``nonlinearity``: ``'tanh'`` (default) or ``'relu'``; ``bias``: learn b_ih and b_hh (default
    True); ``batch_first``: input and output are (N, L, H) rather than (L, N, H); ``dropout``:
    dropout on each layer's output but the last, in train mode (default 0); ``bidirectional``:
    also run backwards in time, concatenating both directions' outputs; ``proj_size``: LSTM only
    (anything but 0 raises ValueError); ``device``, ``dtype``: of the parameters. Weights start
    U(-k, k), k = 1/sqrt(hidden_size).

    >>> rnn = minigrad.nn.RNN(4, 8, num_layers=2)
    >>> out, h_n = rnn(minigrad.randn(5, 3, 4))
    >>> tuple(out.shape), tuple(h_n.shape)
    ((5, 3, 8), (2, 3, 8))
    >>> rnn.weight_ih_l0.shape, rnn.weight_hh_l1.shape
    (minigrad.Size([8, 4]), minigrad.Size([8, 8]))
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
        proj_size=0,
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'. (RNN got "
                f"nonlinearity={nonlinearity!r})"
            )
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory; returns ``(output, (h_n, c_n))``. With ``proj_size > 0`` the
    hidden state is projected by ``weight_hr`` to ``proj_size`` features (Sak et al., 2014).

    ``input_size``: the features of each x_t; ``hidden_size``: the features of h;
    ``num_layers``: stacked layers, each reading the previous one's output (default 1);
    ``bias``: learn b_ih and b_hh (default True); ``batch_first``: input and output are (N, L,
    H) rather than (L, N, H); ``dropout``: dropout on each layer's output but the last, in train
    mode (default 0); ``bidirectional``: also run backwards in time, concatenating both
    directions' outputs; ``proj_size``: the projected size of h (default 0: none); ``device``,
    ``dtype``: of the parameters. Weights start U(-k, k), k = 1/sqrt(hidden_size). The four
    gates (input, forget, cell, output) are stacked in ``weight_ih_l0`` (4 * hidden_size rows).

    >>> lstm = minigrad.nn.LSTM(4, 8, batch_first=True)
    >>> out, (h_n, c_n) = lstm(minigrad.randn(3, 5, 4))
    >>> tuple(out.shape), tuple(c_n.shape)
    ((3, 5, 8), (1, 3, 8))
    >>> lstm.weight_ih_l0.shape, nn.LSTM(4, 8, proj_size=2).weight_hr_l0.shape
    (minigrad.Size([32, 4]), minigrad.Size([2, 8]))
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )


class GRU(RNNBase):
    """Gated recurrent unit; returns ``(output, h_n)``.

    ``input_size``: the features of each x_t; ``hidden_size``: the features of h;
    ``num_layers``: stacked layers, each reading the previous one's output (default 1);
    ``bias``: learn b_ih and b_hh (default True); ``batch_first``: input and output are (N, L,
    H) rather than (L, N, H); ``dropout``: dropout on each layer's output but the last, in train
    mode (default 0); ``bidirectional``: also run backwards in time, concatenating both
    directions' outputs; ``proj_size``: LSTM only (anything but 0 raises ValueError);
    ``device``, ``dtype``: of the parameters. Weights start U(-k, k), k = 1/sqrt(hidden_size).
    The three gates (reset, update, new) are stacked in ``weight_ih_l0`` (3 * hidden_size rows).

    >>> gru = minigrad.nn.GRU(4, 8, bidirectional=True)
    >>> out, h_n = gru(minigrad.randn(5, 3, 4))
    >>> tuple(out.shape), tuple(h_n.shape)
    ((5, 3, 16), (2, 3, 8))
    >>> gru.weight_ih_l0.shape, gru.weight_ih_l0_reverse.shape
    (minigrad.Size([24, 4]), minigrad.Size([24, 4]))
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
        proj_size=0,
    ):
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )


# ----------------------------------------------------------------------------- cells


class RNNCellBase(Module):
    """One time step of a recurrent layer: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, mode, input_size, hidden_size, bias, device=None, dtype=None):
        super().__init__()
        self.mode, self.input_size, self.hidden_size, self.bias = mode, input_size, hidden_size, bias
        gate = GATES[mode] * hidden_size
        self.weight_ih = Parameter(minigrad.empty(gate, input_size, dtype=dtype))
        self.weight_hh = Parameter(minigrad.empty(gate, hidden_size, dtype=dtype))
        for name in ("bias_ih", "bias_hh"):
            self.register_parameter(name, Parameter(minigrad.empty(gate, dtype=dtype)) if bias else None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def _step(self, input, hx, cx=None):
        name = type(self).__name__
        if not isinstance(input, minigrad.Tensor):
            raise TypeError(f"{name}: input must be a minigrad.Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.shape[-1]} expected "
                f"{self.input_size}: {name}({self.extra_repr()}) got input of shape "
                f"{shape_str(input.shape)}"
            )
        _dtype_check(name, input, self.weight_ih)
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        batch = x.shape[0]
        states = []
        for k, s in enumerate((hx, cx) if self.mode == "LSTM" else (hx,)):
            if s is None:
                s = minigrad.zeros(batch, self.hidden_size, dtype=self.weight_ih.dtype)
            elif s.ndim != input.ndim:
                raise RuntimeError(
                    f"{name}: Expected hidden[{k}] to be {input.ndim}D like the input, "
                    f"got {s.ndim}D (shape {shape_str(s.shape)})"
                )
            elif unbatched:
                s = s.unsqueeze(0)
            if s.shape[0] != batch:
                raise RuntimeError(
                    f"Input batch size {batch} doesn't match hidden{k} batch size {s.shape[0]}"
                )
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(
                    f"hidden{k} has inconsistent hidden_size: got {s.shape[1]}, expected {self.hidden_size}"
                )
            states.append(s)
        c0 = states[1] if self.mode == "LSTM" else None
        _, h, c = recurrent_layer(
            self.mode,
            x,
            states[0],
            c0,
            self.weight_ih,
            self.weight_hh,
            self.bias_ih,
            self.bias_hh,
            None,
            (batch,),
        )
        if unbatched:
            h = h.squeeze(0)
            c = None if c is None else c.squeeze(0)
        return h, c

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh) for one step.

    ``input_size``: the features of x; ``hidden_size``: the features of h; ``nonlinearity``:
    ``'tanh'`` (default) or ``'relu'``; ``bias``: learn b_ih and b_hh (default True);
    ``device``, ``dtype``: of the parameters. ``hx`` defaults to zeros; inputs may be (N,
    input_size) or unbatched (input_size,).

    >>> tuple(minigrad.nn.RNNCell(4, 8)(minigrad.randn(3, 4)).shape)
    (3, 8)
    >>> cell = nn.RNNCell(2, 1, bias=False, nonlinearity="relu")
    >>> _ = nn.init.constant_(cell.weight_ih, 1.0), nn.init.constant_(cell.weight_hh, 2.0)
    >>> cell(minigrad.tensor([[1.0, 2.0]]), minigrad.tensor([[0.5]])).tolist()   # relu(1 + 2 + 2 * 0.5)
    [[4.0]]
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(
            "RNN_RELU" if nonlinearity == "relu" else "RNN_TANH", input_size, hidden_size, bias, device, dtype
        )
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._step(input, hx)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step: ``(h', c') = cell(x, (h, c))``.

    ``input_size``: the features of x; ``hidden_size``: the features of h; ``bias``: learn
    b_ih and b_hh (default True); ``device``, ``dtype``: of the parameters. ``hx`` defaults to
    zeros; inputs may be (N, input_size) or unbatched (input_size,).

    >>> h, c = minigrad.nn.LSTMCell(4, 8)(minigrad.randn(3, 4))
    >>> tuple(h.shape), tuple(c.shape)
    ((3, 8), (3, 8))
    >>> nn.LSTMCell(4, 8).weight_ih.shape
    minigrad.Size([32, 4])
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        if hx is not None and not (isinstance(hx, tuple) and len(hx) == 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h_0, c_0) of tensors, got {type(hx).__name__}")
        return self._step(input, *(hx or (None, None)))


class GRUCell(RNNCellBase):
    """One GRU step: ``h' = cell(x, h)``.

    ``input_size``: the features of x; ``hidden_size``: the features of h; ``bias``: learn
    b_ih and b_hh (default True); ``device``, ``dtype``: of the parameters. ``hx`` defaults to
    zeros; inputs may be (N, input_size) or unbatched (input_size,).

    >>> tuple(minigrad.nn.GRUCell(4, 8)(minigrad.randn(4)).shape)
    (8,)
    >>> nn.GRUCell(4, 8).weight_hh.shape
    minigrad.Size([24, 8])
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        return self._step(input, hx)[0]
