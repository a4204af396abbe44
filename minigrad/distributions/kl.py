"""kl_divergence(p, q): KL(p || q) from a table of closed forms, keyed by the two types."""

from ..ops.nn import softplus
from .bernoulli import Bernoulli
from .categorical import Categorical
from .independent import Independent, _sum_rightmost
from .normal import Normal
from .uniform import Uniform

_KL = {}


def register_kl(type_p, type_q):
    """Decorator: ``@register_kl(Normal, Normal) def kl(p, q): ...`` adds a closed form.

    ``type_p``, ``type_q``: the Distribution subclasses of p and q that the function handles.
    minigrad uses the first registered pair that matches by ``isinstance`` (PyTorch picks the
    most specific one), so a pair of subclasses of already-registered types is not reached.

    >>> class Point(minigrad.distributions.Distribution):
    ...     def __init__(self, at):
    ...         super().__init__()
    ...         self.at = minigrad.as_tensor(at)
    >>> @register_kl(Point, Point)
    ... def _kl_point_point(p, q):
    ...     return (p.at - q.at).abs()
    >>> kl_divergence(Point(1.0), Point(3.5))
    tensor(2.5000)
    """

    def add(fn):
        _KL[(type_p, type_q)] = fn
        return fn

    return add


def kl_divergence(p, q):
    """KL(p || q) = E_p[log p(x) - log q(x)], batched over the distributions' batch_shape.

    >>> kl_divergence(Normal(0.0, 1.0), Normal(1.0, 1.0))
    tensor(0.5000)
    """
    for (tp, tq), fn in _KL.items():
        if isinstance(p, tp) and isinstance(q, tq):
            return fn(p, q)
    raise NotImplementedError(
        f"No KL(p || q) is implemented for p = {type(p).__name__} and q = {type(q).__name__}; "
        "add one with @register_kl"
    )


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    ratio = p.scale / q.scale
    ratio2 = ratio * ratio
    d = (p.loc - q.loc) / q.scale
    return (ratio2 + d * d - 1 - ratio2.log()) * 0.5


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    # p log(p/q) + (1-p) log((1-p)/(1-q)) in logits: log sigmoid(l) = -softplus(-l)
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    return (p.probs * (p.logits - q.logits)).sum(-1)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    import math

    import minigrad

    inside = (q.low <= p.low) & (p.high <= q.high)
    return minigrad.where(inside, ((q.high - q.low) / (p.high - p.low)).log(), math.inf)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("kl_divergence of Independents with different reinterpreted_batch_ndims")
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)
