"""The catalogue of bad inputs for tests/test_bad_input.py (issue 8), and its runner.

Every public op is described once by a ``Spec``: how to call it on valid arguments, written
against a *library namespace* ``L`` (``minigrad`` or ``torch``: minigrad is PyTorch-shaped,
so one description runs on both and PyTorch can serve as the oracle). Each tensor argument
of a spec is then replaced, one at a time, by every entry of the generic catalogue (None, a
string, a plain list, another library's tensor, an int tensor, an empty tensor, a tensor of
the wrong shape, a 0-d tensor), and each spec adds its own bad values (a ``dim`` out of
range, an index past the end, a class label equal to the number of classes, lr=nan, ...).

Run as a script, it executes one chunk of the catalogue on minigrad and prints one JSON line
per case; before each case it writes ``START <id>`` to stderr, so that when the interpreter
dies (a segfault in a kernel) the parent test knows which case killed it.

    python tests/bad_input_catalogue.py --chunk ops-a
"""

import json
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np

# fmt: off
# ----------------------------------------------------------------------------- the catalogue


@dataclass
class Spec:
    """One public op: ``call(L, *[arg(L) for arg in args])`` is a valid call.

    ``tensors``: positions of the args that take a tensor (each gets the generic catalogue);
    ``bad``: op-specific bad calls, name -> ``fn(L)``; ``names``: what an error message may
    call the op (its own name is always accepted)."""
    name: str
    group: str
    call: object
    args: tuple
    tensors: tuple = (0,)
    bad: dict = field(default_factory=dict)
    names: tuple = ()


def T(*shape, dtype="float32", fill=1.0):
    """A tensor of ``shape`` filled with ``fill``, made by library L."""
    def make(L):
        return L.full(shape, fill, dtype=getattr(L, dtype))
    make.shape, make.dtype = shape, dtype
    return make


def R(*shape):
    """A tensor of distinct values (varied, so that ties and zeros do not matter)."""
    def make(L):
        return L.arange(float(np.prod(shape))).reshape(shape) * 0.1 + 0.3
    make.shape, make.dtype = shape, "float32"
    return make


def I(values, dtype="int64"):            # noqa: E743
    def make(L):
        return L.tensor(values, dtype=getattr(L, dtype))
    make.shape, make.dtype = np.shape(values), dtype
    return make


def V(value):
    """A plain (non-tensor) argument."""
    return lambda L: value


def _foreign(L, shape):
    """A tensor of another library: a torch tensor for minigrad (a numpy array for torch)."""
    if L.__name__ == "torch":
        return np.ones(shape, dtype=np.float32)
    import torch
    return torch.ones(shape)


def generic_bad_values(arg):
    """The generic catalogue for a tensor argument made by ``arg``."""
    shape = getattr(arg, "shape", (2, 3))
    wrong = tuple(shape[:-1]) + (shape[-1] + 5,) if shape else (7,)
    empty = (0,) + tuple(shape[1:]) if shape else (0,)
    out = {
        "None": lambda L: None,
        "str": lambda L: "abc",
        "list": lambda L: np.ones(shape).tolist() if shape else [1.0],
        "foreign_tensor": lambda L: _foreign(L, shape),
        "wrong_shape": lambda L: L.ones(wrong),
        "empty": lambda L: L.ones(empty),
        "0d": lambda L: L.tensor(1.0),
    }
    if getattr(arg, "dtype", "float32") == "float32":
        out["int_tensor"] = lambda L: L.ones(shape, dtype=L.int64)
        out["bool_tensor"] = lambda L: L.ones(shape, dtype=L.bool)
    else:
        out["float_tensor_for_int"] = lambda L: L.ones(shape)
    return out


def unary(name, group="ops-unary", x=None, **kw):
    x = x or R(2, 3)
    return Spec(name, group, lambda L, a: getattr(L, name)(a), (x,), **kw)


def binary(name, group="ops-binary", x=None, y=None, method=False, **kw):
    x, y = x or R(2, 3), y or R(2, 3)
    if method:
        call = lambda L, a, b: getattr(a, name)(b)      # noqa: E731
    else:
        call = lambda L, a, b: getattr(L, name)(a, b)    # noqa: E731
    bad = {"broadcast_mismatch": lambda L: call(L, x(L), L.ones(4, 5)),
           "python_none_other": lambda L: call(L, x(L), None),
           # issue 16: dtypes minigrad has no name for are refused naming them, never computed
           "complex_numpy_scalar": lambda L: call(L, x(L), np.complex128(1 + 1j)),
           "longdouble_array": lambda L: call(L, x(L), np.ones(3, np.longdouble))}
    bad.update(kw.pop("bad", {}))
    return Spec(name, group, call, (x, y), tensors=(0, 1), bad=bad, **kw)


def reduction(name, with_dim=True, call=None, **kw):
    call = call or (lambda L, a, dim: getattr(L, name)(a, dim))
    x = R(2, 3)
    bad = {
        "dim_out_of_range": lambda L: call(L, x(L), 5),
        "dim_negative_out_of_range": lambda L: call(L, x(L), -4),
        "dim_str": lambda L: call(L, x(L), "a"),
        "dim_float": lambda L: call(L, x(L), 1.5),
        "dim_repeated": lambda L: call(L, x(L), (1, 1)),
        "empty_reduced_dim": lambda L: call(L, L.ones(0, 3), 0),
    }
    bad.update(kw.pop("bad", {}))
    return Spec(name, "ops-reduce", call, (x, V(1)), bad=bad, **kw)


def _specs_ops():
    S = []
    for name in ["abs", "acos", "arccos", "arcsin", "arctan", "asin", "atan", "ceil", "cos", "exp", "expm1",
                 "floor", "log", "log1p", "neg", "negative", "reciprocal", "relu", "round", "rsqrt", "sigmoid",
                 "sign", "sin", "sqrt", "square", "tan", "tanh", "trunc", "isfinite", "isinf", "isnan",
                 "logical_not", "clone", "flatten", "t"]:
        S.append(unary(name))
    for name in ["add", "div", "divide", "eq", "ge", "greater", "greater_equal", "gt", "le", "less",
                 "less_equal", "lt", "maximum", "minimum", "mul", "multiply", "ne", "pow", "sub", "subtract",
                 "true_divide", "logical_and", "logical_or", "logical_xor"]:
        S.append(binary(name))
    for name in ["remainder", "fmod", "floor_divide"]:
        S.append(binary(name, bad={"int_by_zero": lambda L, n=name: getattr(L, n)(L.ones(2, dtype=L.int64), 0)}))
    for name in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
        S.append(binary(name, x=I([1, 2, 3]), y=I([3, 2, 1]),
                        bad={"float_tensors": lambda L, n=name: getattr(L, n)(L.ones(3), L.ones(3))}))
    S.append(Spec("bitwise_not", "ops-unary", lambda L, a: L.bitwise_not(a), (I([1, 2]),),
                  bad={"float_tensor": lambda L: L.bitwise_not(L.ones(2))}))
    S.append(Spec("einsum", "ops-binary", lambda L, a, b: L.einsum("ij,jk->ik", a, b), (R(2, 3), R(3, 4)), tensors=(0, 1),
                  bad={"size_mismatch": lambda L: L.einsum("ij,jk->ik", L.ones(2, 3), L.ones(4, 5)),
                       "too_few_subscripts": lambda L: L.einsum("ij", L.ones(2, 3, 4)),
                       "too_many_operands": lambda L: L.einsum("ij->i", L.ones(2, 3), L.ones(2, 3)),
                       "bad_character": lambda L: L.einsum("i1->i", L.ones(2, 3)),
                       "output_repeated": lambda L: L.einsum("ij->ii", L.ones(2, 3)),
                       "output_unknown": lambda L: L.einsum("ij->k", L.ones(2, 3)),
                       "diagonal_sizes": lambda L: L.einsum("ii->i", L.ones(2, 3)),
                       "mixed_dtypes": lambda L: L.einsum("i,i->", L.ones(2), L.ones(2, dtype=L.float64)),
                       "equation_not_str": lambda L: L.einsum(3, L.ones(2)),
                       "no_operands": lambda L: L.einsum("i->i")}))
    S.append(Spec("view_as", "ops-shape", lambda L, a, b: a.view_as(b), (R(2, 3), R(3, 2)), tensors=(0, 1),
                  bad={"size_mismatch": lambda L: L.ones(2, 3).view_as(L.ones(4))}))
    S.append(Spec("reshape_as", "ops-shape", lambda L, a, b: a.reshape_as(b), (R(2, 3), R(3, 2)), tensors=(0, 1),
                  bad={"size_mismatch": lambda L: L.ones(2, 3).reshape_as(L.ones(4))}))
    for name in ["add_", "sub_", "mul_", "div_"]:
        S.append(binary(name, method=True, names=(name.rstrip("_"),)))
    S.append(binary("matmul", y=R(3, 4), bad={"inner_mismatch": lambda L: L.matmul(L.ones(2, 3), L.ones(4, 5)),
                                              "zero_dim": lambda L: L.matmul(L.tensor(2.0), L.ones(2))}))
    S.append(binary("mm", y=R(3, 4), bad={"inner_mismatch": lambda L: L.mm(L.ones(2, 3), L.ones(4, 5)),
                                          "vector": lambda L: L.mm(L.ones(3), L.ones(3, 2))}))
    S.append(Spec("where", "ops-binary", lambda L, c, a, b: L.where(c, a, b),
                  (lambda L: L.ones(2, 3, dtype=L.bool), R(2, 3), R(2, 3)), tensors=(0, 1, 2),
                  bad={"float_condition": lambda L: L.where(L.ones(2, 3), L.ones(2, 3), L.ones(2, 3)),
                       "broadcast_mismatch": lambda L: L.where(L.ones(2, 3, dtype=L.bool), L.ones(4), L.ones(2, 3))}))
    for name in ["clamp", "clip"]:
        S.append(Spec(name, "ops-binary", lambda L, a, lo, hi, n=name: getattr(L, n)(a, lo, hi), (R(2, 3), V(0.0), V(1.0)),
                      bad={"no_bounds": lambda L, n=name: getattr(L, n)(L.ones(2)),
                           "str_bound": lambda L, n=name: getattr(L, n)(L.ones(2), "a"),
                           "list_bound": lambda L, n=name: getattr(L, n)(L.ones(2), [0.0, 1.0])}))
    S.append(Spec("clamp_min", "ops-binary", lambda L, a, lo: L.clamp_min(a, lo), (R(2, 3), V(0.5)),
                  bad={"str_bound": lambda L: L.clamp_min(L.ones(2), "a"), "None_bound": lambda L: L.clamp_min(L.ones(2), None)}))
    S.append(Spec("clamp_max", "ops-binary", lambda L, a, hi: L.clamp_max(a, hi), (R(2, 3), V(0.5)),
                  bad={"str_bound": lambda L: L.clamp_max(L.ones(2), "a"), "None_bound": lambda L: L.clamp_max(L.ones(2), None)}))

    # reductions
    for name in ["sum", "mean", "prod", "logsumexp", "cumsum", "argmax", "argmin"]:
        S.append(reduction(name))
    for name in ["amax", "amin"]:
        S.append(reduction(name))
    for name in ["max", "min"]:
        S.append(reduction(name, bad={"other_shape_mismatch": lambda L, n=name: getattr(L, n)(L.ones(2, 3), L.ones(4))}))
    for name in ["var", "std"]:
        S.append(reduction(name, bad={"correction_str": lambda L, n=name: getattr(L, n)(L.ones(3), 0, correction="a")}))
    S.append(reduction("norm", call=lambda L, a, dim: L.norm(a, 2, dim),
                       bad={"p_str": lambda L: L.norm(L.ones(3), "nuc-ish"), "p_None_dim_bad": lambda L: L.norm(L.ones(3), None, 3)}))

    # shape ops
    x = R(2, 3)
    S += [
        Spec("reshape", "ops-shape", lambda L, a: L.reshape(a, (3, 2)), (x,),
             bad={"wrong_numel": lambda L: L.reshape(L.ones(2, 3), (4,)), "two_minus_ones": lambda L: L.reshape(L.ones(2, 3), (-1, -1)),
                  "None_shape": lambda L: L.reshape(L.ones(2, 3), None), "str_shape": lambda L: L.reshape(L.ones(2, 3), "ab"),
                  "negative_size": lambda L: L.reshape(L.ones(2, 3), (-2, -3))}),
        Spec("view", "ops-shape", lambda L, a: a.view(3, 2), (x,),
             bad={"wrong_numel": lambda L: L.ones(2, 3).view(4), "None_shape": lambda L: L.ones(2, 3).view(None),
                  "float_size": lambda L: L.ones(2, 3).view(1.5, 4)}),
        Spec("transpose", "ops-shape", lambda L, a: L.transpose(a, 0, 1), (x,),
             bad={"dim_out_of_range": lambda L: L.transpose(L.ones(2, 3), 0, 2), "dim_str": lambda L: L.transpose(L.ones(2, 3), 0, "a")}),
        Spec("swapaxes", "ops-shape", lambda L, a: L.swapaxes(a, 0, 1), (x,),
             bad={"dim_out_of_range": lambda L: L.swapaxes(L.ones(2, 3), 0, 5)}),
        Spec("swapdims", "ops-shape", lambda L, a: L.swapdims(a, 0, 1), (x,),
             bad={"dim_out_of_range": lambda L: L.swapdims(L.ones(2, 3), -3, 0)}),
        Spec("permute", "ops-shape", lambda L, a: L.permute(a, (1, 0)), (x,),
             bad={"repeated": lambda L: L.permute(L.ones(2, 3), (0, 0)), "too_few": lambda L: L.permute(L.ones(2, 3), (0,)),
                  "out_of_range": lambda L: L.permute(L.ones(2, 3), (0, 2)), "None": lambda L: L.permute(L.ones(2, 3), None)}),
        Spec("expand", "ops-shape", lambda L, a: a.expand(4, 2, 3), (x,),
             bad={"non_singleton": lambda L: L.ones(2, 3).expand(3, 3), "fewer_dims": lambda L: L.ones(2, 3).expand(3),
                  "negative_new_dim": lambda L: L.ones(2, 3).expand(-1, 2, 3), "str": lambda L: L.ones(2, 3).expand("a")}),
        Spec("squeeze", "ops-shape", lambda L, a: L.squeeze(a, 0), (x,),
             bad={"dim_out_of_range": lambda L: L.squeeze(L.ones(2, 3), 4), "dim_str": lambda L: L.squeeze(L.ones(2, 3), "a")}),
        Spec("unsqueeze", "ops-shape", lambda L, a: L.unsqueeze(a, 0), (x,),
             bad={"dim_out_of_range": lambda L: L.unsqueeze(L.ones(2, 3), 4), "dim_None": lambda L: L.unsqueeze(L.ones(2, 3), None)}),
        Spec("unflatten", "ops-shape", lambda L, a: L.unflatten(a, 1, (3, 1)), (x,),
             bad={"sizes_mismatch": lambda L: L.unflatten(L.ones(2, 3), 1, (2, 2)), "dim_out_of_range": lambda L: L.unflatten(L.ones(2, 3), 3, (3, 1)),
                  "two_minus_ones": lambda L: L.unflatten(L.ones(2, 3), 1, (-1, -1))}),
        Spec("repeat", "ops-shape", lambda L, a: a.repeat(2, 1), (x,),
             bad={"fewer_reps": lambda L: L.ones(2, 3).repeat(2), "negative": lambda L: L.ones(2, 3).repeat(-1, 1),
                  "str": lambda L: L.ones(2, 3).repeat("a")}),
        Spec("flip", "ops-shape", lambda L, a: L.flip(a, (0,)), (x,),
             bad={"dim_out_of_range": lambda L: L.flip(L.ones(2, 3), (2,)), "repeated": lambda L: L.flip(L.ones(2, 3), (0, 0)),
                  "None": lambda L: L.flip(L.ones(2, 3), None)}),
        Spec("roll", "ops-shape", lambda L, a: L.roll(a, 1, 0), (x,),
             bad={"dim_out_of_range": lambda L: L.roll(L.ones(2, 3), 1, 5), "shift_dim_count_mismatch": lambda L: L.roll(L.ones(2, 3), (1, 2), (0,)),
                  "shift_str": lambda L: L.roll(L.ones(2, 3), "a", 0)}),
        Spec("split", "ops-shape", lambda L, a: L.split(a, 1, 0), (x,),
             bad={"zero_size": lambda L: L.split(L.ones(2, 3), 0), "sections_mismatch": lambda L: L.split(L.ones(2, 3), [1, 3], 0),
                  "dim_out_of_range": lambda L: L.split(L.ones(2, 3), 1, 4), "negative_section": lambda L: L.split(L.ones(2, 3), [3, -1], 0)}),
        Spec("chunk", "ops-shape", lambda L, a: L.chunk(a, 2, 1), (x,),
             bad={"zero_chunks": lambda L: L.chunk(L.ones(2, 3), 0), "dim_out_of_range": lambda L: L.chunk(L.ones(2, 3), 2, 2),
                  "float_chunks": lambda L: L.chunk(L.ones(2, 3), 1.5)}),
        Spec("unbind", "ops-shape", lambda L, a: L.unbind(a, 0), (x,),
             bad={"dim_out_of_range": lambda L: L.unbind(L.ones(2, 3), 2), "zero_dim": lambda L: L.unbind(L.tensor(1.0), 0)}),
        Spec("to", "ops-shape", lambda L, a: a.to(L.float64), (x,),
             bad={"str_dtype": lambda L: L.ones(2).to("float99"), "numpy_object_dtype": lambda L: L.ones(2).to(dtype=object),
                  "int": lambda L: L.ones(2).to(17)}),
    ]
    S += [
        Spec("cat", "ops-join", lambda L, a, b: L.cat([a, b], 0), (R(2, 3), R(1, 3)), tensors=(0, 1),
             bad={"empty_list": lambda L: L.cat([]), "not_a_list": lambda L: L.cat(L.ones(2, 3)), "dim_out_of_range": lambda L: L.cat([L.ones(2, 3)], 2),
                  "size_mismatch": lambda L: L.cat([L.ones(2, 3), L.ones(2, 4)], 0), "ndim_mismatch": lambda L: L.cat([L.ones(2, 3), L.ones(3)]),
                  "zero_dim": lambda L: L.cat([L.tensor(1.0), L.tensor(2.0)])}),
        Spec("stack", "ops-join", lambda L, a, b: L.stack([a, b], 0), (R(2, 3), R(2, 3)), tensors=(0, 1),
             bad={"empty_list": lambda L: L.stack([]), "shape_mismatch": lambda L: L.stack([L.ones(2, 3), L.ones(3, 2)]),
                  "dim_out_of_range": lambda L: L.stack([L.ones(2, 3)], 4), "None_in_list": lambda L: L.stack([L.ones(2), None])}),
    ]
    for name in ["concat", "concatenate"]:
        S.append(Spec(name, "ops-join", lambda L, a, b, n=name: getattr(L, n)([a, b], 0), (R(2, 3), R(1, 3)), tensors=(0, 1),
                      bad={"empty_list": lambda L, n=name: getattr(L, n)([])}, names=("cat",)))

    # indexing
    idx = I([[0, 1, 2], [2, 1, 0]])
    S += [
        Spec("gather", "ops-index", lambda L, a, i: L.gather(a, 1, i), (R(2, 3), idx), tensors=(0, 1),
             bad={"index_out_of_range": lambda L: L.gather(L.ones(2, 3), 1, L.tensor([[3]])),
                  "index_negative": lambda L: L.gather(L.ones(2, 3), 1, L.tensor([[-1]])),
                  "index_hugely_out_of_range": lambda L: L.gather(L.ones(2, 3), 1, L.tensor([[2 ** 40]])),
                  "index_float": lambda L: L.gather(L.ones(2, 3), 1, L.tensor([[0.0]])),
                  "index_ndim_mismatch": lambda L: L.gather(L.ones(2, 3), 1, L.tensor([0])),
                  "index_larger_than_input": lambda L: L.gather(L.ones(2, 3), 0, L.zeros(3, 4, dtype=L.int64)),
                  "dim_out_of_range": lambda L: L.gather(L.ones(2, 3), 2, L.tensor([[0]]))}),
        Spec("index_select", "ops-index", lambda L, a, i: L.index_select(a, 1, i), (R(2, 3), I([0, 2])), tensors=(0, 1),
             bad={"index_out_of_range": lambda L: L.index_select(L.ones(2, 3), 1, L.tensor([3])),
                  "index_negative": lambda L: L.index_select(L.ones(2, 3), 1, L.tensor([-1])),
                  "index_2d": lambda L: L.index_select(L.ones(2, 3), 1, L.tensor([[0]])),
                  "index_float": lambda L: L.index_select(L.ones(2, 3), 1, L.tensor([0.0])),
                  "dim_out_of_range": lambda L: L.index_select(L.ones(2, 3), 2, L.tensor([0]))}),
        Spec("masked_fill", "ops-index", lambda L, a, m: L.masked_fill(a, m, 0.0), (R(2, 3), lambda L: L.ones(2, 3, dtype=L.bool)),
             tensors=(0, 1),
             bad={"float_mask": lambda L: L.masked_fill(L.ones(2, 3), L.ones(2, 3), 0.0),
                  "mask_shape_mismatch": lambda L: L.masked_fill(L.ones(2, 3), L.ones(4, dtype=L.bool), 0.0),
                  "value_str": lambda L: L.masked_fill(L.ones(2, 3), L.ones(2, 3, dtype=L.bool), "a"),
                  "value_2d_tensor": lambda L: L.masked_fill(L.ones(2, 3), L.ones(2, 3, dtype=L.bool), L.ones(2, 3))}),
        Spec("scatter", "ops-index", lambda L, a, i, s: L.scatter(a, 1, i, s), (R(2, 3), idx, R(2, 3)), tensors=(0, 1, 2),
             bad={"index_out_of_range": lambda L: L.scatter(L.ones(2, 3), 1, L.tensor([[3]]), L.ones(1, 1)),
                  "index_negative": lambda L: L.scatter(L.ones(2, 3), 1, L.tensor([[-1]]), L.ones(1, 1)),
                  "src_smaller_than_index": lambda L: L.scatter(L.ones(2, 3), 1, L.zeros(2, 3, dtype=L.int64), L.ones(1, 1)),
                  "index_float": lambda L: L.scatter(L.ones(2, 3), 1, L.tensor([[0.0]]), L.ones(1, 1))}),
        Spec("scatter_add", "ops-index", lambda L, a, i, s: L.scatter_add(a, 1, i, s), (R(2, 3), idx, R(2, 3)), tensors=(0, 1, 2),
             bad={"index_out_of_range": lambda L: L.scatter_add(L.ones(2, 3), 1, L.tensor([[3]]), L.ones(1, 1)),
                  "index_negative": lambda L: L.scatter_add(L.ones(2, 3), 1, L.tensor([[-1]]), L.ones(1, 1)),
                  "src_smaller_than_index": lambda L: L.scatter_add(L.ones(2, 3), 1, L.zeros(2, 3, dtype=L.int64), L.ones(1, 1)),
                  "src_scalar": lambda L: L.scatter_add(L.ones(2, 3), 1, L.tensor([[0]]), 1.0)}),
        Spec("getitem", "ops-index", lambda L, a: a[1], (R(2, 3),),
             bad={"int_out_of_range": lambda L: L.ones(2, 3)[2], "negative_out_of_range": lambda L: L.ones(2, 3)[-3],
                  "tensor_index_out_of_range": lambda L: L.ones(2, 3)[L.tensor([5])],
                  "bool_mask_shape_mismatch": lambda L: L.ones(2, 3)[L.tensor([True])],
                  "float_index": lambda L: L.ones(2, 3)[0.5], "str_index": lambda L: L.ones(2, 3)["a"],
                  "too_many_indices": lambda L: L.ones(2, 3)[0, 0, 0], "float_tensor_index": lambda L: L.ones(2, 3)[L.tensor([0.0])],
                  "zero_dim_int": lambda L: L.tensor(1.0)[0]}),
        Spec("setitem", "ops-index", lambda L, a, v: a.__setitem__(0, v), (R(2, 3), R(3)), tensors=(0, 1),
             bad={"int_out_of_range": lambda L: L.ones(2, 3).__setitem__(2, 1.0),
                  "value_shape_mismatch": lambda L: L.ones(2, 3).__setitem__(0, L.ones(4)),
                  "value_str": lambda L: L.ones(2, 3).__setitem__(0, "a"),
                  "leaf_requiring_grad": lambda L: L.ones(2, requires_grad=True).__setitem__(0, 1.0)},
             names=("index_put", "assign", "in-place", "inplace")),
    ]
    return S


