"""``minigrad.compile``: there is nothing to compile, so the model (or function) comes back as it is.

PyTorch's ``torch.compile`` traces a model into fused kernels and returns a wrapper
(``OptimizedModule``); minigrad already runs each op through its fused kernels, so
``compile(model)`` returns ``model`` itself, and ``@compile`` / ``@compile(mode=...)``
decorate a function by returning it. The keywords are PyTorch's and are accepted unread.
"""


class _NotCallable(TypeError, AssertionError):
    """compile() of something that is not callable (PyTorch raises an AssertionError)."""


def compile(
    model=None,
    *,
    fullgraph=False,
    dynamic=None,
    backend="inductor",
    mode=None,
    options=None,  # noqa: A001
    disable=False,
):
    """``model`` unchanged (``compile()`` with keywords only: a decorator returning its function).

    ``model``: a Module or a function; ``fullgraph``, ``dynamic``, ``backend``, ``mode``,
    ``options``, ``disable``: PyTorch's tracing and code-generation choices, accepted and
    unread (there is nothing to compile: every op already runs its own kernel).

    >>> f = minigrad.compile(lambda x: x + 1)
    >>> f(minigrad.tensor(1.0))
    tensor(2.)
    """
    if model is None:
        return lambda fn: compile(fn)
    if not callable(model):
        raise _NotCallable(f"compile(): A callable function is expected, but {type(model)} is provided.")
    return model
