"""minigrad.distributions: the probability distributions VAEs and policy-gradient code use,
shaped like ``torch.distributions``.

Each distribution holds its parameters as Tensors (broadcast to one ``batch_shape``) and
offers ``sample`` (no gradient), ``rsample`` (reparameterised: gradients flow to the
parameters; Normal and Uniform), ``log_prob``, ``entropy``, ``mean``, ``variance`` and
``stddev``, all compositions of minigrad ops, so their gradients come from the op table.
``Independent`` reinterprets batch dims as event dims (sums ``log_prob`` over them), and
``kl_divergence(p, q)`` looks the pair's closed form up in a table filled by ``register_kl``.

    >>> d = Normal(minigrad.tensor(0.0), minigrad.tensor(1.0))
    >>> d.log_prob(minigrad.tensor(0.0))
    tensor(-0.9189)
"""

from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl
from .normal import Normal
from .uniform import Uniform

__all__ = [
    "Bernoulli",
    "Categorical",
    "Distribution",
    "Independent",
    "Normal",
    "Uniform",
    "kl_divergence",
    "register_kl",
]
