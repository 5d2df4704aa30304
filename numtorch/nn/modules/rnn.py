"""Recurrent layers: RNN, LSTM, GRU and their cells, as loops of tensor ops over time (so
autograd differentiates them like any other ops).  Parameters are named, shaped, gated and
initialised as PyTorch's (U(-1/sqrt(hidden), 1/sqrt(hidden)); gates i, f, g, o for LSTM and
r, z, n for GRU), so state dicts move between the two libraries."""

import math

from ... import cat, empty, stack, zeros
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .layers import _factory
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_step(mode, x, h, w_ih, w_hh, b_ih, b_hh):
    """One time step: x (N, in), h (N, hidden) or an (h, c) pair for LSTM."""
    if mode == "LSTM":
        h, c = h
        gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
        i, f, g, o = gates.chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        return o.sigmoid() * c.tanh(), c
    if mode == "GRU":
        gi, gh = F.linear(x, w_ih, b_ih), F.linear(h, w_hh, b_hh)
        ir, iz, in_ = gi.chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
        n = (in_ + r * hn).tanh()
        return (1 - z) * n + z * h
    pre = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    return pre.tanh() if mode == "RNN_TANH" else pre.relu()


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        if proj_size:
            raise NotImplementedError("numtorch: LSTM proj_size")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, 0
        gate = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                in_size = input_size if layer == 0 else hidden_size * dirs
                shapes = [("weight_ih", (gate, in_size)), ("weight_hh", (gate, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                for name, shape in shapes:
                    setattr(self, name + sfx, Parameter(empty(*shape, dtype=_factory(dtype))))
                    self._flat_weights_names.append(name + sfx)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -bound, bound)

    def flatten_parameters(self):
        """cuDNN packs the weights into one buffer; these loops read them where they are."""

    def _weights(self, layer, reverse):
        sfx = f"_l{layer}" + ("_reverse" if reverse else "")
        return tuple(getattr(self, n + sfx, None)
                     for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def forward(self, input, hx=None):
        batched = input.ndim == 3
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                             f"{input.ndim}D instead")
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        dirs = 2 if self.bidirectional else 1
        n = x.shape[1]
        lstm = self.mode == "LSTM"
        if hx is None:
            h0 = zeros(self.num_layers * dirs, n, self.hidden_size, dtype=x.dtype,
                       device=x.device)
            hx = (h0, h0) if lstm else h0
        elif not batched:
            hx = tuple(h.unsqueeze(1) for h in hx) if lstm else hx.unsqueeze(1)
        h_all, c_all = (hx if lstm else (hx, None))
        expected = (self.num_layers * dirs, n, self.hidden_size)
        if tuple(h_all.shape) != expected:
            raise RuntimeError(f"Expected hidden size {expected}, got {list(h_all.shape)}")
        layer_in = x
        h_out, c_out = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                state = (h_all[k], c_all[k]) if lstm else h_all[k]
                steps = range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])
                seq = [None] * x.shape[0]
                for t in steps:
                    state = _rnn_step(self.mode, layer_in[t], state, *self._weights(layer, d))
                    seq[t] = state[0] if lstm else state
                outs.append(stack(seq))
                h_out.append(state[0] if lstm else state)
                if lstm:
                    c_out.append(state[1])
            layer_in = outs[0] if dirs == 1 else cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout)
        output = layer_in
        h_n = stack(h_out)
        hidden = (h_n, stack(c_out)) if lstm else h_n
        if batched and self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(1)
            hidden = tuple(h.squeeze(1) for h in hidden) if lstm else hidden.squeeze(1)
        return output, hidden

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class LSTM(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


class _CellBase(Module):
    mode = None

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gate = _GATES[self.mode] * hidden_size
        dt = _factory(dtype)
        self.weight_ih = Parameter(empty(gate, input_size, dtype=dt))
        self.weight_hh = Parameter(empty(gate, hidden_size, dtype=dt))
        self.bias_ih = Parameter(empty(gate, dtype=dt)) if bias else None
        self.bias_hh = Parameter(empty(gate, dtype=dt)) if bias else None
        bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -bound, bound)

    def forward(self, input, hx=None):
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            h0 = zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            hx = (h0, h0) if self.mode == "LSTM" else h0
        elif not batched:
            hx = tuple(h.unsqueeze(0) for h in hx) if self.mode == "LSTM" else hx.unsqueeze(0)
        out = _rnn_step(self.mode, x, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                        self.bias_hh)
        if not batched:
            out = tuple(o.squeeze(0) for o in out) if self.mode == "LSTM" else out.squeeze(0)
        return out

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_CellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)


class LSTMCell(_CellBase):
    mode = "LSTM"


class GRUCell(_CellBase):
    mode = "GRU"