def _specs_search_index():
    """Searching, selecting and indexing writes (issue 19)."""
    idx, m = I([[0, 1, 2], [2, 1, 0]]), (lambda L: L.tensor([[True, False, True], [False, True, False]]))
    v = I([0, 2])
    sq = lambda L: L.tensor([[2.0, 1.0], [1.0, 3.0]])                 # noqa: E731
    S = [
        Spec("nonzero", "ops-index", lambda L, a: L.nonzero(a), (R(2, 3),)),
        Spec("argwhere", "ops-index", lambda L, a: L.argwhere(a), (R(2, 3),)),
        Spec("masked_select", "ops-index", lambda L, a, b: L.masked_select(a, b), (R(2, 3), m), tensors=(0, 1),
             bad={"float_mask": lambda L: L.masked_select(L.ones(2, 3), L.ones(2, 3)),
                  "mask_shape": lambda L: L.masked_select(L.ones(2, 3), L.ones(4, 3, dtype=L.bool))}),
        Spec("take", "ops-index", lambda L, a, i: L.take(a, i), (R(2, 3), v), tensors=(0, 1),
             bad={"index_out_of_range": lambda L: L.take(L.ones(2, 3), L.tensor([6])),
                  "index_negative_out_of_range": lambda L: L.take(L.ones(2, 3), L.tensor([-7])),
                  "index_huge": lambda L: L.take(L.ones(2, 3), L.tensor([2 ** 40])),
                  "index_float": lambda L: L.take(L.ones(2, 3), L.tensor([0.0]))}),
        Spec("take_along_dim", "ops-index", lambda L, a, i: L.take_along_dim(a, i, 1), (R(2, 3), idx), tensors=(0, 1),
             bad={"index_out_of_range": lambda L: L.take_along_dim(L.ones(2, 3), L.tensor([[7]]), 1),
                  "ndim_mismatch": lambda L: L.take_along_dim(L.ones(2, 3), L.tensor([0]), 1),
                  "flat_out_of_range": lambda L: L.take_along_dim(L.ones(2, 3), L.tensor([6])),
                  "dim_out_of_range": lambda L: L.take_along_dim(L.ones(2, 3), L.tensor([[0]]), 2)}),
        Spec("isin", "ops-index", lambda L, a, b: L.isin(a, b), (R(2, 3), R(2)), tensors=(0, 1),
             bad={"two_numbers": lambda L: L.isin(1, 2), "str": lambda L: L.isin(L.ones(2), "a")}),
        Spec("searchsorted", "ops-index", lambda L, a, b: L.searchsorted(a, b), (R(4), R(2, 3)), tensors=(0, 1),
             bad={"dims_mismatch": lambda L: L.searchsorted(L.ones(2, 2), L.ones(3)),
                  "side": lambda L: L.searchsorted(L.ones(2), L.ones(1), side="middle"),
                  "side_right_conflict": lambda L: L.searchsorted(L.ones(2), L.ones(1), side="left", right=True),
                  "0d_sequence": lambda L: L.searchsorted(L.tensor(1.0), L.ones(1)),
                  "sorter_out_of_range": lambda L: L.searchsorted(L.ones(2), L.ones(1), sorter=L.tensor([0, 2])),
                  "sorter_float": lambda L: L.searchsorted(L.ones(2), L.ones(1), sorter=L.ones(2)),
                  "sorter_shape": lambda L: L.searchsorted(L.ones(2), L.ones(1), sorter=L.tensor([0]))}),
        Spec("bucketize", "ops-index", lambda L, a, b: L.bucketize(a, b), (R(2, 3), R(4)), tensors=(0, 1),
             bad={"2d_boundaries": lambda L: L.bucketize(L.ones(2), L.ones(2, 2))}),
        Spec("unique", "ops-index", lambda L, a: L.unique(a, return_inverse=True, return_counts=True), (R(2, 3),),
             bad={"dim_out_of_range": lambda L: L.unique(L.ones(2, 3), dim=2),
                  "dim_of_0d": lambda L: L.unique(L.tensor(1.0), dim=0)}),
        Spec("unique_consecutive", "ops-index", lambda L, a: L.unique_consecutive(a, return_counts=True), (R(2, 3),),
             bad={"dim_out_of_range": lambda L: L.unique_consecutive(L.ones(2, 3), dim=-3)}),
        Spec("mode", "ops-index", lambda L, a: L.mode(a, 1), (R(2, 3),),
             bad={"dim_out_of_range": lambda L: L.mode(L.ones(2, 3), 2),
                  "empty_dim": lambda L: L.mode(L.ones(2, 0), 1)}),
        Spec("scatter_reduce", "ops-index", lambda L, a, i, b: L.scatter_reduce(a, 1, i, b, "amax"), (R(2, 3), idx, R(2, 3)),
             tensors=(0, 1, 2),
             bad={"reduce_name": lambda L: L.scatter_reduce(L.ones(2, 3), 1, L.tensor([[0]]), L.ones(1, 1), "maximum"),
                  "index_out_of_range": lambda L: L.scatter_reduce(L.ones(2, 3), 1, L.tensor([[3]]), L.ones(1, 1), "sum"),
                  "index_negative": lambda L: L.scatter_reduce(L.ones(2, 3), 1, L.tensor([[-1]]), L.ones(1, 1), "sum"),
                  "src_smaller_than_index": lambda L: L.scatter_reduce(L.ones(2, 3), 1, L.zeros(2, 3, dtype=L.int64),
                                                                       L.ones(1, 1), "sum"),
                  "dtype_mismatch": lambda L: L.scatter_reduce(L.ones(2, 3), 1, L.tensor([[0]]),
                                                               L.ones(1, 1, dtype=L.float64), "sum")}),
        Spec("index_add", "ops-index", lambda L, a, i, b: L.index_add(a, 1, i, b), (R(2, 3), v, R(2, 2)), tensors=(0, 1, 2),
             bad={"index_out_of_range": lambda L: L.index_add(L.ones(2, 3), 1, L.tensor([3]), L.ones(2, 1)),
                  "index_negative": lambda L: L.index_add(L.ones(2, 3), 1, L.tensor([-1]), L.ones(2, 1)),
                  "count_mismatch": lambda L: L.index_add(L.ones(2, 3), 1, L.tensor([0]), L.ones(2, 2)),
                  "source_shape": lambda L: L.index_add(L.ones(2, 3), 1, L.tensor([0]), L.ones(3, 1)),
                  "index_2d": lambda L: L.index_add(L.ones(2, 3), 1, L.tensor([[0]]), L.ones(2, 1))}),
        Spec("index_fill", "ops-index", lambda L, a, i: L.index_fill(a, 1, i, 2.0), (R(2, 3), v), tensors=(0, 1),
             bad={"index_out_of_range": lambda L: L.index_fill(L.ones(2, 3), 1, L.tensor([3]), 1.0),
                  "value_1d": lambda L: L.index_fill(L.ones(2, 3), 1, L.tensor([0]), L.ones(1)),
                  "value_str": lambda L: L.index_fill(L.ones(2, 3), 1, L.tensor([0]), "a"),
                  "dim_out_of_range": lambda L: L.index_fill(L.ones(2, 3), 2, L.tensor([0]), 1.0)}),
        Spec("index_copy", "ops-index", lambda L, a, i, b: L.index_copy(a, 1, i, b), (R(2, 3), v, R(2, 2)), tensors=(0, 1, 2),
             bad={"index_out_of_range": lambda L: L.index_copy(L.ones(2, 3), 1, L.tensor([3]), L.ones(2, 1)),
                  "count_mismatch": lambda L: L.index_copy(L.ones(2, 3), 1, L.tensor([0]), L.ones(2, 2))}),
        Spec("index_put", "ops-index", lambda L, a, i, b: L.index_put(a, (i,), b), (R(2, 3), I([1, 0]), R(3)),
             tensors=(0, 1, 2),
             bad={"index_out_of_range": lambda L: L.index_put(L.ones(2, 3), (L.tensor([2]),), L.tensor(1.0)),
                  "values_shape": lambda L: L.index_put(L.ones(2, 3), (L.tensor([0]),), L.ones(4)),
                  "not_a_tuple": lambda L: L.index_put(L.ones(2, 3), L.tensor([0]), L.ones(3)),
                  "too_many_indices": lambda L: L.index_put(L.ones(2, 3), (L.tensor([0]),) * 3, L.tensor(1.0))}),
        Spec("masked_scatter", "ops-index", lambda L, a, b, c: L.masked_scatter(a, b, c), (R(2, 3), m, R(6)),
             tensors=(0, 1, 2),
             bad={"short_source": lambda L: L.masked_scatter(L.ones(2, 3), L.ones(2, 3, dtype=L.bool), L.ones(2)),
                  "float_mask": lambda L: L.masked_scatter(L.ones(2, 3), L.ones(2, 3), L.ones(6)),
                  "mask_shape": lambda L: L.masked_scatter(L.ones(2, 3), L.ones(4, dtype=L.bool), L.ones(6))}),
        Spec("put", "ops-index", lambda L, a, i, b: L.put(a, i, b), (R(2, 3), v, R(2)), tensors=(0, 1, 2),
             bad={"index_out_of_range": lambda L: L.put(L.ones(2, 3), L.tensor([6]), L.ones(1)),
                  "count_mismatch": lambda L: L.put(L.ones(2, 3), L.tensor([0, 1]), L.ones(1)),
                  "index_float": lambda L: L.put(L.ones(2, 3), L.tensor([0.0]), L.ones(1))}),
    ]
    for name in ("det", "slogdet", "inverse", "logdet"):
        S.append(Spec(name, "ops-index", lambda L, a, n=name: getattr(L, n)(a), (sq,),
                      bad={"not_square": lambda L, n=name: getattr(L, n)(L.ones(2, 3)),
                           "1d": lambda L, n=name: getattr(L, n)(L.ones(3)),
                           "int": lambda L, n=name: getattr(L, n)(L.ones(2, 2, dtype=L.int64))},
                      names=("linalg", "inv", "det")))
    return S


def _specs_learner_ops():
    """The ops learner programs call (issue 12): narrow, tril/triu, sorting, logical reductions,
    closeness, counting, log10/log2/exp2."""
    x, m = R(2, 3), R(2, 3, 3)
    S = [unary(name, group="ops-learner") for name in ("log10", "log2", "exp2", "msort")]
    S += [
        Spec("narrow", "ops-learner", lambda L, a: L.narrow(a, 1, 1, 2), (x,),
             bad={"dim_out_of_range": lambda L: L.narrow(L.ones(2, 3), 2, 0, 1),
                  "start_out_of_range": lambda L: L.narrow(L.ones(2, 3), 1, 4, 0),
                  "start_negative_out_of_range": lambda L: L.narrow(L.ones(2, 3), 1, -4, 1),
                  "start_plus_length_too_big": lambda L: L.narrow(L.ones(2, 3), 1, 2, 2),
                  "length_negative": lambda L: L.narrow(L.ones(2, 3), 1, 0, -1),
                  "start_float": lambda L: L.narrow(L.ones(2, 3), 1, 0.5, 1),
                  "start_float_tensor": lambda L: L.narrow(L.ones(2, 3), 1, L.tensor(0.5), 1),
                  "start_vector_tensor": lambda L: L.narrow(L.ones(2, 3), 1, L.tensor([0, 1]), 1),
                  "zero_dim": lambda L: L.narrow(L.tensor(1.0), 0, 0, 1)}),
    ]
    for name in ("tril", "triu"):
        S.append(Spec(name, "ops-learner", lambda L, a, n=name: getattr(L, n)(a, 1), (m,),
                      bad={"one_dim": lambda L, n=name: getattr(L, n)(L.ones(3)),
                           "diagonal_float": lambda L, n=name: getattr(L, n)(L.ones(3, 3), 0.5),
                           "diagonal_str": lambda L, n=name: getattr(L, n)(L.ones(3, 3), "a"),
                           "inplace_on_leaf": lambda L, n=name: getattr(L.ones(3, 3, requires_grad=True),
                                                                        n + "_")()}))
    for name in ("tril_indices", "triu_indices"):
        S.append(Spec(name, "ops-learner", lambda L, n=name: getattr(L, n)(3, 4, 1), (), tensors=(),
                      bad={"negative_row": lambda L, n=name: getattr(L, n)(-1, 4),
                           "negative_col": lambda L, n=name: getattr(L, n)(3, -4),
                           "float_row": lambda L, n=name: getattr(L, n)(2.5, 4),
                           "float_dtype": lambda L, n=name: getattr(L, n)(3, 3, dtype=L.float32)}))
    S += [
        Spec("sort", "ops-learner", lambda L, a: L.sort(a, 1, descending=True), (x,),
             bad={"dim_out_of_range": lambda L: L.sort(L.ones(2, 3), 2),
                  "dim_str": lambda L: L.sort(L.ones(2, 3), "a"),
                  "dim_and_axis": lambda L: L.ones(2, 3).sort(dim=0, axis=0)}),
        Spec("argsort", "ops-learner", lambda L, a: L.argsort(a, 1), (x,),
             bad={"dim_out_of_range": lambda L: L.argsort(L.ones(2, 3), -3)}),
        Spec("topk", "ops-learner", lambda L, a: L.topk(a, 2), (x,),
             bad={"k_too_big": lambda L: L.topk(L.ones(2, 3), 4),
                  "k_negative": lambda L: L.topk(L.ones(2, 3), -1),
                  "k_float": lambda L: L.topk(L.ones(2, 3), 1.5),
                  "dim_out_of_range": lambda L: L.topk(L.ones(2, 3), 1, 2),
                  "k_too_big_for_0d": lambda L: L.topk(L.tensor(1.0), 2),
                  "k_None": lambda L: L.topk(L.ones(3), None)}),
        Spec("kthvalue", "ops-learner", lambda L, a: L.kthvalue(a, 2), (x,),
             bad={"k_zero": lambda L: L.kthvalue(L.ones(2, 3), 0),
                  "k_too_big": lambda L: L.kthvalue(L.ones(2, 3), 4),
                  "dim_out_of_range": lambda L: L.kthvalue(L.ones(2, 3), 1, 5),
                  "empty_dim": lambda L: L.kthvalue(L.ones(2, 0), 1)}),
    ]
    for name in ("all", "any"):
        both = lambda L, n=name: getattr(L.ones(2), n)(0, keepdim=True, keepdims=True)     # noqa: E731
        S.append(reduction(name, call=lambda L, a, dim, n=name: getattr(L, n)(a, dim),
                           bad={"keepdim_and_keepdims": both}))
        S[-1].group = "ops-learner"
    for name in ("isclose", "allclose"):
        fn = lambda L, n=name: getattr(L, n)        # noqa: E731
        S.append(binary(name, group="ops-learner",
                        bad={"dtype_mismatch": lambda L, f=fn: f(L)(L.ones(2), L.ones(2, dtype=L.float64)),
                             "rtol_negative": lambda L, f=fn: f(L)(L.ones(2), L.ones(2), rtol=-1.0),
                             "atol_nan": lambda L, f=fn: f(L)(L.ones(2), L.ones(2), atol=float("nan"))}))
    S.append(binary("equal", group="ops-learner", bad={"other_number": lambda L: L.equal(L.ones(2), 1.0)}))
    S += [
        Spec("histc", "ops-learner", lambda L, a: L.histc(a, bins=4, min=0, max=1), (x,),
             bad={"bins_negative": lambda L: L.histc(L.ones(3), bins=-1),
                  "bins_zero": lambda L: L.histc(L.ones(3), bins=0),
                  "bins_float": lambda L: L.histc(L.ones(3), bins=2.5),
                  "min_above_max": lambda L: L.histc(L.ones(3), 3, 2, 1),
                  "range_not_finite": lambda L: L.histc(L.tensor([1.0, float("inf")]), 3),
                  "bins_absurd": lambda L: L.histc(L.ones(3), bins=2 ** 60),
                  "int_input": lambda L: L.histc(L.tensor([1, 2]))}),
        Spec("histogram", "ops-learner", lambda L, a: L.histogram(a, 3), (x,),
             bad={"bins_negative": lambda L: L.histogram(L.ones(3), -2),
                  "range_reversed": lambda L: L.histogram(L.ones(3), 2, range=(3.0, 1.0)),
                  "weight_shape": lambda L: L.histogram(L.ones(3), 2, weight=L.ones(4)),
                  "bins_2d_tensor": lambda L: L.histogram(L.ones(3), L.ones(2, 2)),
                  "int_input": lambda L: L.histogram(L.tensor([1, 2]), 2)}),
        Spec("bincount", "ops-learner", lambda L, a: L.bincount(a), (I([0, 2, 2]),),
             bad={"negative_value": lambda L: L.bincount(L.tensor([-1, 2])),
                  "two_dims": lambda L: L.bincount(L.tensor([[1, 2]])),
                  "minlength_negative": lambda L: L.bincount(L.tensor([1]), minlength=-1),
                  "weights_length": lambda L: L.bincount(L.tensor([1, 2]), weights=L.ones(3)),
                  "bool_input": lambda L: L.bincount(L.tensor([True, False])),
                  "huge_value": lambda L: L.bincount(L.tensor([2 ** 50]))}),
    ]
    return S


