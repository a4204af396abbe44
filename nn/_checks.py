"""Input checks shared by the layers.

A bad input raises PyTorch's exception type and first sentence (when PyTorch has one),
then says which layer got what and what it expects:
``mat1 and mat2 shapes cannot be multiplied (32x65 and 64x10): Linear(64→10) got input of
shape (32, 65); expected (*, 64)``.
"""


def shape_str(shape):
    shape = tuple(shape)
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def bad_input(layer, shape, expected, first="", exc=RuntimeError):
    """The error for ``layer`` (its short description) getting an input of ``shape``."""
    lead = f"{first}: " if first else ""
    return exc(f"{lead}{layer} got input of shape {shape_str(shape)}; expected {expected}")
