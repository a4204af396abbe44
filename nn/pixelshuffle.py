"""pixel_shuffle / pixel_unshuffle and their layers: (*, C*r*r, H, W) <-> (*, C, H*r, W*r).

Pure reshapes and one permute, so the gradient is the inverse rearrangement.
"""

from .module import Module


def pixel_shuffle(input, upscale_factor):
    """Move r*r channel groups into r x r spatial blocks: (*, C r^2, H, W) -> (*, C, H r, W r).

    ``input``: a tensor of at least 3 dims; ``upscale_factor``: r.

    >>> F.pixel_shuffle(minigrad.arange(4.0).reshape(1, 4, 1, 1), 2)
    tensor([[[[0., 1.],
              [2., 3.]]]])
    """
    r = int(upscale_factor)
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise RuntimeError(
            f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
            f"upscale_factor, but input.size(-3)={input.shape[-3] if input.ndim >= 3 else None} is not "
            f"divisible by {r * r} (input of shape {tuple(input.shape)})"
        )
    *lead, c, h, w = input.shape
    lead, n = tuple(lead), len(lead)
    x = input.reshape(lead + (c // (r * r), r, r, h, w))
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(lead + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """Move r x r spatial blocks into r*r channel groups (the inverse of pixel_shuffle).

    ``input``: (*, C, H r, W r); ``downscale_factor``: r. The result is (*, C r^2, H, W).

    >>> F.pixel_unshuffle(minigrad.arange(4.0).reshape(1, 1, 2, 2), 2).flatten()
    tensor([0., 1., 2., 3.])
    """
    r = int(downscale_factor)
    if input.ndim < 3 or input.shape[-1] % r or input.shape[-2] % r:
        raise RuntimeError(
            f"pixel_unshuffle expects height and width to be divisible by downscale_factor={r}, "
            f"got input of shape {tuple(input.shape)}"
        )
    *lead, c, h, w = input.shape
    lead, n = tuple(lead), len(lead)
    x = input.reshape(lead + (c, h // r, r, w // r, r))
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(lead + (c * r * r, h // r, w // r))


class PixelShuffle(Module):
    """Rearranges channels into space: (*, C * r^2, H, W) -> (*, C, H * r, W * r), r = upscale_factor.

    ``upscale_factor``: r, the factor each spatial size grows by (Shi et al., 2016).

    >>> nn.PixelShuffle(2)(minigrad.ones(1, 8, 3, 3)).shape
    minigrad.Size([1, 2, 6, 6])
    >>> nn.PixelShuffle(2)(minigrad.arange(4.0).reshape(1, 4, 1, 1))
    tensor([[[[0., 1.],
              [2., 3.]]]])
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """The inverse of PixelShuffle: (*, C, H * r, W * r) -> (*, C * r^2, H, W), r = downscale_factor.

    ``downscale_factor``: r, the factor each spatial size shrinks by.

    >>> nn.PixelUnshuffle(2)(minigrad.ones(1, 2, 4, 6)).shape
    minigrad.Size([1, 8, 2, 3])
    >>> nn.PixelUnshuffle(2)(minigrad.arange(4.0).reshape(1, 1, 2, 2)).flatten()
    tensor([0., 1., 2., 3.])
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