def _specs_creation():
    S = []
    for name in ["zeros", "ones", "empty", "rand", "randn"]:
        S.append(Spec(name, "creation", lambda L, n=name: getattr(L, n)(2, 3), (), tensors=(),
                      bad={"negative": lambda L, n=name: getattr(L, n)(-1), "str": lambda L, n=name: getattr(L, n)("a"),
                           "None": lambda L, n=name: getattr(L, n)(None), "float": lambda L, n=name: getattr(L, n)(2.5),
                           "nested_list": lambda L, n=name: getattr(L, n)([[2]]), "tensor_size": lambda L, n=name: getattr(L, n)(L.ones(2)),
                           "bad_dtype": lambda L, n=name: getattr(L, n)(2, dtype="float99"),
                           "absurdly_large": lambda L, n=name: getattr(L, n)(2 ** 62)}))
    for name in ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"]:
        S.append(Spec(name, "creation", lambda L, a, n=name: getattr(L, n)(a), (R(2, 3),),
                      bad={"bad_dtype": lambda L, n=name: getattr(L, n)(L.ones(2), dtype="float99")}))
    S.append(Spec("full_like", "creation", lambda L, a: L.full_like(a, 2.0), (R(2, 3),),
                  bad={"fill_str": lambda L: L.full_like(L.ones(2), "a"), "fill_None": lambda L: L.full_like(L.ones(2), None)}))
    S += [
        Spec("full", "creation", lambda L: L.full((2, 3), 1.5), (), tensors=(),
             bad={"fill_None": lambda L: L.full((2,), None), "fill_str": lambda L: L.full((2,), "a"),
                  "negative": lambda L: L.full((-1,), 1.0), "size_int_not_tuple_str": lambda L: L.full("ab", 1.0),
                  "fill_list": lambda L: L.full((2,), [1.0, 2.0]),
                  "fill_complex": lambda L: L.full((2,), np.complex128(1j))}),
        Spec("tensor", "creation", lambda L: L.tensor([[1.0, 2.0]]), (), tensors=(),
             bad={"str": lambda L: L.tensor("abc"), "None": lambda L: L.tensor(None), "ragged": lambda L: L.tensor([[1, 2], [3]]),
                  "object": lambda L: L.tensor([object()]), "dict": lambda L: L.tensor({"a": 1}),
                  "bad_dtype": lambda L: L.tensor([1.0], dtype="float99"), "set": lambda L: L.tensor({1, 2}),
                  "longdouble_scalar": lambda L: L.tensor(np.longdouble(2))}),
        Spec("as_tensor", "creation", lambda L: L.as_tensor([1.0, 2.0]), (), tensors=(),
             bad={"str": lambda L: L.as_tensor("abc"), "None": lambda L: L.as_tensor(None), "ragged": lambda L: L.as_tensor([[1], [2, 3]])}),
        Spec("from_numpy", "creation", lambda L: L.from_numpy(np.ones(3)), (), tensors=(),
             bad={"list": lambda L: L.from_numpy([1.0]), "object_array": lambda L: L.from_numpy(np.array([object()])),
                  "str_array": lambda L: L.from_numpy(np.array(["a"])), "None": lambda L: L.from_numpy(None),
                  "tensor": lambda L: L.from_numpy(L.ones(2)),
                  "longdouble_array": lambda L: L.from_numpy(np.ones(2, np.longdouble))}),
        Spec("arange", "creation", lambda L: L.arange(0, 5, 1), (), tensors=(),
             bad={"step_zero": lambda L: L.arange(0, 5, 0), "end_nan": lambda L: L.arange(float("nan")),
                  "end_inf": lambda L: L.arange(0, float("inf")), "wrong_sign_step": lambda L: L.arange(0, 5, -1),
                  "str": lambda L: L.arange("a"), "None": lambda L: L.arange(None)}),
        Spec("linspace", "creation", lambda L: L.linspace(0, 1, 5), (), tensors=(),
             bad={"steps_negative": lambda L: L.linspace(0, 1, -1), "steps_float": lambda L: L.linspace(0, 1, 2.5),
                  "start_str": lambda L: L.linspace("a", 1, 5), "steps_None": lambda L: L.linspace(0, 1, None)}),
        Spec("eye", "creation", lambda L: L.eye(3), (), tensors=(),
             bad={"negative": lambda L: L.eye(-1), "str": lambda L: L.eye("a"), "float": lambda L: L.eye(2.5),
                  "negative_m": lambda L: L.eye(2, -3)}),
        Spec("randint", "creation", lambda L: L.randint(0, 5, (3,)), (), tensors=(),
             bad={"low_ge_high": lambda L: L.randint(5, 2, (3,)), "negative_size": lambda L: L.randint(0, 5, (-1,)),
                  "size_missing_str": lambda L: L.randint(0, 5, "a"), "float_bounds_nan": lambda L: L.randint(0, float("nan"), (2,))}),
        Spec("randperm", "creation", lambda L: L.randperm(4), (), tensors=(),
             bad={"negative": lambda L: L.randperm(-1), "str": lambda L: L.randperm("a"), "float": lambda L: L.randperm(2.5)}),
        Spec("manual_seed", "creation", lambda L: L.manual_seed(0), (), tensors=(),
             bad={"str": lambda L: L.manual_seed("a"), "None": lambda L: L.manual_seed(None), "float_nan": lambda L: L.manual_seed(float("nan")),
                  "negative_huge": lambda L: L.manual_seed(-(2 ** 70))}),
    ]
    S += _specs_random()
    for name in ["new_zeros", "new_ones", "new_empty"]:
        S.append(Spec(name, "creation", lambda L, a, n=name: getattr(a, n)(2, 3), (R(2, 3),), tensors=(),
                      bad={"negative": lambda L, n=name: getattr(L.ones(2), n)(-1),
                           "str": lambda L, n=name: getattr(L.ones(2), n)("a"),
                           "no_size": lambda L, n=name: getattr(L.ones(2), n)(),
                           "bad_dtype": lambda L, n=name: getattr(L.ones(2), n)(2, dtype="float99")}))
    S += [
        Spec("new_full", "creation", lambda L, a: a.new_full((2, 3), 1.5), (R(2, 3),), tensors=(),
             bad={"size_int": lambda L: L.ones(2).new_full(2, 1.0),
                  "fill_str": lambda L: L.ones(2).new_full((2,), "a"),
                  "negative": lambda L: L.ones(2).new_full((-1,), 1.0)}),
        Spec("new_tensor", "creation", lambda L, a: a.new_tensor([1.0, 2.0]), (R(2, 3),), tensors=(),
             bad={"str": lambda L: L.ones(2).new_tensor("abc"),
                  "ragged": lambda L: L.ones(2).new_tensor([[1, 2], [3]]),
                  "bad_dtype": lambda L: L.ones(2).new_tensor([1.0], dtype="float99")}),
    ]
    return S


# device strings minigrad cannot put a tensor on (it runs on the CPU only) or cannot read
BAD_DEVICES = {"cuda": "cuda", "cuda0": "cuda:0", "gpu": "gpu", "cpu_x": "cpu:x", "mps": "mps",
               "cuda_neg": "cuda:-1", "empty": "", "int": 0, "float": 1.5}


def _with_bad_devices(make):
    """``device_<name>`` cases: ``make(L, device)`` with each of BAD_DEVICES."""
    return {f"device_{k}": (lambda L, d=d: make(L, d)) for k, d in BAD_DEVICES.items()}


def _specs_devices():
    calls = {
        "zeros": lambda L, d: L.zeros(2, device=d), "ones": lambda L, d: L.ones(2, device=d),
        "empty": lambda L, d: L.empty(2, device=d), "full": lambda L, d: L.full((2,), 1.0, device=d),
        "eye": lambda L, d: L.eye(2, device=d), "arange": lambda L, d: L.arange(3, device=d),
        "linspace": lambda L, d: L.linspace(0, 1, 3, device=d),
        "tensor": lambda L, d: L.tensor([1.0], device=d),
        "as_tensor": lambda L, d: L.as_tensor([1.0], device=d), "rand": lambda L, d: L.rand(2, device=d),
        "randn": lambda L, d: L.randn(2, device=d), "randint": lambda L, d: L.randint(0, 3, (2,), device=d),
        "zeros_like": lambda L, d: L.zeros_like(L.ones(2), device=d),
        "full_like": lambda L, d: L.full_like(L.ones(2), 1.0, device=d),
        "new_zeros": lambda L, d: L.ones(2).new_zeros(2, device=d),
        "new_tensor": lambda L, d: L.ones(2).new_tensor([1.0], device=d),
        "to": lambda L, d: L.ones(2).to(d),
        "to_keyword": lambda L, d: L.ones(2).to(device=d, dtype=L.float64),
        "Module.to": lambda L, d: L.nn.Linear(2, 2).to(d),
        "device": lambda L, d: L.ones(2, device=L.device(d)),
    }
    S = [Spec(name, "devices", lambda L, c=call: c(L, "cpu"), (), tensors=(), bad=_with_bad_devices(call),
              names=("device",)) for name, call in calls.items()]
    S.append(Spec("cuda", "devices", lambda L: L.ones(2).cpu(), (), tensors=(),
                  bad={"tensor_cuda": lambda L: L.ones(2).cuda(),
                       "module_cuda": lambda L: L.nn.Linear(2, 2).cuda(),
                       "to_int_dtype_mix": lambda L: L.ones(2).to(L.float64, L.int64),
                       "to_two_devices": lambda L: L.ones(2).to("cpu", "cpu"),
                       "to_dtype_string": lambda L: L.ones(2).to("float64"),
                       "to_tensor_and_dtype": lambda L: L.ones(2).to(L.ones(2), L.float64),
                       "to_dtype_twice": lambda L: L.ones(2).to(L.float64, dtype=L.int64)}))
    return S


def _specs_random():
    """The random functions of issue 12: distributions, in-place samplers, Generator."""
    P = R(2, 3)             # positive weights / a float tensor to fill
    U = T(2, 3, fill=0.5)   # probabilities
    return [
        Spec("multinomial", "creation", lambda L, p: L.multinomial(p, 2), (P,),
             bad={"zero_row": lambda L: L.multinomial(L.zeros(2, 3), 1), "negative": lambda L: L.multinomial(L.tensor([1.0, -1.0]), 1),
                  "nan": lambda L: L.multinomial(L.tensor([1.0, float("nan")]), 1),
                  "inf": lambda L: L.multinomial(L.tensor([1.0, float("inf")]), 1),
                  "zero_samples": lambda L: L.multinomial(L.ones(3), 0), "too_many_without_replacement": lambda L: L.multinomial(L.ones(3), 4),
                  "int_weights": lambda L: L.multinomial(L.ones(3, dtype=L.int64), 1), "3d": lambda L: L.multinomial(L.ones(2, 2, 2), 1),
                  "generator_int": lambda L: L.multinomial(L.ones(3), 1, generator=3),
                  "num_samples_str": lambda L: L.multinomial(L.ones(3), "a")}),
        Spec("normal", "creation", lambda L, m: L.normal(m, 1.0), (R(2, 3),),
             bad={"negative_std": lambda L: L.normal(L.zeros(2), -1.0), "negative_std_tensor": lambda L: L.normal(L.zeros(2), -L.ones(2)),
                  "floats_without_size": lambda L: L.normal(0.0, 1.0), "std_str": lambda L: L.normal(L.zeros(2), "a"),
                  "broadcast_mismatch": lambda L: L.normal(L.zeros(2), L.ones(3))}),
        Spec("bernoulli", "creation", lambda L, p: L.bernoulli(p), (U,),
             bad={"p_above_one": lambda L: L.bernoulli(L.full((2,), 2.0)), "p_negative": lambda L: L.bernoulli(L.full((2,), -0.5)),
                  "p_nan": lambda L: L.bernoulli(L.full((2,), float("nan")))}),
        Spec("poisson", "creation", lambda L, r: L.poisson(r), (P,),
             bad={"negative_rate": lambda L: L.poisson(L.tensor([-1.0]))}),
        Spec("Generator.manual_seed", "creation", lambda L: L.Generator().manual_seed(1), (), tensors=(),
             bad={"str": lambda L: L.Generator().manual_seed("a"), "None": lambda L: L.Generator().manual_seed(None),
                  "huge": lambda L: L.Generator().manual_seed(2 ** 64), "device_str": lambda L: L.Generator(device="abc"),
                  "set_state_wrong": lambda L: L.Generator().set_state(L.zeros(3, dtype=L.uint8)),
                  "set_state_float": lambda L: L.Generator().set_state(L.zeros(3))},
             names=("manual_seed", "set_state", "Generator", "device")),
        Spec("uniform_", "creation", lambda L, x: x.uniform_(0.0, 1.0), (P,),
             bad={"from_gt_to": lambda L: L.ones(3).uniform_(2.0, 1.0)}),
        Spec("normal_", "creation", lambda L, x: x.normal_(0.0, 1.0), (P,),
             bad={"negative_std": lambda L: L.ones(3).normal_(0.0, -1.0)}),
        Spec("exponential_", "creation", lambda L, x: x.exponential_(1.0), (P,),
             bad={"lambda_zero": lambda L: L.ones(3).exponential_(0.0), "lambda_negative": lambda L: L.ones(3).exponential_(-1.0)}),
        Spec("geometric_", "creation", lambda L, x: x.geometric_(0.5), (P,),
             bad={"p_zero": lambda L: L.ones(3).geometric_(0.0), "p_above_one": lambda L: L.ones(3).geometric_(1.5)}),
        Spec("cauchy_", "creation", lambda L, x: x.cauchy_(0.0, 1.0), (P,),
             bad={"sigma_zero": lambda L: L.ones(3).cauchy_(0.0, 0.0)}),
        Spec("log_normal_", "creation", lambda L, x: x.log_normal_(1.0, 2.0), (P,),
             bad={"std_zero": lambda L: L.ones(3).log_normal_(1.0, 0.0)}),
        Spec("random_", "creation", lambda L, x: x.random_(0, 10), (P,),
             bad={"from_ge_to": lambda L: L.ones(3).random_(5, 2)}),
        Spec("bernoulli_", "creation", lambda L, x: x.bernoulli_(0.5), (P,),
             bad={"p_above_one": lambda L: L.ones(3).bernoulli_(1.5), "p_tensor_negative": lambda L: L.ones(3).bernoulli_(-L.ones(3))}),
    ]


def _loss_bad(name, fn):
    """Bad inputs common to the regression-style losses (input, target)."""
    return {"shape_mismatch": lambda L: fn(L)(L.ones(2, 3), L.ones(4, 5)),
            "reduction_str": lambda L: fn(L)(L.ones(2, 3), L.ones(2, 3), reduction="average"),
            "target_int": lambda L: fn(L)(L.ones(2, 3), L.ones(2, 3, dtype=L.int64))}


