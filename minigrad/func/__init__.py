"""minigrad.func: function transforms, as ``torch.func``.

``grad``, ``grad_and_value``, ``vjp`` and ``jacrev`` run the tape backwards (``_grad.py``);
``jvp`` and ``jacfwd`` carry tangents forward (``_forward.py``, on
``autograd.forward_ad``); ``hessian`` is ``jacfwd(jacrev(f))``; ``vmap`` runs a per-sample
function once over a batch through each op's batching rule (``_vmap.py``); and
``functional_call`` runs a Module on parameters passed in, which is how the transforms
see a model as a function of its weights:

    per_sample_grads = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)

The Jacobians loop over output (jacrev) or input (jacfwd) elements in Python, one backward
or one jvp each, as ``autograd.functional.jacobian`` does without ``vectorize``.
"""

from ._forward import jacfwd, jvp
from ._functional_call import functional_call
from ._grad import grad, grad_and_value, hessian, jacrev, vjp
from ._vmap import vmap

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "functional_call", "vmap"]
