"""Flatten and Unflatten: reshapes as layers (views, so gradients flow back unchanged)."""

import math

from .module import Module


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one: (N, C, H, W) -> (N, C*H*W) by default.

    ``start_dim``: the first dim merged (default 1, keeping the batch); ``end_dim``: the last.

    >>> nn.Flatten()(minigrad.zeros(32, 1, 5, 5)).shape
    minigrad.Size([32, 25])
    >>> nn.Flatten(0, 2)(minigrad.zeros(32, 1, 5, 5)).shape
    minigrad.Size([160, 5])
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def unflatten(input, dim, sizes):
    """Split dimension ``dim`` of ``input`` into ``sizes`` (one may be -1).

    ``input``: any tensor; ``dim``: the dimension to split; ``sizes``: the new sizes, whose
    product is that dimension's size.

    >>> F.unflatten(minigrad.zeros(2, 6), 1, (2, -1)).shape
    minigrad.Size([2, 2, 3])
    """
    shape = tuple(input.shape)
    d = dim % len(shape) if shape else 0
    sizes = tuple(sizes)
    known = math.prod(s for s in sizes if s != -1)
    if -1 in sizes and known:
        sizes = tuple(shape[d] // known if s == -1 else s for s in sizes)
    if math.prod(sizes) != shape[d]:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{dim} ({shape[d]}) in the input tensor of shape {shape}"
        )
    return input.reshape(shape[:d] + sizes + shape[d + 1 :])


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: Unflatten(1, (2, 3)) maps (N, 6) to (N, 2, 3).

    ``dim``: the dim split; ``unflattened_size``: the sizes it becomes (their product is its size).

    >>> nn.Unflatten(1, (2, 5))(minigrad.zeros(3, 10)).shape
    minigrad.Size([3, 2, 5])
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        return unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