def _specs_functional():
    S = []
    for name in ["relu", "sigmoid", "tanh", "silu", "logsigmoid", "gelu", "elu", "softplus"]:
        S.append(Spec(name, "nn-functional", lambda L, a, n=name: getattr(L.nn.functional, n)(a), (R(2, 3),)))
    S[-3].bad = {"approximate_str": lambda L: L.nn.functional.gelu(L.ones(2), approximate="fast")}
    S += [
        Spec("leaky_relu", "nn-functional", lambda L, a: L.nn.functional.leaky_relu(a, 0.1), (R(2, 3),),
             bad={"slope_str": lambda L: L.nn.functional.leaky_relu(L.ones(2), "a")}),
        Spec("softmax", "nn-functional", lambda L, a: L.nn.functional.softmax(a, 1), (R(2, 3),),
             bad={"dim_out_of_range": lambda L: L.nn.functional.softmax(L.ones(2, 3), 2), "dim_str": lambda L: L.nn.functional.softmax(L.ones(2, 3), "a")}),
        Spec("log_softmax", "nn-functional", lambda L, a: L.nn.functional.log_softmax(a, 1), (R(2, 3),),
             bad={"dim_out_of_range": lambda L: L.nn.functional.log_softmax(L.ones(2, 3), -3)}),
        Spec("scaled_dot_product_attention", "nn-functional",
             lambda L, q, k, v: L.nn.functional.scaled_dot_product_attention(q, k, v), (R(1, 2, 3, 4), R(1, 2, 5, 4), R(1, 2, 5, 6)),
             tensors=(0, 1, 2),
             bad={"mask_wrong_shape": lambda L: L.nn.functional.scaled_dot_product_attention(
                      L.ones(1, 2, 3, 4), L.ones(1, 2, 5, 4), L.ones(1, 2, 5, 6), attn_mask=L.ones(4, 5, dtype=L.bool)),
                  "mask_int": lambda L: L.nn.functional.scaled_dot_product_attention(
                      L.ones(1, 2, 3, 4), L.ones(1, 2, 5, 4), L.ones(1, 2, 5, 6), attn_mask=L.ones(3, 5, dtype=L.int64)),
                  "mask_float64": lambda L: L.nn.functional.scaled_dot_product_attention(
                      L.ones(1, 2, 3, 4), L.ones(1, 2, 5, 4), L.ones(1, 2, 5, 6), attn_mask=L.ones(3, 5, dtype=L.float64)),
                  "mask_and_causal": lambda L: L.nn.functional.scaled_dot_product_attention(
                      L.ones(1, 2, 3, 4), L.ones(1, 2, 5, 4), L.ones(1, 2, 5, 6), attn_mask=L.ones(3, 5), is_causal=True),
                  "mask_str": lambda L: L.nn.functional.scaled_dot_product_attention(
                      L.ones(1, 2, 3, 4), L.ones(1, 2, 5, 4), L.ones(1, 2, 5, 6), attn_mask="causal"),
                  "key_dim_mismatch": lambda L: L.nn.functional.scaled_dot_product_attention(
                      L.ones(1, 2, 3, 4), L.ones(1, 2, 5, 3), L.ones(1, 2, 5, 6)),
                  "value_length_mismatch": lambda L: L.nn.functional.scaled_dot_product_attention(
                      L.ones(1, 2, 3, 4), L.ones(1, 2, 5, 4), L.ones(1, 2, 4, 6)),
                  "heads_mismatch": lambda L: L.nn.functional.scaled_dot_product_attention(
                      L.ones(1, 4, 3, 4), L.ones(1, 3, 5, 4), L.ones(1, 3, 5, 6)),
                  "gqa_not_dividing": lambda L: L.nn.functional.scaled_dot_product_attention(
                      L.ones(1, 4, 3, 4), L.ones(1, 3, 5, 4), L.ones(1, 3, 5, 6), enable_gqa=True),
                  "dtype_mismatch": lambda L: L.nn.functional.scaled_dot_product_attention(
                      L.ones(1, 2, 3, 4), L.ones(1, 2, 5, 4, dtype=L.float64), L.ones(1, 2, 5, 6))}),
        Spec("dropout1d", "nn-functional", lambda L, a: L.nn.functional.dropout1d(a, 0.5), (R(2, 3, 4),),
             bad={"4d_input": lambda L: L.nn.functional.dropout1d(L.ones(2, 3, 4, 5), 0.5),
                  "p_above_one": lambda L: L.nn.functional.dropout1d(L.ones(2, 3), 1.5)}),
        Spec("dropout2d", "nn-functional", lambda L, a: L.nn.functional.dropout2d(a, 0.5), (R(2, 3, 4, 4),),
             bad={"p_negative": lambda L: L.nn.functional.dropout2d(L.ones(2, 3, 4, 4), -0.5)}),
        Spec("dropout3d", "nn-functional", lambda L, a: L.nn.functional.dropout3d(a, 0.5), (R(2, 3, 2, 2, 2),),
             bad={"p_above_one": lambda L: L.nn.functional.dropout3d(L.ones(2, 3, 2, 2, 2), 2.0)}),
        Spec("dropout", "nn-functional", lambda L, a: L.nn.functional.dropout(a, 0.5), (R(2, 3),),
             bad={"p_above_one": lambda L: L.nn.functional.dropout(L.ones(2), 1.5), "p_negative": lambda L: L.nn.functional.dropout(L.ones(2), -0.1),
                  "p_nan": lambda L: L.nn.functional.dropout(L.ones(2), float("nan")), "p_str": lambda L: L.nn.functional.dropout(L.ones(2), "a")}),
        Spec("linear", "nn-functional", lambda L, a, w, b: L.nn.functional.linear(a, w, b), (R(2, 3), R(4, 3), R(4)), tensors=(0, 1, 2),
             bad={"in_features_mismatch": lambda L: L.nn.functional.linear(L.ones(2, 5), L.ones(4, 3)),
                  "bias_shape": lambda L: L.nn.functional.linear(L.ones(2, 3), L.ones(4, 3), L.ones(5))}),
        Spec("bilinear", "nn-functional", lambda L, a, b, w: L.nn.functional.bilinear(a, b, w), (R(2, 3), R(2, 4), R(5, 3, 4)), tensors=(0, 1, 2),
             bad={"batch_mismatch": lambda L: L.nn.functional.bilinear(L.ones(2, 3), L.ones(3, 4), L.ones(5, 3, 4)),
                  "weight_mismatch": lambda L: L.nn.functional.bilinear(L.ones(2, 3), L.ones(2, 4), L.ones(5, 4, 4))}),
        Spec("conv2d", "nn-functional", lambda L, a, w: L.nn.functional.conv2d(a, w), (R(1, 2, 5, 5), R(3, 2, 3, 3)), tensors=(0, 1),
             bad={"channel_mismatch": lambda L: L.nn.functional.conv2d(L.ones(1, 4, 5, 5), L.ones(3, 2, 3, 3)),
                  "kernel_too_big": lambda L: L.nn.functional.conv2d(L.ones(1, 2, 2, 2), L.ones(3, 2, 3, 3)),
                  "stride_zero": lambda L: L.nn.functional.conv2d(L.ones(1, 2, 5, 5), L.ones(3, 2, 3, 3), stride=0),
                  "padding_negative": lambda L: L.nn.functional.conv2d(L.ones(1, 2, 5, 5), L.ones(3, 2, 3, 3), padding=-1),
                  "dilation_zero": lambda L: L.nn.functional.conv2d(L.ones(1, 2, 5, 5), L.ones(3, 2, 3, 3), dilation=0),
                  "input_2d": lambda L: L.nn.functional.conv2d(L.ones(5, 5), L.ones(3, 2, 3, 3)),
                  "padding_str": lambda L: L.nn.functional.conv2d(L.ones(1, 2, 5, 5), L.ones(3, 2, 3, 3), padding="full"),
                  "stride_str": lambda L: L.nn.functional.conv2d(L.ones(1, 2, 5, 5), L.ones(3, 2, 3, 3), stride="a"),
                  "groups_zero": lambda L: L.nn.functional.conv2d(L.ones(1, 2, 5, 5), L.ones(3, 2, 3, 3), groups=0),
                  "bias_shape": lambda L: L.nn.functional.conv2d(L.ones(1, 2, 5, 5), L.ones(3, 2, 3, 3), L.ones(4)),
                  # issue 16: sizes whose C products wrap (a segfault before), each value fine alone
                  "padding_2**31": lambda L: L.nn.functional.conv2d(L.ones(1, 1, 1, 1), L.ones(1, 1, 2, 2), padding=2 ** 31),
                  "padding_2**40": lambda L: L.nn.functional.conv2d(L.ones(1, 1, 1, 1), L.ones(1, 1, 1, 1), padding=(2 ** 40, 0)),
                  "padding_2**62": lambda L: L.nn.functional.conv2d(L.ones(1, 1, 1, 1), L.ones(1, 1, 1, 1), padding=2 ** 62),
                  "stride_2**64": lambda L: L.nn.functional.conv2d(L.ones(1, 1, 3, 3), L.ones(1, 1, 2, 2), stride=2 ** 64),
                  "dilation_2**62": lambda L: L.nn.functional.conv2d(L.ones(1, 1, 3, 3), L.ones(1, 1, 2, 2), dilation=2 ** 62)}),
        Spec("conv1d", "nn-functional", lambda L, a, w: L.nn.functional.conv1d(a, w), (R(1, 2, 5), R(3, 2, 3)), tensors=(0, 1),
             bad={"channel_mismatch": lambda L: L.nn.functional.conv1d(L.ones(1, 4, 5), L.ones(3, 2, 3)),
                  "kernel_too_big": lambda L: L.nn.functional.conv1d(L.ones(1, 2, 2), L.ones(3, 2, 3)),
                  "stride_zero": lambda L: L.nn.functional.conv1d(L.ones(1, 2, 5), L.ones(3, 2, 3), stride=0),
                  "weight_4d": lambda L: L.nn.functional.conv1d(L.ones(1, 2, 5), L.ones(3, 2, 3, 3)),
                  "padding_2**31": lambda L: L.nn.functional.conv1d(L.ones(1, 1, 1), L.ones(1, 1, 2), padding=2 ** 31),
                  "padding_2**62": lambda L: L.nn.functional.conv1d(L.ones(1, 1, 1), L.ones(1, 1, 2), padding=2 ** 62)}),
        Spec("conv3d", "nn-functional", lambda L, a, w: L.nn.functional.conv3d(a, w), (R(1, 2, 4, 4, 4), R(3, 2, 2, 2, 2)), tensors=(0, 1),
             bad={"channel_mismatch": lambda L: L.nn.functional.conv3d(L.ones(1, 4, 3, 3, 3), L.ones(3, 2, 2, 2, 2)),
                  "kernel_too_big": lambda L: L.nn.functional.conv3d(L.ones(1, 2, 2, 4, 4), L.ones(3, 2, 3, 3, 3)),
                  "weight_4d": lambda L: L.nn.functional.conv3d(L.ones(1, 2, 4, 4, 4), L.ones(3, 2, 2, 2)),
                  "padding_pair": lambda L: L.nn.functional.conv3d(L.ones(1, 2, 4, 4, 4), L.ones(3, 2, 2, 2, 2), padding=(1, 1)),
                  "groups_not_dividing": lambda L: L.nn.functional.conv3d(L.ones(1, 2, 4, 4, 4), L.ones(3, 1, 2, 2, 2), groups=2),
                  "padding_2**40": lambda L: L.nn.functional.conv3d(L.ones(1, 1, 1, 1, 1), L.ones(1, 1, 1, 1, 1), padding=(2 ** 40, 0, 0)),
                  "stride_2**64": lambda L: L.nn.functional.conv3d(L.ones(1, 1, 3, 3, 3), L.ones(1, 1, 2, 2, 2), stride=2 ** 64)}),
        Spec("conv_transpose2d", "nn-functional", lambda L, a, w: L.nn.functional.conv_transpose2d(a, w, stride=2), (R(1, 2, 3, 3), R(2, 3, 2, 2)), tensors=(0, 1),
             bad={"channel_mismatch": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 4, 3, 3), L.ones(2, 3, 2, 2)),
                  "output_padding_too_big": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 2, 3, 3), L.ones(2, 3, 2, 2), output_padding=1),
                  "output_too_small": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 2, 3, 3), L.ones(2, 3, 2, 2), padding=3),
                  "padding_triple": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 2, 3, 3), L.ones(2, 3, 2, 2), padding=(1, 1, 1)),
                  "padding_same": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 2, 3, 3), L.ones(2, 3, 2, 2), padding="same"),
                  "bias_shape": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 2, 3, 3), L.ones(2, 3, 2, 2), L.ones(2)),
                  "groups_not_dividing": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 3, 3, 3), L.ones(3, 1, 2, 2), groups=2),
                  "stride_2**40": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 1, 3, 3), L.ones(1, 1, 2, 2), stride=2 ** 40),
                  "stride_2**62": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 1, 2, 2), L.ones(1, 1, 2, 2), stride=2 ** 62),
                  "dilation_2**62": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 1, 1, 1), L.ones(1, 1, 3, 3), dilation=2 ** 62),
                  "input_2d": lambda L: L.nn.functional.conv_transpose2d(L.ones(3, 3), L.ones(2, 3, 2, 2))}),
        Spec("conv_transpose1d", "nn-functional", lambda L, a, w: L.nn.functional.conv_transpose1d(a, w), (R(1, 2, 5), R(2, 3, 3)), tensors=(0, 1),
             bad={"channel_mismatch": lambda L: L.nn.functional.conv_transpose1d(L.ones(1, 4, 5), L.ones(2, 3, 3)),
                  "weight_4d": lambda L: L.nn.functional.conv_transpose1d(L.ones(1, 2, 5), L.ones(2, 3, 3, 3)),
                  "padding_negative": lambda L: L.nn.functional.conv_transpose1d(L.ones(1, 2, 5), L.ones(2, 3, 3), padding=-1),
                  "stride_zero": lambda L: L.nn.functional.conv_transpose1d(L.ones(1, 2, 5), L.ones(2, 3, 3), stride=0),
                  "stride_2**62": lambda L: L.nn.functional.conv_transpose1d(L.ones(1, 1, 3), L.ones(1, 1, 2), stride=2 ** 62)}),
        Spec("max_pool2d", "nn-functional", lambda L, a: L.nn.functional.max_pool2d(a, 2), (R(1, 2, 4, 4),),
             bad={"kernel_zero": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 4, 4), 0),
                  "kernel_too_big": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 2, 2), 3),
                  "padding_too_big": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 4, 4), 2, padding=2),
                  "stride_negative": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 4, 4), 2, stride=-1),
                  "input_2d": lambda L: L.nn.functional.max_pool2d(L.ones(4, 4), 2),
                  "dilation_huge": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 4, 4), 2, dilation=10),
                  "kernel_str": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 4, 4), "a"),
                  "kernel_2**32_padding_2**31": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 1, 1), 2 ** 32, padding=2 ** 31),
                  "stride_2**63-1": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 3, 3), 2, stride=2 ** 63 - 1),
                  "dilation_2**62": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 3, 3), 2, dilation=2 ** 62),
                  "empty_channels": lambda L: L.nn.functional.max_pool2d(L.ones(1, 0, 4, 4), 2)}),
        Spec("avg_pool2d", "nn-functional", lambda L, a: L.nn.functional.avg_pool2d(a, 2), (R(1, 2, 4, 4),),
             bad={"kernel_zero": lambda L: L.nn.functional.avg_pool2d(L.ones(1, 1, 4, 4), 0),
                  "kernel_too_big": lambda L: L.nn.functional.avg_pool2d(L.ones(1, 1, 2, 2), 3),
                  "padding_too_big": lambda L: L.nn.functional.avg_pool2d(L.ones(1, 1, 4, 4), 2, padding=2),
                  "divisor_zero": lambda L: L.nn.functional.avg_pool2d(L.ones(1, 1, 4, 4), 2, divisor_override=0),
                  "kernel_2**32_padding_2**31": lambda L: L.nn.functional.avg_pool2d(L.ones(1, 1, 1, 1), 2 ** 32, padding=2 ** 31),
                  "stride_2**32": lambda L: L.nn.functional.avg_pool2d(L.ones(1, 1, 3, 3), 2, stride=2 ** 32),
                  "empty_height": lambda L: L.nn.functional.avg_pool2d(L.ones(0, 4, 4), 2)}),
        Spec("adaptive_avg_pool2d", "nn-functional", lambda L, a: L.nn.functional.adaptive_avg_pool2d(a, 2), (R(1, 2, 4, 4),),
             bad={"output_zero": lambda L: L.nn.functional.adaptive_avg_pool2d(L.ones(1, 1, 4, 4), 0),
                  "output_negative": lambda L: L.nn.functional.adaptive_avg_pool2d(L.ones(1, 1, 4, 4), -2),
                  "output_str": lambda L: L.nn.functional.adaptive_avg_pool2d(L.ones(1, 1, 4, 4), "a"),
                  "output_2**31": lambda L: L.nn.functional.adaptive_avg_pool2d(L.ones(1, 1, 2, 2), 2 ** 31)}),
        Spec("batch_norm", "nn-functional", lambda L, a, m, v: L.nn.functional.batch_norm(a, m, v), (R(4, 3), R(3), R(3)),
             tensors=(0, 1, 2),
             bad={"stats_shape": lambda L: L.nn.functional.batch_norm(L.ones(4, 3), L.ones(5), L.ones(5)),
                  "one_value_per_channel_training": lambda L: L.nn.functional.batch_norm(L.ones(1, 3), None, None, training=True),
                  "eps_negative_weight_shape": lambda L: L.nn.functional.batch_norm(L.ones(4, 3), L.ones(3), L.ones(3), L.ones(4))}),
        Spec("layer_norm", "nn-functional", lambda L, a: L.nn.functional.layer_norm(a, (3,)), (R(2, 3),),
             bad={"shape_mismatch": lambda L: L.nn.functional.layer_norm(L.ones(2, 3), (4,)),
                  "shape_str": lambda L: L.nn.functional.layer_norm(L.ones(2, 3), "a"),
                  "weight_shape": lambda L: L.nn.functional.layer_norm(L.ones(2, 3), (3,), L.ones(4))}),
        Spec("embedding", "nn-functional", lambda L, i, w: L.nn.functional.embedding(i, w), (I([0, 2]), R(3, 2)), tensors=(0, 1),
             bad={"index_out_of_range": lambda L: L.nn.functional.embedding(L.tensor([3]), L.ones(3, 2)),
                  "index_negative": lambda L: L.nn.functional.embedding(L.tensor([-1]), L.ones(3, 2)),
                  "index_huge": lambda L: L.nn.functional.embedding(L.tensor([2 ** 40]), L.ones(3, 2)),
                  "float_indices": lambda L: L.nn.functional.embedding(L.tensor([0.0]), L.ones(3, 2)),
                  "weight_1d": lambda L: L.nn.functional.embedding(L.tensor([0]), L.ones(3)),
                  "padding_idx_out_of_range": lambda L: L.nn.functional.embedding(L.tensor([0]), L.ones(3, 2), padding_idx=5)}),
        Spec("embedding_bag", "nn-functional", lambda L, i, w, o: L.nn.functional.embedding_bag(i, w, o), (I([0, 2, 1]), R(3, 2), I([0, 1])), tensors=(0, 1, 2),
             bad={"index_out_of_range": lambda L: L.nn.functional.embedding_bag(L.tensor([3]), L.ones(3, 2), L.tensor([0])),
                  "index_negative": lambda L: L.nn.functional.embedding_bag(L.tensor([-1]), L.ones(3, 2), L.tensor([0])),
                  "float_indices": lambda L: L.nn.functional.embedding_bag(L.tensor([0.0]), L.ones(3, 2), L.tensor([0])),
                  "weight_1d": lambda L: L.nn.functional.embedding_bag(L.tensor([0]), L.ones(3), L.tensor([0])),
                  "input_3d": lambda L: L.nn.functional.embedding_bag(L.zeros(1, 1, 1, dtype=L.int64), L.ones(3, 2)),
                  "no_offsets": lambda L: L.nn.functional.embedding_bag(L.tensor([0, 1]), L.ones(3, 2)),
                  "offsets_with_2d": lambda L: L.nn.functional.embedding_bag(L.tensor([[0, 1]]), L.ones(3, 2), L.tensor([0])),
                  "offsets_2d": lambda L: L.nn.functional.embedding_bag(L.tensor([0, 1]), L.ones(3, 2), L.tensor([[0]])),
                  "offsets_first_not_0": lambda L: L.nn.functional.embedding_bag(L.tensor([0, 1]), L.ones(3, 2), L.tensor([1])),
                  "offsets_past_end": lambda L: L.nn.functional.embedding_bag(L.tensor([0, 1]), L.ones(3, 2), L.tensor([0, 3])),
                  "offsets_float": lambda L: L.nn.functional.embedding_bag(L.tensor([0, 1]), L.ones(3, 2), L.tensor([0.0])),
                  "mode_str": lambda L: L.nn.functional.embedding_bag(L.tensor([0, 1]), L.ones(3, 2), L.tensor([0]), mode="min"),
                  "psw_with_mean": lambda L: L.nn.functional.embedding_bag(L.tensor([0, 1]), L.ones(3, 2), L.tensor([0]), per_sample_weights=L.ones(2)),
                  "psw_shape": lambda L: L.nn.functional.embedding_bag(L.tensor([0, 1]), L.ones(3, 2), L.tensor([0]), mode="sum", per_sample_weights=L.ones(3))}),
        Spec("grid_sample", "nn-functional", lambda L, a, g: L.nn.functional.grid_sample(a, g, align_corners=False), (R(1, 2, 3, 3), T(1, 2, 2, 2, fill=0.25)),
             tensors=(0, 1), names=("grid_sampler",),
             bad={"mode_str": lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 2), mode="cubic", align_corners=False),
                  "padding_mode_str": lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 2), padding_mode="wrap", align_corners=False),
                  "grid_last_dim": lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 3), align_corners=False),
                  "batch_mismatch": lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2), L.zeros(2, 1, 1, 2), align_corners=False),
                  "grid_5d_for_4d": lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 1, 3), align_corners=False),
                  "dtype_mismatch": lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 2, dtype=L.float64), align_corners=False)}),
        Spec("affine_grid", "nn-functional", lambda L, t: L.nn.functional.affine_grid(t, (1, 2, 3, 4), align_corners=False), (R(1, 2, 3),),
             bad={"theta_int": lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3, dtype=L.int64), (1, 1, 2, 2), align_corners=False),
                  "theta_shape": lambda L: L.nn.functional.affine_grid(L.zeros(1, 3, 4), (1, 1, 2, 2), align_corners=False),
                  "size_3": lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3), (1, 1, 2), align_corners=False),
                  "size_zero": lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3), (1, 1, 0, 2), align_corners=False),
                  "batch_mismatch": lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3), (2, 1, 2, 2), align_corners=False)}),
        Spec("one_hot", "nn-functional", lambda L, i: L.nn.functional.one_hot(i, 3), (I([0, 2]),),
             bad={"class_too_big": lambda L: L.nn.functional.one_hot(L.tensor([3]), 3),
                  "class_negative": lambda L: L.nn.functional.one_hot(L.tensor([-1]), 3),
                  "float_input": lambda L: L.nn.functional.one_hot(L.tensor([0.0]), 3),
                  "num_classes_zero": lambda L: L.nn.functional.one_hot(L.tensor([0]), 0),
                  "num_classes_str": lambda L: L.nn.functional.one_hot(L.tensor([0]), "a")}),
        Spec("pad", "nn-functional", lambda L, a: L.nn.functional.pad(a, (1, 1)), (R(2, 3),),
             bad={"odd_length": lambda L: L.nn.functional.pad(L.ones(2, 3), (1,)), "too_long": lambda L: L.nn.functional.pad(L.ones(3), (1, 1, 1, 1)),
                  "mode_str": lambda L: L.nn.functional.pad(L.ones(2, 3), (1, 1), mode="wrap-around"),
                  "pad_str": lambda L: L.nn.functional.pad(L.ones(2, 3), "ab"),
                  "pad_float": lambda L: L.nn.functional.pad(L.ones(2, 3), (1.5, 1))}),
        Spec("unflatten", "nn-functional", lambda L, a: L.nn.functional.unflatten(a, 1, (3, 1)), (R(2, 3),),
             bad={"sizes_mismatch": lambda L: L.nn.functional.unflatten(L.ones(2, 3), 1, (2, 2))}),
    ]
    # losses
    S += [
        Spec("cross_entropy", "nn-loss", lambda L, x, t: L.nn.functional.cross_entropy(x, t), (R(2, 10), I([1, 9])), tensors=(0, 1),
             bad={"label_equals_num_classes": lambda L: L.nn.functional.cross_entropy(L.zeros(2, 10), L.tensor([10, 1])),
                  "label_negative": lambda L: L.nn.functional.cross_entropy(L.zeros(2, 10), L.tensor([-1, 1])),
                  "label_huge": lambda L: L.nn.functional.cross_entropy(L.zeros(2, 10), L.tensor([2 ** 40, 1])),
                  "batch_mismatch": lambda L: L.nn.functional.cross_entropy(L.zeros(2, 10), L.tensor([1, 2, 3])),
                  "input_1d_label_out": lambda L: L.nn.functional.cross_entropy(L.zeros(10), L.tensor(10)),
                  "probability_target_shape": lambda L: L.nn.functional.cross_entropy(L.zeros(2, 10), L.ones(2, 9)),
                  "weight_shape": lambda L: L.nn.functional.cross_entropy(L.zeros(2, 10), L.tensor([1, 1]), weight=L.ones(9)),
                  "label_smoothing_above_one": lambda L: L.nn.functional.cross_entropy(L.zeros(2, 10), L.tensor([1, 1]), label_smoothing=1.5),
                  "label_smoothing_nan": lambda L: L.nn.functional.cross_entropy(L.zeros(2, 10), L.tensor([1, 1]), label_smoothing=float("nan")),
                  "reduction_str": lambda L: L.nn.functional.cross_entropy(L.zeros(2, 10), L.tensor([1, 1]), reduction="avg"),
                  "ignore_index_str": lambda L: L.nn.functional.cross_entropy(L.zeros(2, 10), L.tensor([1, 1]), ignore_index="a"),
                  "zero_classes": lambda L: L.nn.functional.cross_entropy(L.zeros(2, 0), L.tensor([0, 0]))},
             names=("Target", "cross_entropy", "nll_loss", "class")),
        Spec("nll_loss", "nn-loss", lambda L, x, t: L.nn.functional.nll_loss(x, t), (R(2, 10), I([1, 9])), tensors=(0, 1),
             bad={"label_equals_num_classes": lambda L: L.nn.functional.nll_loss(L.zeros(2, 10), L.tensor([10, 1])),
                  "label_negative": lambda L: L.nn.functional.nll_loss(L.zeros(2, 10), L.tensor([-3, 1])),
                  "batch_mismatch": lambda L: L.nn.functional.nll_loss(L.zeros(2, 10), L.tensor([1])),
                  "weight_shape": lambda L: L.nn.functional.nll_loss(L.zeros(2, 10), L.tensor([1, 1]), weight=L.ones(3))},
             names=("Target", "nll_loss", "class")),
        Spec("binary_cross_entropy", "nn-loss", lambda L, x, t: L.nn.functional.binary_cross_entropy(x, t),
             (T(2, 3, fill=0.5), T(2, 3, fill=1.0)), tensors=(0, 1),
             bad={"shape_mismatch": lambda L: L.nn.functional.binary_cross_entropy(L.full((2, 3), 0.5), L.ones(4)),
                  "input_above_one": lambda L: L.nn.functional.binary_cross_entropy(L.full((2,), 1.5), L.ones(2)),
                  "input_nan": lambda L: L.nn.functional.binary_cross_entropy(L.full((2,), float("nan")), L.ones(2)),
                  "weight_shape": lambda L: L.nn.functional.binary_cross_entropy(L.full((2, 3), 0.5), L.ones(2, 3), weight=L.ones(4))}),
        Spec("binary_cross_entropy_with_logits", "nn-loss", lambda L, x, t: L.nn.functional.binary_cross_entropy_with_logits(x, t),
             (R(2, 3), T(2, 3)), tensors=(0, 1),
             bad={"shape_mismatch": lambda L: L.nn.functional.binary_cross_entropy_with_logits(L.ones(2, 3), L.ones(4)),
                  "pos_weight_shape": lambda L: L.nn.functional.binary_cross_entropy_with_logits(L.ones(2, 3), L.ones(2, 3), pos_weight=L.ones(4))}),
    ]
    for name in ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"]:
        fn = lambda L, n=name: getattr(L.nn.functional, n)       # noqa: E731
        bad = _loss_bad(name, fn)
        if name == "huber_loss":
            bad["delta_negative"] = lambda L: L.nn.functional.huber_loss(L.ones(2), L.ones(2), delta=-1.0)
        if name == "smooth_l1_loss":
            bad["beta_negative"] = lambda L: L.nn.functional.smooth_l1_loss(L.ones(2), L.ones(2), beta=-1.0)
        S.append(Spec(name, "nn-loss", lambda L, x, t, n=name: getattr(L.nn.functional, n)(x, t), (R(2, 3), R(2, 3)),
                      tensors=(0, 1), bad=bad))
    return S


