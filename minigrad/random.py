"""Random streams: ``Generator``, the default generator, seeding and saved states.

Every random function of minigrad (``rand``, ``randn``, ``multinomial``, the samplers
``x.uniform_()``, ..., ``nn.init``, dropout, ``DataLoader`` shuffling) draws from a
``Generator``: the one passed as ``generator=``, or ``default_generator``. A Generator wraps a
numpy PCG64 bit generator, created on the first draw (``numpy.random`` costs ~15 ms to import).
Same seed, same stream, for the default and every explicit generator; the numbers are not
PyTorch's (its Mersenne Twister is not reproduced), only the API and the reproducibility.

As in PyTorch, a new ``Generator()`` starts from the seed 67280421310721, and the default
generator from a seed drawn from the operating system until ``manual_seed`` is called.

>>> g = minigrad.Generator().manual_seed(42)
>>> a = minigrad.rand(3, generator=g)
>>> _ = g.manual_seed(42)
>>> minigrad.equal(a, minigrad.rand(3, generator=g))
True
"""

import contextlib
import os

import numpy as np

from . import _batched
from ._device import check_device

_DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val
_MASK64 = (1 << 64) - 1
_STATE_BYTES = 48  # PCG64 state (16) + increment (16) + cached uint32 (8) + seed (8)


def _seed_value(seed):
    """PyTorch's range for a seed: [-2**63, 2**64); negatives wrap to unsigned."""
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise TypeError(f"manual_seed(): expected an int seed, got {type(seed).__name__}") from None
    if not -(1 << 63) <= seed <= _MASK64:
        raise RuntimeError(
            f"Overflow when unpacking long: manual_seed() expected a seed in [-2**63, 2**64), got {seed}"
        )
    return seed & _MASK64


class Generator:
    """A stream of random numbers: ``g = minigrad.Generator().manual_seed(0)``, then
    ``minigrad.randn(3, generator=g)``. CPU only (``device`` must be 'cpu').

    >>> g = minigrad.Generator().manual_seed(7)
    >>> a = minigrad.randn(3, generator=g)
    >>> _ = g.manual_seed(7)
    >>> minigrad.equal(a, minigrad.randn(3, generator=g)), g.initial_seed(), g.device
    (True, 7, device(type='cpu'))
    """

    __slots__ = ("_seed", "_rng", "device")

    def __init__(self, device="cpu"):
        self.device = check_device(device, "Generator") or check_device("cpu")
        self._seed = _DEFAULT_SEED
        self._rng = None

    def _numpy(self):
        """The numpy Generator behind this stream (made on first use)."""
        rng = self._rng
        if rng is None:
            rng = self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return rng

    def manual_seed(self, seed):
        """Restart the stream from ``seed``; returns the generator (``Generator().manual_seed(1)``).

        ``seed``: an int; the same seed gives the same numbers.

        >>> g = minigrad.Generator().manual_seed(1)
        >>> a = minigrad.rand(3, generator=g)
        >>> bool((minigrad.rand(3, generator=g.manual_seed(1)) == a).all())
        True
        """
        self._seed = _seed_value(seed)
        self._rng = None
        return self

    def seed(self):
        """Restart from a seed drawn from the operating system, and return that seed."""
        self.manual_seed(int.from_bytes(os.urandom(8), "little"))
        return self._seed

    def initial_seed(self):
        """The seed the stream was last started from."""
        return self._seed

    def get_state(self):
        """The stream's position as a uint8 tensor (give it to ``set_state`` to replay)."""
        from ._tape import _from_array

        st = self._numpy().bit_generator.state
        words = (
            st["state"]["state"].to_bytes(16, "little")
            + st["state"]["inc"].to_bytes(16, "little")
            + ((st["uinteger"] << 1) | st["has_uint32"]).to_bytes(8, "little")
            + self._seed.to_bytes(8, "little")
        )
        return _from_array(np.frombuffer(words, dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Put the stream back where ``get_state`` found it; returns the generator."""
        from ._tape import Tensor

        arr = new_state._data if isinstance(new_state, Tensor) else None
        if arr is None or arr.dtype != np.uint8 or arr.shape != (_STATE_BYTES,):
            got = (
                f"a {arr.dtype} tensor of shape {arr.shape}" if arr is not None else type(new_state).__name__
            )
            raise RuntimeError(
                f"set_state(): expected a uint8 tensor of {_STATE_BYTES} bytes, as "
                f"get_state() returns (got {got})"
            )
        raw = arr.tobytes()
        cached = int.from_bytes(raw[32:40], "little")
        self._seed = int.from_bytes(raw[40:48], "little")
        self._rng = None
        self._numpy().bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {
                "state": int.from_bytes(raw[0:16], "little"),
                "inc": int.from_bytes(raw[16:32], "little"),
            },
            "has_uint32": cached & 1,
            "uinteger": cached >> 1,
        }
        return self

    def __repr__(self):
        return f"<minigrad.Generator object at {id(self):#x}>"


default_generator = Generator()
"""The global Generator: what rand, randn, randint, randperm, nn.init, dropout and the
DataLoader's shuffling draw from when no ``generator=`` is given.

``minigrad.manual_seed(s)`` seeds it (``default_generator.manual_seed(s)``); a fresh process
starts from an OS seed, as in PyTorch.

>>> _ = minigrad.manual_seed(7)
>>> minigrad.default_generator.initial_seed()
7
"""
default_generator.seed()  # as PyTorch: a fresh process starts from an OS seed


def _rng(generator=None):
    """The numpy Generator to draw from: ``generator``'s, or the default one's.
    Internal API for the samplers, nn.init, dropout and utils.data. Inside ``func.vmap`` with
    randomness='error' (its default) every draw is refused, as PyTorch's vmap does."""
    if _batched.randomness == "error":
        raise RuntimeError(
            "vmap: called random operation while in randomness error mode. Please either use the "
            "'same' or 'different' randomness flags on vmap or perform the randomness operation out "
            "of vmap"
        )
    if generator is None:
        return default_generator._numpy()
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a minigrad.Generator, not {type(generator).__name__}")
    return generator._numpy()


def manual_seed(seed):
    """Seed the default generator (rand, randn, randint, nn.init, dropout, shuffling); returns it.

    ``seed``: an int; the same seed gives the same numbers.

    >>> _ = minigrad.manual_seed(0)
    >>> a = minigrad.rand(3)
    >>> _ = minigrad.manual_seed(0)
    >>> bool((minigrad.rand(3) == a).all())
    True
    """
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from the operating system; returns the seed.

    >>> s = minigrad.seed()
    >>> minigrad.initial_seed() == s
    True
    """
    return default_generator.seed()


def initial_seed():
    """The seed the default generator was last started from.

    >>> _ = minigrad.manual_seed(42)
    >>> minigrad.initial_seed()
    42
    """
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor.

    >>> state = minigrad.get_rng_state()
    >>> state.dtype, state.ndim
    (minigrad.uint8, 1)
    >>> a = minigrad.rand(2)
    >>> minigrad.set_rng_state(state)
    >>> minigrad.equal(minigrad.rand(2), a)      # the same numbers again
    True
    """
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state from ``get_rng_state()``.

    ``new_state``: a uint8 tensor returned by ``get_rng_state()``.

    >>> state = minigrad.get_rng_state()
    >>> a = minigrad.randn(2)
    >>> minigrad.set_rng_state(state)
    >>> minigrad.equal(minigrad.randn(2), a)
    True
    """
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, **kwargs):
    """Within the block the default generator may be used freely; after it, it is where it was."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
