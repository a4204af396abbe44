"""Nested arguments of the function transforms: tensors inside tuples, lists and dicts.

``flatten(tree)`` gives the leaves in order and a ``spec`` that ``unflatten(spec, leaves)``
fills back in (``grad(loss)(params_dict, x, y)`` returns a dict of gradients).
"""


def flatten(tree):
    """(leaves, spec) of a nest of tuples, lists and dicts (dict keys in insertion order)."""
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    if isinstance(tree, (tuple, list)):
        return (type(tree), [_flatten(x, leaves) for x in tree])
    if isinstance(tree, dict):
        return (dict, [(k, _flatten(v, leaves)) for k, v in tree.items()])
    leaves.append(tree)
    return None


def unflatten(spec, leaves):
    """The nest of ``spec`` with its leaves taken in order from ``leaves``."""
    it = iter(leaves)
    return _unflatten(spec, it)


def _unflatten(spec, it):
    if spec is None:
        return next(it)
    kind, children = spec
    if kind is dict:
        return {k: _unflatten(s, it) for k, s in children}
    items = [_unflatten(s, it) for s in children]
    return kind(items) if kind in (tuple, list) else kind(*items)