def _layer(name, ctor, x, bad_ctor=None, bad_forward=None, extra_inputs=()):
    """A layer: its forward gets the generic catalogue; constructors get their own bad args."""
    def call(L, a, *rest):
        L.manual_seed(0)
        return ctor(L)(a, *rest)
    bad = {f"ctor_{k}": v for k, v in (bad_ctor or {}).items()}
    bad.update({f"forward_{k}": v for k, v in (bad_forward or {}).items()})
    return Spec(name, "nn-layer", call, (x,) + tuple(extra_inputs), tensors=tuple(range(1 + len(extra_inputs))), bad=bad)


def _specs_layers():
    nn = lambda L: L.nn       # noqa: E731
    S = [
        _layer("Linear", lambda L: nn(L).Linear(3, 4), R(2, 3),
               {"negative_features": lambda L: nn(L).Linear(-1, 4), "str_features": lambda L: nn(L).Linear("a", 4),
                "float_features": lambda L: nn(L).Linear(2.5, 4)},
               {"in_features_mismatch": lambda L: nn(L).Linear(3, 4)(L.ones(2, 5)),
                "float64_input": lambda L: nn(L).Linear(3, 4)(L.ones(2, 3, dtype=L.float64))}),
        _layer("Bilinear", lambda L: nn(L).Bilinear(3, 4, 5), R(2, 3),
               {"negative": lambda L: nn(L).Bilinear(3, -4, 5)},
               {"second_mismatch": lambda L: nn(L).Bilinear(3, 4, 5)(L.ones(2, 3), L.ones(2, 5))}, extra_inputs=(R(2, 4),)),
        _layer("Identity", lambda L: nn(L).Identity(), R(2, 3)),
        _layer("DataParallel", lambda L: nn(L).DataParallel(nn(L).Linear(3, 4)), R(2, 3),
               {"not_a_module": lambda L: nn(L).DataParallel(3)}),
        _layer("Conv2d", lambda L: nn(L).Conv2d(2, 3, 3), R(1, 2, 5, 5),
               {"zero_channels": lambda L: nn(L).Conv2d(0, 3, 3), "zero_kernel": lambda L: nn(L).Conv2d(2, 3, 0),
                "stride_zero": lambda L: nn(L).Conv2d(2, 3, 3, stride=0), "padding_mode_str": lambda L: nn(L).Conv2d(2, 3, 3, padding_mode="mirror"),
                "groups_not_dividing": lambda L: nn(L).Conv2d(2, 3, 3, groups=2), "padding_same_strided": lambda L: nn(L).Conv2d(2, 3, 3, stride=2, padding="same")},
               {"channel_mismatch": lambda L: nn(L).Conv2d(2, 3, 3)(L.ones(1, 5, 5, 5)),
                "too_small": lambda L: nn(L).Conv2d(2, 3, 3)(L.ones(1, 2, 2, 2))}),
        _layer("Conv1d", lambda L: nn(L).Conv1d(2, 3, 3), R(1, 2, 5),
               {"negative_channels": lambda L: nn(L).Conv1d(-2, 3, 3)},
               {"channel_mismatch": lambda L: nn(L).Conv1d(2, 3, 3)(L.ones(1, 5, 5))}),
        _layer("Conv3d", lambda L: nn(L).Conv3d(2, 4, 2, groups=2), R(1, 2, 3, 3, 3),
               {"groups_not_dividing": lambda L: nn(L).Conv3d(2, 3, 2, groups=2), "padding_mode_str": lambda L: nn(L).Conv3d(2, 3, 2, padding_mode="mirror")},
               {"channel_mismatch": lambda L: nn(L).Conv3d(2, 4, 2)(L.ones(1, 3, 3, 3, 3)),
                "too_small": lambda L: nn(L).Conv3d(2, 4, 3)(L.ones(1, 2, 2, 2, 2))}),
        _layer("ConvTranspose2d", lambda L: nn(L).ConvTranspose2d(2, 3, 3, stride=2), R(1, 2, 3, 3),
               {"groups_not_dividing": lambda L: nn(L).ConvTranspose2d(2, 3, 3, groups=2),
                "padding_mode_reflect": lambda L: nn(L).ConvTranspose2d(2, 3, 3, padding_mode="reflect")},
               {"channel_mismatch": lambda L: nn(L).ConvTranspose2d(2, 3, 3)(L.ones(1, 5, 3, 3)),
                "output_size_out_of_range": lambda L: nn(L).ConvTranspose2d(2, 3, 3, stride=2)(L.ones(1, 2, 3, 3), output_size=(9, 9))}),
        _layer("ConvTranspose1d", lambda L: nn(L).ConvTranspose1d(2, 3, 3), R(1, 2, 5),
               {"negative_channels": lambda L: nn(L).ConvTranspose1d(-2, 3, 3)},
               {"channel_mismatch": lambda L: nn(L).ConvTranspose1d(2, 3, 3)(L.ones(1, 5, 5))}),
        _layer("MaxPool2d", lambda L: nn(L).MaxPool2d(2), R(1, 2, 4, 4),
               {"kernel_zero_forward": lambda L: nn(L).MaxPool2d(0)(L.ones(1, 1, 4, 4))},
               {"too_small": lambda L: nn(L).MaxPool2d(3)(L.ones(1, 1, 2, 2))}),
        _layer("AvgPool2d", lambda L: nn(L).AvgPool2d(2), R(1, 2, 4, 4),
               {"kernel_negative_forward": lambda L: nn(L).AvgPool2d(-2)(L.ones(1, 1, 4, 4))}),
        _layer("AdaptiveAvgPool2d", lambda L: nn(L).AdaptiveAvgPool2d(2), R(1, 2, 4, 4),
               {"zero_forward": lambda L: nn(L).AdaptiveAvgPool2d(0)(L.ones(1, 1, 4, 4))}),
        _layer("BatchNorm1d", lambda L: nn(L).BatchNorm1d(3), R(4, 3),
               {"zero_features_forward": lambda L: nn(L).BatchNorm1d(0)(L.ones(4, 0)), "negative": lambda L: nn(L).BatchNorm1d(-3)},
               {"feature_mismatch": lambda L: nn(L).BatchNorm1d(3)(L.ones(4, 5)),
                "single_sample_training": lambda L: nn(L).BatchNorm1d(3)(L.ones(1, 3)),
                "eps_zero_training": lambda L: nn(L).BatchNorm1d(3, eps=0.0)(L.randn(4, 3)),
                "4d_input": lambda L: nn(L).BatchNorm1d(3)(L.ones(2, 3, 2, 2))}),
        _layer("BatchNorm2d", lambda L: nn(L).BatchNorm2d(2), R(2, 2, 3, 3),
               {}, {"channel_mismatch": lambda L: nn(L).BatchNorm2d(2)(L.ones(2, 3, 3, 3)),
                    "2d_input": lambda L: nn(L).BatchNorm2d(2)(L.ones(2, 2))}),
        _layer("LayerNorm", lambda L: nn(L).LayerNorm(3), R(2, 3),
               {"negative_forward": lambda L: nn(L).LayerNorm(-3)(L.ones(2, 3))},
               {"shape_mismatch": lambda L: nn(L).LayerNorm(3)(L.ones(2, 4))}),
        _layer("EmbeddingBag", lambda L: nn(L).EmbeddingBag(10, 4, mode="max"), I([[0, 9], [1, 2]]),
               {"padding_idx_out_of_range": lambda L: nn(L).EmbeddingBag(10, 4, padding_idx=10)},
               {"index_out_of_range": lambda L: nn(L).EmbeddingBag(10, 4)(L.tensor([[10]])),
                "index_float": lambda L: nn(L).EmbeddingBag(10, 4)(L.tensor([[1.0]])),
                "offsets_first_not_0": lambda L: nn(L).EmbeddingBag(10, 4)(L.tensor([1, 2]), L.tensor([1]))}),
        _layer("Embedding", lambda L: nn(L).Embedding(10, 4), I([0, 9]),
               {"negative_rows": lambda L: nn(L).Embedding(-1, 4), "padding_idx_out_of_range": lambda L: nn(L).Embedding(10, 4, padding_idx=10)},
               {"index_out_of_range": lambda L: nn(L).Embedding(10, 4)(L.tensor([10])),
                "index_negative": lambda L: nn(L).Embedding(10, 4)(L.tensor([-1])),
                "index_float": lambda L: nn(L).Embedding(10, 4)(L.tensor([1.0]))}),
        _layer("Dropout", lambda L: nn(L).Dropout(0.5), R(2, 3),
               {"p_above_one": lambda L: nn(L).Dropout(1.5), "p_nan": lambda L: nn(L).Dropout(float("nan")),
                "p_negative": lambda L: nn(L).Dropout(-0.5)}),
        _layer("Flatten", lambda L: nn(L).Flatten(), R(2, 3, 2),
               {"end_before_start_forward": lambda L: nn(L).Flatten(2, 1)(L.ones(2, 3, 4))},
               {"dim_out_of_range": lambda L: nn(L).Flatten(3)(L.ones(2, 3))}),
        _layer("Unflatten", lambda L: nn(L).Unflatten(1, (3, 1)), R(2, 3),
               {}, {"sizes_mismatch": lambda L: nn(L).Unflatten(1, (2, 2))(L.ones(2, 3))}),
        _layer("Sequential", lambda L: nn(L).Sequential(nn(L).Linear(3, 4), nn(L).ReLU()), R(2, 3),
               {"non_module": lambda L: nn(L).Sequential(nn(L).Linear(3, 4), "relu")}),
        _layer("ModuleList", lambda L: (lambda m: (lambda a: m[0](a)))(nn(L).ModuleList([nn(L).Linear(3, 4)])), R(2, 3),
               {"non_module": lambda L: nn(L).ModuleList([1, 2]), "index_out_of_range": lambda L: nn(L).ModuleList([nn(L).ReLU()])[3]}),
        _layer("ModuleDict", lambda L: (lambda m: (lambda a: m["fc"](a)))(nn(L).ModuleDict({"fc": nn(L).Linear(3, 4)})), R(2, 3),
               {"non_module": lambda L: nn(L).ModuleDict({"a": 1}), "missing_key": lambda L: nn(L).ModuleDict({})["a"]}),
        _layer("LSTM", lambda L: nn(L).LSTM(3, 4, proj_size=2), R(5, 2, 3),
               {"proj_too_large": lambda L: nn(L).LSTM(3, 4, proj_size=4), "dropout_above_one": lambda L: nn(L).LSTM(3, 4, dropout=2.0)},
               {"input_size_mismatch": lambda L: nn(L).LSTM(3, 4)(L.ones(5, 2, 6)),
                "hidden_batch_mismatch": lambda L: nn(L).LSTM(3, 4)(L.ones(5, 2, 3), (L.zeros(1, 3, 4), L.zeros(1, 3, 4))),
                "hx_not_a_tuple": lambda L: nn(L).LSTM(3, 4)(L.ones(5, 2, 3), L.zeros(1, 2, 4)),
                "4d_input": lambda L: nn(L).LSTM(3, 4)(L.ones(5, 2, 3, 1))}),
        _layer("GRU", lambda L: nn(L).GRU(3, 4, bidirectional=True), R(5, 2, 3),
               {"proj_size": lambda L: nn(L).GRU(3, 4, proj_size=2)},
               {"hidden_layers_mismatch": lambda L: nn(L).GRU(3, 4)(L.ones(5, 2, 3), L.zeros(2, 2, 4)),
                "unbatched_3d_hidden": lambda L: nn(L).GRU(3, 4)(L.ones(5, 3), L.zeros(1, 2, 4))}),
        _layer("RNN", lambda L: nn(L).RNN(3, 4, nonlinearity="relu"), R(5, 3),
               {"nonlinearity": lambda L: nn(L).RNN(3, 4, nonlinearity="gelu")},
               {"float64_input": lambda L: nn(L).RNN(3, 4)(L.ones(5, 2, 3, dtype=L.float64))}),
        _layer("LSTMCell", lambda L: nn(L).LSTMCell(3, 4), R(2, 3), {},
               {"input_size_mismatch": lambda L: nn(L).LSTMCell(3, 4)(L.ones(2, 5)),
                "hidden_size_mismatch": lambda L: nn(L).LSTMCell(3, 4)(L.ones(2, 3), (L.zeros(2, 5), L.zeros(2, 4)))}),
        _layer("GRUCell", lambda L: nn(L).GRUCell(3, 4), R(3,), {},
               {"batch_mismatch": lambda L: nn(L).GRUCell(3, 4)(L.ones(2, 3), L.zeros(3, 4)),
                "3d_input": lambda L: nn(L).GRUCell(3, 4)(L.ones(2, 3, 1))}),
        _layer("RNNCell", lambda L: nn(L).RNNCell(3, 4), R(2, 3), {},
               {"hidden_size_mismatch": lambda L: nn(L).RNNCell(3, 4)(L.ones(2, 3), L.zeros(2, 5))}),
    ]
    S += [
        _layer("Dropout1d", lambda L: nn(L).Dropout1d(0.5), R(2, 3, 4), {"p_above_one": lambda L: nn(L).Dropout1d(1.5)},
               {"4d_input": lambda L: nn(L).Dropout1d(0.5)(L.ones(2, 3, 4, 5))}),
        _layer("Dropout2d", lambda L: nn(L).Dropout2d(0.5), R(2, 3, 4, 4), {"p_negative": lambda L: nn(L).Dropout2d(-0.1)}),
        _layer("Dropout3d", lambda L: nn(L).Dropout3d(0.5), R(2, 3, 2, 2, 2), {"p_nan": lambda L: nn(L).Dropout3d(float("nan"))}),
        _layer("ParameterList", lambda L: (lambda m: (lambda a: a * m[0]))(nn(L).ParameterList([nn(L).Parameter(L.ones(2, 3))])),
               R(2, 3), {"index_out_of_range": lambda L: nn(L).ParameterList([nn(L).Parameter(L.ones(2))])[3],
                         "called": lambda L: nn(L).ParameterList([nn(L).Parameter(L.ones(2))])(L.ones(2))}),
        _layer("ParameterDict", lambda L: (lambda m: (lambda a: a * m["w"]))(nn(L).ParameterDict({"w": nn(L).Parameter(L.ones(2, 3))})),
               R(2, 3), {"missing_key": lambda L: nn(L).ParameterDict({})["a"]}),
    ]
    mha = lambda L: nn(L).MultiheadAttention(4, 2)      # noqa: E731
    x3 = lambda L: L.ones(3, 2, 4)                       # noqa: E731
    S += [
        _layer("MultiheadAttention", mha, R(3, 2, 4),
               {"heads_not_dividing": lambda L: nn(L).MultiheadAttention(4, 3),
                "zero_embed_dim": lambda L: nn(L).MultiheadAttention(0, 2)},
               {"attn_mask_wrong_shape": lambda L: mha(L)(x3(L), x3(L), x3(L), attn_mask=L.ones(3, 4, dtype=L.bool)),
                "attn_mask_3d_wrong_shape": lambda L: mha(L)(x3(L), x3(L), x3(L), attn_mask=L.ones(2, 3, 3)),
                "attn_mask_4d": lambda L: mha(L)(x3(L), x3(L), x3(L), attn_mask=L.ones(1, 4, 3, 3)),
                "attn_mask_int": lambda L: mha(L)(x3(L), x3(L), x3(L), attn_mask=L.ones(3, 3, dtype=L.int64)),
                "key_padding_mask_wrong_shape": lambda L: mha(L)(x3(L), x3(L), x3(L),
                                                                 key_padding_mask=L.ones(2, 4, dtype=L.bool)),
                "key_padding_mask_3d": lambda L: mha(L)(x3(L), x3(L), x3(L), key_padding_mask=L.ones(2, 3, 1, dtype=L.bool)),
                "is_causal_without_mask": lambda L: mha(L)(x3(L), x3(L), x3(L), is_causal=True),
                "embed_dim_mismatch": lambda L: mha(L)(L.ones(3, 2, 5), L.ones(3, 2, 5), L.ones(3, 2, 5)),
                "key_value_length_mismatch": lambda L: mha(L)(x3(L), L.ones(3, 2, 4), L.ones(4, 2, 4)),
                "batch_mismatch": lambda L: mha(L)(x3(L), L.ones(3, 1, 4), L.ones(3, 1, 4)),
                "unbatched_query_batched_key": lambda L: mha(L)(L.ones(3, 4), x3(L), x3(L)),
                "4d_query": lambda L: mha(L)(L.ones(1, 3, 2, 4), L.ones(1, 3, 2, 4), L.ones(1, 3, 2, 4))},
               extra_inputs=(R(3, 2, 4), R(3, 2, 4))),
        _layer("TransformerEncoderLayer", lambda L: nn(L).TransformerEncoderLayer(4, 2, 8, dropout=0.0), R(3, 2, 4),
               {"activation_str": lambda L: nn(L).TransformerEncoderLayer(4, 2, activation="tanh"),
                "heads_not_dividing": lambda L: nn(L).TransformerEncoderLayer(4, 3)},
               {"d_model_mismatch": lambda L: nn(L).TransformerEncoderLayer(4, 2, 8)(L.ones(3, 2, 5)),
                "mask_wrong_shape": lambda L: nn(L).TransformerEncoderLayer(4, 2, 8)(x3(L), src_mask=L.zeros(2, 2))}),
        _layer("TransformerDecoderLayer", lambda L: nn(L).TransformerDecoderLayer(4, 2, 8, dropout=0.0), R(3, 2, 4),
               {"activation_str": lambda L: nn(L).TransformerDecoderLayer(4, 2, activation="swish")},
               {"memory_d_model_mismatch": lambda L: nn(L).TransformerDecoderLayer(4, 2, 8)(x3(L), L.ones(3, 2, 5)),
                "memory_batch_mismatch": lambda L: nn(L).TransformerDecoderLayer(4, 2, 8)(x3(L), L.ones(3, 1, 4))},
               extra_inputs=(R(5, 2, 4),)),
        _layer("TransformerEncoder", lambda L: nn(L).TransformerEncoder(nn(L).TransformerEncoderLayer(4, 2, 8, dropout=0.0),
                                                                       2, enable_nested_tensor=False), R(3, 2, 4),
               {"layer_not_a_module": lambda L: nn(L).TransformerEncoder("layer", 2)}),
        _layer("TransformerDecoder", lambda L: nn(L).TransformerDecoder(nn(L).TransformerDecoderLayer(4, 2, 8, dropout=0.0), 2),
               R(3, 2, 4), {"layer_not_a_module": lambda L: nn(L).TransformerDecoder(None, 2)}, extra_inputs=(R(5, 2, 4),)),
        _layer("Transformer", lambda L: nn(L).Transformer(4, 2, 1, 1, 8, dropout=0.0), R(3, 2, 4),
               {"heads_not_dividing": lambda L: nn(L).Transformer(4, 3, 1, 1, 8)},
               {"batch_mismatch": lambda L: nn(L).Transformer(4, 2, 1, 1, 8)(x3(L), L.ones(3, 1, 4)),
                "d_model_mismatch": lambda L: nn(L).Transformer(4, 2, 1, 1, 8)(x3(L), L.ones(3, 2, 5))},
               extra_inputs=(R(5, 2, 4),)),
    ]
    for name in ["ReLU", "Sigmoid", "Tanh", "GELU", "SiLU", "ELU", "Softplus", "LeakyReLU"]:
        S.append(_layer(name, lambda L, n=name: getattr(L.nn, n)(), R(2, 3)))
    for name in ["Softmax", "LogSoftmax"]:
        S.append(_layer(name, lambda L, n=name: getattr(L.nn, n)(1), R(2, 3),
                        {"dim_out_of_range_forward": lambda L, n=name: getattr(L.nn, n)(5)(L.ones(2, 3))}))
    S.append(_layer("Module", lambda L: nn(L).Module(), R(2, 3),
                    {"register_bad_parameter": lambda L: nn(L).Module().register_parameter("w", L.ones(2)),
                     "load_state_dict_wrong_shape": lambda L: nn(L).Linear(3, 4).load_state_dict({"weight": L.ones(5, 3), "bias": L.ones(4)}),
                     "load_state_dict_missing_key": lambda L: nn(L).Linear(3, 4).load_state_dict({"weight": L.ones(4, 3)}),
                     "load_state_dict_not_a_dict": lambda L: nn(L).Linear(3, 4).load_state_dict([1, 2]),
                     "parameter_of_a_list": lambda L: nn(L).Parameter([1.0, 2.0])}))
    # losses as modules
    for name, x, t in [("CrossEntropyLoss", R(2, 10), I([1, 9])), ("NLLLoss", R(2, 10), I([1, 9])),
                       ("BCELoss", T(2, 3, fill=0.5), T(2, 3)), ("BCEWithLogitsLoss", R(2, 3), T(2, 3)),
                       ("MSELoss", R(2, 3), R(2, 3)), ("L1Loss", R(2, 3), R(2, 3)), ("SmoothL1Loss", R(2, 3), R(2, 3)),
                       ("HuberLoss", R(2, 3), R(2, 3)), ("KLDivLoss", R(2, 3), R(2, 3))]:
        bad_ctor = {"reduction_str": lambda L, n=name: getattr(L.nn, n)(reduction="average")}
        bad_fwd = {}
        if name in ("CrossEntropyLoss", "NLLLoss"):
            bad_fwd["label_equals_num_classes"] = lambda L, n=name: getattr(L.nn, n)()(L.zeros(2, 10), L.tensor([10, 0]))
            bad_fwd["label_negative"] = lambda L, n=name: getattr(L.nn, n)()(L.zeros(2, 10), L.tensor([-1, 0]))
        S.append(_layer(name, lambda L, n=name: getattr(L.nn, n)(), x, bad_ctor, bad_fwd, extra_inputs=(t,)))
    return S


def _params(L):
    return [L.nn.Parameter(L.ones(2, 3))]


def _specs_optim():
    S = []
    common = {
        "lr_nan": {"lr": float("nan")}, "lr_negative": {"lr": -1.0}, "lr_str": {"lr": "a"},
        "lr_inf": {"lr": float("inf")}, "weight_decay_nan": {"weight_decay": float("nan")},
        "weight_decay_negative": {"weight_decay": -0.1},
    }
    specific = {
        "SGD": {"momentum_negative": {"momentum": -0.5}, "momentum_nan": {"momentum": float("nan")},
                "nesterov_without_momentum": {"nesterov": True}},
        "Adam": {"beta1_nan": {"betas": (float("nan"), 0.999)}, "beta2_above_one": {"betas": (0.9, 1.5)},
                 "eps_negative": {"eps": -1e-8}, "eps_nan": {"eps": float("nan")}, "betas_str": {"betas": "ab"}},
        "AdamW": {"beta1_negative": {"betas": (-0.1, 0.999)}, "eps_nan": {"eps": float("nan")}},
        "RMSprop": {"alpha_negative": {"alpha": -0.5}, "alpha_nan": {"alpha": float("nan")}, "eps_negative": {"eps": -1.0},
                    "momentum_negative": {"momentum": -0.5}},
        "Adagrad": {"lr_decay_negative": {"lr_decay": -1.0}, "eps_negative": {"eps": -1.0},
                    "initial_accumulator_negative": {"initial_accumulator_value": -1.0}},
        "Adadelta": {"rho_above_one": {"rho": 1.5}, "rho_nan": {"rho": float("nan")}, "eps_negative": {"eps": -1.0}},
        "Adamax": {"beta2_above_one": {"betas": (0.9, 1.5)}, "eps_negative": {"eps": -1.0}},
        "NAdam": {"momentum_decay_negative": {"momentum_decay": -1.0}, "beta1_nan": {"betas": (float("nan"), 0.9)}},
        "RAdam": {"beta2_one": {"betas": (0.9, 1.0)}, "eps_nan": {"eps": float("nan")}},
        "ASGD": {},
        "Rprop": {"etas_swapped": {"etas": (1.2, 0.5)}},
    }
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"]:
        kw = {"lr": 0.1}
        bad = {}
        for case, over in {**common, **specific[name]}.items():
            bad[case] = lambda L, n=name, over=over: getattr(L.optim, n)(_params(L), **{**kw, **over})
        bad.update({
            "params_None": lambda L, n=name: getattr(L.optim, n)(None, lr=0.1),
            "params_empty": lambda L, n=name: getattr(L.optim, n)([], lr=0.1),
            "params_a_tensor": lambda L, n=name: getattr(L.optim, n)(L.nn.Parameter(L.ones(2)), lr=0.1),
            "params_str": lambda L, n=name: getattr(L.optim, n)("abc", lr=0.1),
            "params_int_tensor": lambda L, n=name: getattr(L.optim, n)([L.ones(2, dtype=L.int64)], lr=0.1),
            "params_list_of_numbers": lambda L, n=name: getattr(L.optim, n)([1.0, 2.0], lr=0.1),
            "params_duplicated": lambda L, n=name: (lambda p: getattr(L.optim, n)([p, p], lr=0.1))(L.nn.Parameter(L.ones(2))),
            "group_without_params": lambda L, n=name: getattr(L.optim, n)([{"lr": 0.1}], lr=0.1),
            "step_with_grad_of_wrong_shape": lambda L, n=name: _step_with_grad(L, n, L.ones(3)),
            "load_state_dict_wrong_groups": lambda L, n=name: getattr(L.optim, n)(_params(L), lr=0.1).load_state_dict(
                {"state": {}, "param_groups": []}),
        })
        S.append(Spec(name, "optim", lambda L, n=name: getattr(L.optim, n)(_params(L), lr=0.1), (), tensors=(), bad=bad,
                      names=("learning rate", "parameter", "params", "lr", "eps", "beta", "momentum", "weight_decay",
                             "alpha", "state_dict", "grad")))
    lbfgs = lambda L, **kw: L.optim.LBFGS(_params(L), **kw)  # noqa: E731
    S.append(Spec("LBFGS", "optim", lambda L: lbfgs(L), (), tensors=(),
                  bad={"lr_negative": lambda L: lbfgs(L, lr=-1.0),
                       "params_None": lambda L: L.optim.LBFGS(None),
                       "params_empty": lambda L: L.optim.LBFGS([]),
                       "two_groups": lambda L: L.optim.LBFGS([{"params": _params(L)}, {"params": _params(L)}]),
                       "line_search_unknown": lambda L: _lbfgs_step(L, line_search_fn="armijo"),
                       "step_without_closure": lambda L: lbfgs(L).step(),
                       "load_state_dict_wrong_groups": lambda L: lbfgs(L).load_state_dict({"state": {}, "param_groups": []})},
                  names=("learning rate", "params", "parameter", "closure", "strong_wolfe", "groups", "state dict")))
    return S


def _lbfgs_step(L, **kw):
    p = L.nn.Parameter(L.ones(2))
    opt = L.optim.LBFGS([p], **kw)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    return opt.step(closure)


def _step_with_grad(L, name, grad):
    p = L.nn.Parameter(L.ones(2))
    opt = getattr(L.optim, name)([p], lr=0.1)
    p.grad = grad
    opt.step()
    return p


def _specs_data():
    """minigrad.utils.data (issue 12): constructors and argument conflicts, checked without workers."""
    d = lambda L: L.utils.data      # noqa: E731

    def ds(L, n=4):
        return d(L).TensorDataset(L.arange(2.0 * n).reshape(n, 2), L.arange(n))

    def loader(L, **kw):
        return list(d(L).DataLoader(ds(L), **kw))

    def stream(L):
        return type("Stream", (d(L).IterableDataset,), {"__iter__": lambda self: iter(range(3))})()

    def weighted(L, w, n, replacement=True):
        return list(d(L).WeightedRandomSampler(w, n, replacement))

    S = [
        Spec("DataLoader", "data", lambda L: loader(L, batch_size=2), (), tensors=(), bad={
            "shuffle_with_sampler": lambda L: loader(L, shuffle=True, sampler=[0, 1]),
            "batch_sampler_with_batch_size": lambda L: loader(L, batch_size=2, batch_sampler=[[0]]),
            "batch_sampler_with_drop_last": lambda L: loader(L, drop_last=True, batch_sampler=[[0]]),
            "no_batching_with_drop_last": lambda L: loader(L, batch_size=None, drop_last=True),
            "batch_size_zero": lambda L: loader(L, batch_size=0),
            "batch_size_float": lambda L: loader(L, batch_size=1.5),
            "batch_size_str": lambda L: loader(L, batch_size="2"),
            "drop_last_str": lambda L: loader(L, drop_last="yes"),
            "num_workers_negative": lambda L: loader(L, num_workers=-1),
            "num_workers_str": lambda L: loader(L, num_workers="2"),
            "timeout_negative": lambda L: loader(L, timeout=-1.0),
            "prefetch_without_workers": lambda L: loader(L, prefetch_factor=2),
            "persistent_without_workers": lambda L: loader(L, persistent_workers=True),
            "context_without_workers": lambda L: loader(L, multiprocessing_context="spawn"),
            "context_unknown": lambda L: loader(L, num_workers=1, multiprocessing_context="threads"),
            "generator_str": lambda L: loader(L, shuffle=True, generator="seed"),
            "dataset_None": lambda L: list(d(L).DataLoader(None)),
            "ragged_samples": lambda L: list(d(L).DataLoader([L.ones(2), L.ones(3)], batch_size=2)),
            "object_samples": lambda L: list(d(L).DataLoader([object(), object()], batch_size=2)),
            "iterable_with_shuffle": lambda L: d(L).DataLoader(stream(L), shuffle=True),
            "set_batch_size_after_init": lambda L: setattr(d(L).DataLoader(ds(L)), "batch_size", 4),
        }),
        Spec("TensorDataset", "data", lambda L, a: d(L).TensorDataset(a, L.ones(2))[0], (R(2, 3),), bad={
            "size_mismatch": lambda L: d(L).TensorDataset(L.ones(3), L.ones(4)),
            "index_past_the_end": lambda L: ds(L)[4],
        }),
        Spec("random_split", "data", lambda L: d(L).random_split(range(10), [3, 7]), (), tensors=(), bad={
            "wrong_sum": lambda L: d(L).random_split(range(10), [3, 3]),
            "fraction_out_of_range": lambda L: d(L).random_split(range(10), [1.5, -0.5]),
            "lengths_None": lambda L: d(L).random_split(range(10), None),
            "lengths_str": lambda L: d(L).random_split(range(10), "37"),
            "dataset_without_len": lambda L: d(L).random_split(iter(range(10)), [3, 7]),
            "generator_str": lambda L: d(L).random_split(range(10), [3, 7], generator="seed"),
        }),
        Spec("RandomSampler", "data", lambda L: list(d(L).RandomSampler(range(5))), (), tensors=(), bad={
            "replacement_int": lambda L: d(L).RandomSampler(range(5), replacement=1),
            "num_samples_zero": lambda L: d(L).RandomSampler(range(5), num_samples=0),
            "num_samples_float": lambda L: d(L).RandomSampler(range(5), num_samples=2.5),
            "empty_data_source": lambda L: d(L).RandomSampler([]),
            "data_source_None": lambda L: d(L).RandomSampler(None),
        }),
        Spec("WeightedRandomSampler", "data", lambda L: weighted(L, [1.0, 2.0], 3), (), tensors=(), bad={
            "weights_2d": lambda L: weighted(L, [[1.0, 2.0]], 2),
            "weights_str": lambda L: weighted(L, "ab", 2),
            "weights_negative": lambda L: weighted(L, [1.0, -1.0], 2),
            "weights_all_zero": lambda L: weighted(L, [0.0, 0.0], 2),
            "num_samples_zero": lambda L: weighted(L, [1.0, 2.0], 0),
            "replacement_str": lambda L: weighted(L, [1.0, 2.0], 2, "yes"),
            "too_many_without_replacement": lambda L: weighted(L, [1.0, 0.0, 2.0], 3, False),
        }),
        Spec("BatchSampler", "data", lambda L: list(d(L).BatchSampler(range(5), 2, False)), (), tensors=(),
             bad={
            "batch_size_zero": lambda L: d(L).BatchSampler(range(5), 0, False),
            "batch_size_bool": lambda L: d(L).BatchSampler(range(5), True, False),
            "batch_size_float": lambda L: d(L).BatchSampler(range(5), 2.0, False),
            "drop_last_int": lambda L: d(L).BatchSampler(range(5), 2, 1),
            "sampler_None": lambda L: list(d(L).BatchSampler(None, 2, False)),
        }),
        Spec("SubsetRandomSampler", "data", lambda L: list(d(L).SubsetRandomSampler([3, 1])), (), tensors=(),
             bad={
            "indices_None": lambda L: list(d(L).SubsetRandomSampler(None)),
        }),
        Spec("ConcatDataset", "data", lambda L: d(L).ConcatDataset([[1, 2], [3]])[2], (), tensors=(), bad={
            "empty": lambda L: d(L).ConcatDataset([]),
            "of_an_iterable_dataset": lambda L: d(L).ConcatDataset([stream(L)]),
            "index_too_negative": lambda L: d(L).ConcatDataset([[1, 2], [3]])[-4],
            "index_past_the_end": lambda L: d(L).ConcatDataset([[1, 2], [3]])[3],
            "of_None": lambda L: d(L).ConcatDataset([None]),
        }),
        Spec("Subset", "data", lambda L: d(L).Subset([5, 6, 7], [2, 0])[1], (), tensors=(), bad={
            "index_past_the_end": lambda L: d(L).Subset([5, 6, 7], [2, 0])[2],
            "indices_past_the_dataset": lambda L: d(L).Subset([5, 6, 7], [3])[0],
        }),
        Spec("default_collate", "data", lambda L, a: d(L).default_collate([a, a]), (R(2, 3),), bad={
            "empty_batch": lambda L: d(L).default_collate([]),
            "ragged_tensors": lambda L: d(L).default_collate([L.ones(2), L.ones(3)]),
            "ragged_tuples": lambda L: d(L).default_collate([(1, 2), (3,)]),
            "tensor_beside_number": lambda L: d(L).default_collate([L.ones(2), 3]),
            "objects": lambda L: d(L).default_collate([object(), object()]),
            "string_arrays": lambda L: d(L).default_collate([np.array(["a"]), np.array(["b"])]),
            "missing_key": lambda L: d(L).default_collate([{"a": 1}, {"b": 2}]),
        }),
        Spec("default_convert", "data", lambda L, a: d(L).default_convert(a), (R(2, 3),)),
    ]
    return S


def _specs_tail():
    """The long tail of the tensor API (issue 19): special functions, shifts, reductions, shape,
    products, linalg, indexing writes and dtype utilities."""
    x, pos = R(2, 3), R(2, 3)
    S = [unary(name, group="ops-tail") for name in (
        "sinh", "cosh", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "erf", "erfc", "erfinv",
        "lgamma", "digamma", "logit", "nan_to_num", "frac", "sgn", "isposinf", "isneginf")]
    S += [binary(name, group="ops-tail") for name in (
        "logaddexp", "logaddexp2", "hypot", "atan2", "arctan2", "copysign", "xlogy", "fmax", "fmin", "float_power")]
    S += [binary(name, group="ops-tail", x=I([1, 2, 3]), y=I([3, 2, 1]),
                 bad={"float_tensors": lambda L, n=name: getattr(L, n)(L.ones(3), L.ones(3))})
          for name in ("bitwise_left_shift", "bitwise_right_shift")]
    S += [
        Spec("heaviside", "ops-tail", lambda L, a, b: L.heaviside(a, b), (x, R(1)), tensors=(0, 1),
             bad={"values_number": lambda L: L.heaviside(L.ones(2), 0.5),
                  "dtypes_differ": lambda L: L.heaviside(L.ones(2), L.ones(2, dtype=L.float64))}),
        Spec("polygamma", "ops-tail", lambda L, a: L.polygamma(1, a), (pos,),
             bad={"n_negative": lambda L: L.polygamma(-1, L.ones(2)),
                  "n_float": lambda L: L.polygamma(1.5, L.ones(2))}),
        Spec("lerp", "ops-tail", lambda L, a, b: L.lerp(a, b, 0.5), (x, x), tensors=(0, 1),
             bad={"int_tensors": lambda L: L.lerp(L.ones(2, dtype=L.int64), L.ones(2, dtype=L.int64), 0.5),
                  "shape_mismatch": lambda L: L.lerp(L.ones(2, 3), L.ones(4), 0.5)}),
        Spec("addcmul", "ops-tail", lambda L, a, b, c: L.addcmul(a, b, c, value=2), (x, x, x), tensors=(0, 1, 2),
             bad={"shape_mismatch": lambda L: L.addcmul(L.ones(2, 3), L.ones(4), L.ones(2, 3))}),
        Spec("addcdiv", "ops-tail", lambda L, a, b, c: L.addcdiv(a, b, c), (x, x, pos), tensors=(0, 1, 2),
             bad={"shape_mismatch": lambda L: L.addcdiv(L.ones(2, 3), L.ones(2, 3), L.ones(5))}),
    ]
    m = R(3, 3)
    S += [
        Spec("bmm", "ops-tail", lambda L, a, b: L.bmm(a, b), (R(2, 3, 4), R(2, 4, 2)), tensors=(0, 1),
             bad={"two_dims": lambda L: L.bmm(L.ones(3, 4), L.ones(4, 2)),
                  "batch_mismatch": lambda L: L.bmm(L.ones(2, 3, 4), L.ones(3, 4, 2)),
                  "inner_mismatch": lambda L: L.bmm(L.ones(2, 3, 4), L.ones(2, 5, 2))}),
        Spec("mv", "ops-tail", lambda L, a, b: L.mv(a, b), (R(2, 3), R(3)), tensors=(0, 1),
             bad={"matrix_vec": lambda L: L.mv(L.ones(2, 3), L.ones(3, 1)),
                  "size_mismatch": lambda L: L.mv(L.ones(2, 3), L.ones(4))}),
        Spec("dot", "ops-tail", lambda L, a, b: L.dot(a, b), (R(3), R(3)), tensors=(0, 1),
             bad={"size_mismatch": lambda L: L.dot(L.ones(3), L.ones(4)),
                  "matrix": lambda L: L.dot(L.ones(3, 3), L.ones(3))}),
        Spec("vdot", "ops-tail", lambda L, a, b: L.vdot(a, b), (R(3), R(3)), tensors=(0, 1),
             bad={"size_mismatch": lambda L: L.vdot(L.ones(3), L.ones(4))}),
        Spec("outer", "ops-tail", lambda L, a, b: L.outer(a, b), (R(3), R(2)), tensors=(0, 1),
             bad={"matrix": lambda L: L.outer(L.ones(3, 3), L.ones(3))}),
        Spec("ger", "ops-tail", lambda L, a, b: L.ger(a, b), (R(3), R(2)), tensors=(0, 1)),
        Spec("inner", "ops-tail", lambda L, a, b: L.inner(a, b), (R(2, 3), R(4, 3)), tensors=(0, 1),
             bad={"last_mismatch": lambda L: L.inner(L.ones(2, 3), L.ones(2, 4))}),
        Spec("tensordot", "ops-tail", lambda L, a, b: L.tensordot(a, b, 1), (R(2, 3), R(3, 4)), tensors=(0, 1),
             bad={"size_mismatch": lambda L: L.tensordot(L.ones(2, 3), L.ones(4, 4), 1),
                  "dims_negative": lambda L: L.tensordot(L.ones(2, 3), L.ones(3, 4), -1),
                  "dim_out_of_range": lambda L: L.tensordot(L.ones(2, 3), L.ones(3, 4), ([5], [0]))}),
        Spec("kron", "ops-tail", lambda L, a, b: L.kron(a, b), (R(2, 3), R(3, 2)), tensors=(0, 1)),
        Spec("cross", "ops-tail", lambda L, a, b: L.cross(a, b, dim=1), (R(2, 3), R(2, 3)), tensors=(0, 1),
             bad={"not_three": lambda L: L.cross(L.ones(2, 4), L.ones(2, 4), dim=1),
                  "dim_out_of_range": lambda L: L.cross(L.ones(2, 3), L.ones(2, 3), dim=3)}),
    ]
    for name in ("addmm", "baddbmm", "addbmm", "addmv", "addr"):
        shapes = {"addmm": ((3,), (2, 4), (4, 3)), "baddbmm": ((2, 3), (5, 2, 4), (5, 4, 3)),
                  "addbmm": ((2, 3), (5, 2, 4), (5, 4, 3)), "addmv": ((2,), (2, 4), (4,)),
                  "addr": ((2, 3), (2,), (3,))}[name]
        S.append(Spec(name, "ops-tail", lambda L, a, b, c, n=name: getattr(L, n)(a, b, c),
                      tuple(R(*sh) for sh in shapes), tensors=(0, 1, 2)))
    for name in ("inv", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "matrix_power"):
        call = (lambda L, a: L.linalg.matrix_power(a, 2)) if name == "matrix_power" else (
            lambda L, a, n=name: getattr(L.linalg, n)(a))
        S.append(Spec(name, "ops-tail", call, (m,),
                      bad={"not_square": lambda L, c=call: c(L, L.ones(2, 3)),
                           "vector": lambda L, c=call: c(L, L.ones(3)),
                           "int_matrix": lambda L, c=call: c(L, L.ones(3, 3, dtype=L.int64))}))
    S[-1].bad["n_float"] = lambda L: L.linalg.matrix_power(L.eye(2), 1.5)
    S[-7].bad["singular"] = lambda L: L.linalg.inv(L.zeros(2, 2))
    S[-4].bad["not_positive_definite"] = lambda L: L.linalg.cholesky(-L.eye(2))
    S[-4].bad["nan_pivot"] = lambda L: L.linalg.cholesky(L.tensor([[1.0, 0.0], [0.0, float("nan")]]))
    for name in ("svd", "svdvals", "qr", "pinv", "matrix_rank", "norm", "vector_norm", "matrix_norm"):
        S.append(Spec(name, "ops-tail", lambda L, a, n=name: getattr(L.linalg, n)(a), (R(3, 2),),
                      bad={"int_matrix": lambda L, n=name: getattr(L.linalg, n)(L.ones(3, 3, dtype=L.int64))}))
    S[-2].bad["inf_norm_of_empty"] = lambda L: L.linalg.vector_norm(L.ones(0, 3), float("inf"), dim=0)
    S[-2].bad["neg_inf_norm_of_empty"] = lambda L: L.linalg.vector_norm(L.ones(0), -float("inf"))
    S += [
        Spec("solve", "ops-tail", lambda L, a, b: L.linalg.solve(a, b), (lambda L: L.eye(3) * 2, R(3, 2)), tensors=(0, 1),
             bad={"shape_mismatch": lambda L: L.linalg.solve(L.eye(3), L.ones(4, 2)),
                  "singular": lambda L: L.linalg.solve(L.zeros(2, 2), L.ones(2)),
                  "dtypes_differ": lambda L: L.linalg.solve(L.eye(2), L.ones(2, dtype=L.float64))}),
        Spec("multi_dot", "ops-tail", lambda L, a, b: L.linalg.multi_dot([a, b]), (R(2, 3), R(3, 2)), tensors=(0, 1)),
        Spec("vecdot", "ops-tail", lambda L, a, b: L.linalg.vecdot(a, b), (R(2, 3), R(2, 3)), tensors=(0, 1)),
    ]
    x3 = R(2, 3, 4)
    calls = {  # name -> (valid call, its bad calls)
        "diagonal": (lambda L, a: L.diagonal(a, 0, 1, 2), {"same_dims": lambda L: L.diagonal(L.ones(2, 3), 0, 1, 1),
                                                          "dim_out_of_range": lambda L: L.diagonal(L.ones(2, 3), 0, 0, 2)}),
        "diag_embed": (lambda L, a: L.diag_embed(a), {"same_dims": lambda L: L.diag_embed(L.ones(2), 0, 0, 0)}),
        "diag": (lambda L, a: L.diag(a[0]), {"three_dims": lambda L: L.diag(L.ones(2, 2, 2))}),
        "trace": (lambda L, a: L.trace(a[0]), {"vector": lambda L: L.trace(L.ones(3))}),
        "select": (lambda L, a: L.select(a, 1, 2), {"index_out_of_range": lambda L: L.select(L.ones(2, 3), 1, 3),
                                                   "dim_out_of_range": lambda L: L.select(L.ones(2, 3), 2, 0)}),
        "movedim": (lambda L, a: L.movedim(a, 0, -1), {"count_mismatch": lambda L: L.movedim(L.ones(2, 3), (0, 1), 0),
                                                      "repeated": lambda L: L.movedim(L.ones(2, 3), (0, 0), (0, 1))}),
        "moveaxis": (lambda L, a: L.moveaxis(a, 0, 1), {"dim_out_of_range": lambda L: L.moveaxis(L.ones(2, 3), 2, 0)}),
        "broadcast_to": (lambda L, a: L.broadcast_to(a, (2, 2, 3, 4)), {"bad_shape": lambda L: L.broadcast_to(L.ones(2, 3), (4, 3))}),
        "broadcast_tensors": (lambda L, a: L.broadcast_tensors(a, L.ones(4)), {"mismatch": lambda L: L.broadcast_tensors(L.ones(2, 3), L.ones(4))}),
        "broadcast_shapes": (lambda L, a: L.broadcast_shapes(a.shape, (4,)), {"mismatch": lambda L: L.broadcast_shapes((2, 3), (4,))}),
        "atleast_1d": (lambda L, a: L.atleast_1d(a), {}),
        "atleast_2d": (lambda L, a: L.atleast_2d(a), {}),
        "atleast_3d": (lambda L, a: L.atleast_3d(a), {}),
        "tile": (lambda L, a: L.tile(a, (2,)), {}),
        "repeat_interleave": (lambda L, a: L.repeat_interleave(a, 2, dim=1),
                              {"negative": lambda L: L.repeat_interleave(L.ones(3), -1),
                               "counts_size": lambda L: L.repeat_interleave(L.ones(3), L.tensor([1, 2]), dim=0)}),
        "tensor_split": (lambda L, a: L.tensor_split(a, 2, 2), {"zero_sections": lambda L: L.tensor_split(L.ones(4), 0)}),
        "hsplit": (lambda L, a: L.hsplit(a, 3), {"not_divisible": lambda L: L.hsplit(L.ones(2, 3), 2)}),
        "vsplit": (lambda L, a: L.vsplit(a, 2), {"one_dim": lambda L: L.vsplit(L.ones(4), 2)}),
        "dsplit": (lambda L, a: L.dsplit(a, 2), {"two_dims": lambda L: L.dsplit(L.ones(2, 4), 2)}),
        "hstack": (lambda L, a: L.hstack([a, a]), {"mismatch": lambda L: L.hstack([L.ones(2, 3), L.ones(3, 3)])}),
        "vstack": (lambda L, a: L.vstack([a, a]), {"mismatch": lambda L: L.vstack([L.ones(2, 3), L.ones(2, 4)])}),
        "row_stack": (lambda L, a: L.row_stack([a, a]), {}),
        "dstack": (lambda L, a: L.dstack([a, a]), {"mismatch": lambda L: L.dstack([L.ones(2, 3), L.ones(3, 3)])}),
        "column_stack": (lambda L, a: L.column_stack([a[0], a[0]]), {}),
        "ravel": (lambda L, a: L.ravel(a), {}),
        "rot90": (lambda L, a: L.rot90(a, 1, (1, 2)), {"same_dims": lambda L: L.rot90(L.ones(2, 3), 1, (0, 0))}),
        "fliplr": (lambda L, a: L.fliplr(a), {"vector": lambda L: L.fliplr(L.ones(3))}),
        "flipud": (lambda L, a: L.flipud(a), {"zero_dim": lambda L: L.flipud(L.tensor(1.0))}),
        "meshgrid": (lambda L, a: L.meshgrid(a[0, 0], a[0, 0], indexing="ij"),
                     {"bad_indexing": lambda L: L.meshgrid(L.ones(2), indexing="ab")}),
        "cartesian_prod": (lambda L, a: L.cartesian_prod(a[0, 0], a[0, 0]), {}),
        "combinations": (lambda L, a: L.combinations(a[0, 0]), {"matrix": lambda L: L.combinations(L.ones(2, 2))}),
        "block_diag": (lambda L, a: L.block_diag(a[0], a[1]), {"three_dims": lambda L: L.block_diag(L.ones(2, 2, 2))}),
        "cdist": (lambda L, a: L.cdist(a, a), {"columns": lambda L: L.cdist(L.ones(2, 3), L.ones(2, 4)),
                                              "vector": lambda L: L.cdist(L.ones(3), L.ones(3)),
                                              "negative_p": lambda L: L.cdist(L.ones(2, 3), L.ones(2, 3), p=-1.0)}),
        "cumprod": (lambda L, a: L.cumprod(a, 1), {"dim_out_of_range": lambda L: L.cumprod(L.ones(2, 3), 2)}),
        "cummax": (lambda L, a: L.cummax(a, 1), {"dim_out_of_range": lambda L: L.cummax(L.ones(2, 3), 2)}),
        "cummin": (lambda L, a: L.cummin(a, 0), {"dim_out_of_range": lambda L: L.cummin(L.ones(2, 3), -3)}),
        "logcumsumexp": (lambda L, a: L.logcumsumexp(a, 1), {"dim_out_of_range": lambda L: L.logcumsumexp(L.ones(2), 1)}),
        "median": (lambda L, a: L.median(a, 1), {"dim_out_of_range": lambda L: L.median(L.ones(2, 3), 2)}),
        "quantile": (lambda L, a: L.quantile(a, 0.5, dim=1), {"q_above_one": lambda L: L.quantile(L.ones(3), 1.5),
                                                            "bad_interpolation": lambda L: L.quantile(L.ones(3), 0.5, interpolation="x")}),
        "nanquantile": (lambda L, a: L.nanquantile(a, 0.5), {"q_negative": lambda L: L.nanquantile(L.ones(3), -0.1)}),
        "nansum": (lambda L, a: L.nansum(a, 1), {"dim_out_of_range": lambda L: L.nansum(L.ones(2, 3), 2)}),
        "nanmean": (lambda L, a: L.nanmean(a, 1), {"dim_out_of_range": lambda L: L.nanmean(L.ones(2, 3), 2)}),
        "var_mean": (lambda L, a: L.var_mean(a, 1), {"dim_out_of_range": lambda L: L.var_mean(L.ones(2, 3), 2)}),
        "std_mean": (lambda L, a: L.std_mean(a, 1), {"dim_out_of_range": lambda L: L.std_mean(L.ones(2, 3), 2)}),
        "aminmax": (lambda L, a: L.aminmax(a, dim=1), {"dim_out_of_range": lambda L: L.aminmax(L.ones(2, 3), dim=2)}),
        "count_nonzero": (lambda L, a: L.count_nonzero(a, 1), {"dim_out_of_range": lambda L: L.count_nonzero(L.ones(2, 3), 2)}),
    }
    S += [Spec(name, "ops-tail", call, (x3,), bad=bad) for name, (call, bad) in calls.items()]
    return S


def _tail_layer(name, ctor, x):
    spec = _layer(name, ctor, x)
    spec.group = "nn-tail"
    return spec


def _specs_nn_tail():
    """The nn long tail of issue 19: functions and layers, each with its own bad values."""
    F = lambda L: L.nn.functional       # noqa: E731
    nn = lambda L: L.nn                 # noqa: E731

    def fn(name, *args, bad=None, call=None, tensors=(0,)):
        call = call or (lambda L, *a, n=name: getattr(F(L), n)(*a))
        return Spec(name, "nn-tail", call, args, tensors=tensors, bad=bad or {})

    S = [fn(n, R(2, 4)) for n in ("relu6", "hardsigmoid", "hardswish", "mish", "selu", "softsign", "tanhshrink")]
    S += [
        fn("hardtanh", R(2, 3), bad={"min_above_max": lambda L: F(L).hardtanh(L.ones(2), 1.0, -1.0)}),
        fn("celu", R(2, 3), bad={"alpha_str": lambda L: F(L).celu(L.ones(2), "a")}),
        fn("threshold", R(2, 3), call=lambda L, a: F(L).threshold(a, 0.5, 0.0),
           bad={"threshold_str": lambda L: F(L).threshold(L.ones(2), "a", 0.0)}),
        fn("hardshrink", R(2, 3), bad={"lambd_str": lambda L: F(L).hardshrink(L.ones(2), "a")}),
        fn("softshrink", R(2, 3), bad={"lambd_negative": lambda L: F(L).softshrink(L.ones(2), -1.0)}),
        fn("softmin", R(2, 3), call=lambda L, a: F(L).softmin(a, 1),
           bad={"dim_out_of_range": lambda L: F(L).softmin(L.ones(2, 3), 2)}),
        fn("glu", R(2, 4), bad={"odd_dim": lambda L: F(L).glu(L.ones(2, 3)), "scalar": lambda L: F(L).glu(L.tensor(1.0))}),
        fn("prelu", R(2, 3), R(1), tensors=(0, 1),
           bad={"weight_count": lambda L: F(L).prelu(L.ones(2, 3), L.ones(2))}),
        fn("normalize", R(2, 3), bad={"dim_out_of_range": lambda L: F(L).normalize(L.ones(2, 3), dim=2)}),
        fn("cosine_similarity", R(2, 3), R(2, 3), tensors=(0, 1),
           bad={"no_broadcast": lambda L: F(L).cosine_similarity(L.ones(2, 3), L.ones(4, 3)),
                "dim_out_of_range": lambda L: F(L).cosine_similarity(L.ones(2, 3), L.ones(2, 3), 2)}),
        fn("pairwise_distance", R(2, 3), R(2, 3), tensors=(0, 1),
           bad={"no_broadcast": lambda L: F(L).pairwise_distance(L.ones(2, 3), L.ones(2, 4))}),
        fn("group_norm", R(2, 4, 3), call=lambda L, a: F(L).group_norm(a, 2),
           bad={"groups_not_dividing": lambda L: F(L).group_norm(L.ones(2, 4, 3), 3),
                "weight_shape": lambda L: F(L).group_norm(L.ones(2, 4, 3), 2, L.ones(3))}),
        fn("instance_norm", R(2, 3, 4),
           bad={"input_2d": lambda L: F(L).instance_norm(L.ones(2, 3)),
                "stats_shape": lambda L: F(L).instance_norm(L.ones(2, 3, 4), L.zeros(4), L.ones(4), use_input_stats=False)}),
        fn("local_response_norm", R(2, 3, 4), call=lambda L, a: F(L).local_response_norm(a, 2),
           bad={"input_2d": lambda L: F(L).local_response_norm(L.ones(2, 3), 2)}),
        fn("pixel_shuffle", R(1, 4, 2, 2), call=lambda L, a: F(L).pixel_shuffle(a, 2),
           bad={"channels_not_dividing": lambda L: F(L).pixel_shuffle(L.ones(1, 3, 2, 2), 2),
                "input_2d": lambda L: F(L).pixel_shuffle(L.ones(4, 4), 2)}),
        fn("pixel_unshuffle", R(1, 1, 4, 4), call=lambda L, a: F(L).pixel_unshuffle(a, 2),
           bad={"size_not_dividing": lambda L: F(L).pixel_unshuffle(L.ones(1, 1, 3, 4), 2)}),
    ]
    for nd, x in ((1, R(1, 2, 6)), (3, R(1, 2, 4, 4, 4))):
        small = (1, 1) + (2,) * nd
        S += [
            fn(f"max_pool{nd}d", x, call=lambda L, a, nd=nd: getattr(F(L), f"max_pool{nd}d")(a, 2),
               bad={"kernel_zero": lambda L, nd=nd: getattr(F(L), f"max_pool{nd}d")(L.ones(*small), 0),
                    "kernel_too_big": lambda L, nd=nd, s=small: getattr(F(L), f"max_pool{nd}d")(L.ones(*s), 3),
                    "padding_too_big": lambda L, nd=nd, s=small: getattr(F(L), f"max_pool{nd}d")(L.ones(*s), 2, padding=2),
                    "input_wrong_ndim": lambda L, nd=nd: getattr(F(L), f"max_pool{nd}d")(L.ones(4), 2)}),
            fn(f"avg_pool{nd}d", x, call=lambda L, a, nd=nd: getattr(F(L), f"avg_pool{nd}d")(a, 2),
               bad={"kernel_zero": lambda L, nd=nd, s=small: getattr(F(L), f"avg_pool{nd}d")(L.ones(*s), 0),
                    "stride_negative": lambda L, nd=nd, s=small: getattr(F(L), f"avg_pool{nd}d")(L.ones(*s), 2, -1)}),
            fn(f"adaptive_avg_pool{nd}d", x, call=lambda L, a, nd=nd: getattr(F(L), f"adaptive_avg_pool{nd}d")(a, 2),
               bad={"output_zero": lambda L, nd=nd, s=small: getattr(F(L), f"adaptive_avg_pool{nd}d")(L.ones(*s), 0),
                    "output_str": lambda L, nd=nd, s=small: getattr(F(L), f"adaptive_avg_pool{nd}d")(L.ones(*s), "a")}),
            fn(f"max_unpool{nd}d", x, I([[[0] * 2] * 2]), call=lambda L, a, i, nd=nd: getattr(F(L), f"max_unpool{nd}d")(
                   *getattr(F(L), f"max_pool{nd}d")(a, 2, return_indices=True), 2), tensors=(0,),
               bad={"index_out_of_range": lambda L, nd=nd: getattr(F(L), f"max_unpool{nd}d")(
                   L.ones((1, 1) + (1,) * nd), L.full((1, 1) + (1,) * nd, 99, dtype=L.int64), 2)}),
        ]
    for nd, x in ((1, R(1, 2, 6)), (2, R(1, 2, 4, 4)), (3, R(1, 2, 4, 4, 4))):
        S.append(fn(f"adaptive_max_pool{nd}d", x, call=lambda L, a, nd=nd: getattr(F(L), f"adaptive_max_pool{nd}d")(a, 2),
                    bad={"output_zero": lambda L, nd=nd: getattr(F(L), f"adaptive_max_pool{nd}d")(L.ones((1, 1) + (2,) * nd), 0)}))
    S += [
        fn("max_unpool2d", R(1, 1, 4, 4), call=lambda L, a: F(L).max_unpool2d(*F(L).max_pool2d(a, 2, return_indices=True), 2),
           bad={"index_out_of_range": lambda L: F(L).max_unpool2d(L.ones(1, 1, 1, 1), L.full((1, 1, 1, 1), 99, dtype=L.int64), 2),
                "indices_shape": lambda L: F(L).max_unpool2d(L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 1, dtype=L.int64), 2)}),
        fn("lp_pool1d", R(1, 2, 6), call=lambda L, a: F(L).lp_pool1d(a, 2, 2),
           bad={"kernel_zero": lambda L: F(L).lp_pool1d(L.ones(1, 1, 4), 2, 0)}),
        fn("lp_pool2d", R(1, 2, 4, 4), call=lambda L, a: F(L).lp_pool2d(a, 2, 2),
           bad={"kernel_too_big": lambda L: F(L).lp_pool2d(L.ones(1, 1, 2, 2), 2, 3)}),
    ]
    S += [
        fn("interpolate", R(1, 2, 3, 4), call=lambda L, a: F(L).interpolate(a, scale_factor=2),
           bad={"mode_str": lambda L: F(L).interpolate(L.ones(1, 1, 2, 2), scale_factor=2, mode="cubic"),
                "both_size_and_scale": lambda L: F(L).interpolate(L.ones(1, 1, 2, 2), size=3, scale_factor=2),
                "linear_of_4d": lambda L: F(L).interpolate(L.ones(1, 1, 2, 2), scale_factor=2, mode="linear"),
                "size_length": lambda L: F(L).interpolate(L.ones(1, 1, 2, 2), size=(3, 3, 3)),
                "align_corners_nearest": lambda L: F(L).interpolate(L.ones(1, 1, 2, 2), size=3, align_corners=True)}),
        fn("upsample", R(1, 2, 3, 4), call=lambda L, a: F(L).interpolate(a, size=5)),
        fn("unfold", R(1, 2, 4, 4), call=lambda L, a: F(L).unfold(a, 2),
           bad={"kernel_too_big": lambda L: F(L).unfold(L.ones(1, 1, 2, 2), 3),
                "input_2d": lambda L: F(L).unfold(L.ones(4, 4), 2)}),
        fn("fold", R(1, 4, 9), call=lambda L, a: F(L).fold(a, (4, 4), 2),
           bad={"blocks_mismatch": lambda L: F(L).fold(L.ones(1, 4, 8), (4, 4), 2),
                "channels_not_dividing": lambda L: F(L).fold(L.ones(1, 5, 9), (4, 4), 2)}),
        _tail_layer("Upsample", lambda L: L.nn.Upsample(scale_factor=2), R(1, 2, 3, 4)),
        _tail_layer("UpsamplingNearest2d", lambda L: L.nn.UpsamplingNearest2d(scale_factor=2), R(1, 2, 3, 4)),
        _tail_layer("UpsamplingBilinear2d", lambda L: L.nn.UpsamplingBilinear2d(scale_factor=2), R(1, 2, 3, 4)),
        _tail_layer("Unfold", lambda L: L.nn.Unfold(2), R(1, 2, 4, 4)),
        _tail_layer("Fold", lambda L: L.nn.Fold((4, 4), 2), R(1, 4, 9)),
    ]
    # losses: targets of +1 / -1 (or class indices)
    pair = (R(3, 4), R(3, 4))
    S += [
        fn("margin_ranking_loss", R(4), R(4), T(4), tensors=(0, 1, 2),
           bad={"shape_mismatch": lambda L: F(L).margin_ranking_loss(L.ones(4), L.ones(3), L.ones(4))}),
        fn("hinge_embedding_loss", *pair, tensors=(0, 1),
           bad={"reduction_str": lambda L: F(L).hinge_embedding_loss(L.ones(2), L.ones(2), reduction="avg")}),
        fn("soft_margin_loss", *pair, tensors=(0, 1),
           bad={"shape_mismatch": lambda L: F(L).soft_margin_loss(L.ones(3, 4), L.ones(5, 4))}),
        fn("multilabel_soft_margin_loss", *pair, tensors=(0, 1),
           bad={"shape_mismatch": lambda L: F(L).multilabel_soft_margin_loss(L.ones(3, 4), L.ones(3, 5))}),
        fn("multi_margin_loss", R(2, 4), I([1, 3]), tensors=(0, 1),
           bad={"label_out_of_range": lambda L: F(L).multi_margin_loss(L.ones(2, 4), L.tensor([1, 4])),
                "p_three": lambda L: F(L).multi_margin_loss(L.ones(2, 4), L.tensor([1, 3]), p=3),
                "batch_mismatch": lambda L: F(L).multi_margin_loss(L.ones(2, 4), L.tensor([1, 3, 0]))}),
        fn("cosine_embedding_loss", R(2, 3), R(2, 3), T(2), tensors=(0, 1, 2),
           bad={"shape_mismatch": lambda L: F(L).cosine_embedding_loss(L.ones(2, 3), L.ones(2, 4), L.ones(2))}),
        fn("triplet_margin_loss", R(2, 3), R(2, 3), R(2, 3), tensors=(0, 1, 2),
           bad={"shape_mismatch": lambda L: F(L).triplet_margin_loss(L.ones(2, 3), L.ones(2, 4), L.ones(2, 3))}),
        fn("poisson_nll_loss", *pair, tensors=(0, 1),
           bad={"reduction_str": lambda L: F(L).poisson_nll_loss(L.ones(2), L.ones(2), reduction="avg")}),
        fn("gaussian_nll_loss", R(3, 4), R(3, 4), T(3, 4), tensors=(0, 1, 2),
           bad={"var_negative": lambda L: F(L).gaussian_nll_loss(L.ones(2), L.ones(2), L.full((2,), -1.0)),
                "var_shape": lambda L: F(L).gaussian_nll_loss(L.ones(3, 4), L.ones(3, 4), L.ones(3, 2))}),
    ]

    def layer(name, ctor, x, bad=None, extra=()):
        spec = _layer(name, ctor, x, None, bad, extra)
        spec.group = "nn-tail"
        return spec

    x = R(2, 3)
    S += [layer(n, lambda L, n=n: getattr(nn(L), n)(), x)
          for n in ("ReLU6", "Hardsigmoid", "Hardswish", "Mish", "SELU", "CELU", "Softsign", "Tanhshrink",
                    "LogSigmoid", "Hardshrink", "Softshrink", "Hardtanh", "PReLU")]
    S += [
        layer("Threshold", lambda L: nn(L).Threshold(0.1, 0.0), x),
        layer("Softmin", lambda L: nn(L).Softmin(1), x, {"dim_out_of_range": lambda L: nn(L).Softmin(3)(L.ones(2, 3))}),
        layer("GLU", lambda L: nn(L).GLU(), R(2, 4), {"odd": lambda L: nn(L).GLU()(L.ones(2, 3))}),
        layer("CosineSimilarity", lambda L: nn(L).CosineSimilarity(), x, extra=(R(2, 3),)),
        layer("PairwiseDistance", lambda L: nn(L).PairwiseDistance(), x, extra=(R(2, 3),)),
        layer("GroupNorm", lambda L: nn(L).GroupNorm(2, 4), R(2, 4, 3),
              {"channels": lambda L: nn(L).GroupNorm(2, 4)(L.ones(2, 6, 3)), "ctor_not_dividing": lambda L: nn(L).GroupNorm(3, 4)}),
        layer("LocalResponseNorm", lambda L: nn(L).LocalResponseNorm(2), R(2, 3, 4)),
        layer("PixelShuffle", lambda L: nn(L).PixelShuffle(2), R(1, 4, 2, 2)),
        layer("PixelUnshuffle", lambda L: nn(L).PixelUnshuffle(2), R(1, 1, 4, 4)),
        layer("LPPool1d", lambda L: nn(L).LPPool1d(2, 2), R(1, 2, 6)),
        layer("LPPool2d", lambda L: nn(L).LPPool2d(2, 2), R(1, 2, 4, 4)),
        layer("AdaptiveMaxPool1d", lambda L: nn(L).AdaptiveMaxPool1d(2), R(1, 2, 6)),
        layer("AdaptiveMaxPool2d", lambda L: nn(L).AdaptiveMaxPool2d(2), R(1, 2, 4, 4)),
        layer("AdaptiveMaxPool3d", lambda L: nn(L).AdaptiveMaxPool3d(2), R(1, 2, 4, 4, 4)),
        layer("AdaptiveAvgPool1d", lambda L: nn(L).AdaptiveAvgPool1d(2), R(1, 2, 6)),
        layer("AdaptiveAvgPool3d", lambda L: nn(L).AdaptiveAvgPool3d(2), R(1, 2, 4, 4, 4)),
        layer("MaxPool1d", lambda L: nn(L).MaxPool1d(2), R(1, 2, 6), {"too_small": lambda L: nn(L).MaxPool1d(3)(L.ones(1, 1, 2))}),
        layer("MaxPool3d", lambda L: nn(L).MaxPool3d(2), R(1, 2, 4, 4, 4)),
        layer("AvgPool1d", lambda L: nn(L).AvgPool1d(2), R(1, 2, 6)),
        layer("AvgPool3d", lambda L: nn(L).AvgPool3d(2), R(1, 2, 4, 4, 4)),
        layer("MaxUnpool1d", lambda L: lambda a: nn(L).MaxUnpool1d(2)(*nn(L).MaxPool1d(2, return_indices=True)(a)), R(1, 2, 6)),
        layer("MaxUnpool2d", lambda L: lambda a: nn(L).MaxUnpool2d(2)(*nn(L).MaxPool2d(2, return_indices=True)(a)), R(1, 2, 4, 4)),
        layer("MaxUnpool3d", lambda L: lambda a: nn(L).MaxUnpool3d(2)(*nn(L).MaxPool3d(2, return_indices=True)(a)), R(1, 2, 4, 4, 4)),
    ]
    for n in (1, 2, 3):
        S += [layer(f"InstanceNorm{n}d", lambda L, n=n: getattr(nn(L), f"InstanceNorm{n}d")(2), R(*(2, 2) + (3,) * n))]
        for kind in ("Reflection", "Replication", "Circular", "Zero"):
            S.append(layer(f"{kind}Pad{n}d", lambda L, k=kind, n=n: getattr(nn(L), f"{k}Pad{n}d")(1), R(*(1, 2) + (3,) * n)))
        S.append(layer(f"ConstantPad{n}d", lambda L, n=n: getattr(nn(L), f"ConstantPad{n}d")(1, 0.5), R(*(1, 2) + (3,) * n)))
    S += [
        layer("MarginRankingLoss", lambda L: nn(L).MarginRankingLoss(), R(4), extra=(R(4), T(4))),
        layer("HingeEmbeddingLoss", lambda L: nn(L).HingeEmbeddingLoss(), x, extra=(T(2, 3),)),
        layer("SoftMarginLoss", lambda L: nn(L).SoftMarginLoss(), x, extra=(T(2, 3),)),
        layer("MultiLabelSoftMarginLoss", lambda L: nn(L).MultiLabelSoftMarginLoss(), x, extra=(T(2, 3),)),
        layer("MultiMarginLoss", lambda L: nn(L).MultiMarginLoss(), x, extra=(I([0, 2]),)),
        layer("CosineEmbeddingLoss", lambda L: nn(L).CosineEmbeddingLoss(), x, extra=(R(2, 3), T(2))),
        layer("TripletMarginLoss", lambda L: nn(L).TripletMarginLoss(), x, extra=(R(2, 3), R(2, 3))),
        layer("PoissonNLLLoss", lambda L: nn(L).PoissonNLLLoss(), x, extra=(T(2, 3),)),
        layer("GaussianNLLLoss", lambda L: nn(L).GaussianNLLLoss(), x, extra=(R(2, 3), T(2, 3))),
    ]
    return S


def all_specs():
    return (_specs_ops() + _specs_search_index() + _specs_learner_ops() + _specs_tail() + _specs_creation() + _specs_devices() + _specs_functional()
            + _specs_layers() + _specs_optim() + _specs_data() + _specs_nn_tail())


@dataclass
class Case:
    id: str
    spec: Spec
    fn: object          # fn(L) performs the call


def _substituted(spec, pos, bad):
    def fn(L):
        args = [a(L) for a in spec.args]
        args[pos] = bad(L)
        return spec.call(L, *args)
    return fn


def all_cases():
    """Every (op, bad input) pair: a list of Cases with unique ids."""
    cases = []
    for spec in all_specs():
        prefix = f"{spec.group}:{spec.name}"
        for pos in spec.tensors:
            for bad_name, bad in generic_bad_values(spec.args[pos]).items():
                cases.append(Case(f"{prefix}:arg{pos}={bad_name}", spec, _substituted(spec, pos, bad)))
        for bad_name, fn in spec.bad.items():
            cases.append(Case(f"{prefix}:{bad_name}", spec, fn))
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases


CHUNKS = ("ops-unary", "ops-binary", "ops-reduce", "ops-shape", "ops-join", "ops-index", "ops-learner", "ops-tail",
          "creation", "devices", "nn-functional", "nn-loss", "nn-layer", "optim", "data", "nn-tail", "foreign")


def chunk_of(case):
    return "foreign" if case.id.endswith("=foreign_tensor") else case.spec.group


# fmt: on
# ----------------------------------------------------------------------------- running

ALLOWED = ("TypeError", "ValueError", "IndexError", "RuntimeError", "NotImplementedError")


def run_case(case, L):
    """Outcome of one case on library L: ok / raised (with the exception's class chain)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # as under pytest: a warning is a failure
            case.fn(L)
    except Warning as w:
        return {"kind": "warning", "type": type(w).__name__, "mro": [], "msg": str(w)[:300]}
    except Exception as e:  # noqa: BLE001 - classifying every exception is the point
        return {
            "kind": "raised",
            "type": type(e).__name__,
            "mro": [k.__name__ for k in type(e).__mro__],
            "msg": str(e)[:300],
        }
    return {"kind": "ok"}


def main(argv):
    chunk = argv[argv.index("--chunk") + 1]
    import minigrad

    for case in all_cases():
        if chunk_of(case) != chunk:
            continue
        sys.stderr.write(f"START {case.id}\n")
        sys.stderr.flush()
        result = run_case(case, minigrad)
        result["id"] = case.id
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv)
