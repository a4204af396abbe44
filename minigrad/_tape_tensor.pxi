# Grad mode and the Tensor: its Python surface (attributes, operators, backward(),
# hooks, views), Size, and the dim-normalising helper.
# A chapter of _tape.pyx (included there: one module, no call overhead).

# ----------------------------------------------------------------------------- grad mode

def is_grad_enabled():
    """Whether operations are recorded on the tape in this thread.

    >>> minigrad.is_grad_enabled()
    True
    >>> with minigrad.no_grad():
    ...     minigrad.is_grad_enabled()
    False
    """
    return bool(mg_get_grad())


def _set_grad_enabled(bint mode):
    cdef bint prev = mg_get_grad()
    mg_set_grad(mode)
    return prev


# ----------------------------------------------------------------------------- Tensor

@cython.freelist(512)
cdef class Version:
    """A counter shared by all tensors viewing the same storage; bumped by in-place ops."""
    pass


cdef Version _new_version():
    return Version.__new__(Version)


cdef inline Tensor _wrap(object arr):
    """A new leaf Tensor around an ndarray (the one allocation path for results)."""
    cdef Tensor t = Tensor.__new__(Tensor)
    if type(arr) is not ndarray:
        arr = np.asarray(arr)   # numpy returns scalars, not 0-d arrays, from 0-d ops
    t._data = arr
    t._version = _new_version()
    return t


def _from_array(arr, bint requires_grad=False):
    """Wrap an ndarray without copying (used by the creation functions)."""
    cdef Tensor t = _wrap(arr)
    if requires_grad:
        t.requires_grad = True
    return t


class _HookHandle:
    """Returned by register_hook; ``remove()`` unregisters the hook."""

    def __init__(self, hooks, fn):
        self._hooks = hooks
        self._fn = fn

    def remove(self):
        try:
            self._hooks.remove(self._fn)
        except ValueError:
            pass


cdef str _shape_str(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


@cython.freelist(512)
cdef class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    >>> x = minigrad.ones(2, 2, requires_grad=True)
    >>> ((x + 3) ** 2).mean().backward()
    >>> x.grad
    tensor([[2., 2.],
            [2., 2.]])
    """

    __array_priority__ = 1000
    __array_ufunc__ = None      # make numpy defer to Tensor's reflected operators

    def __init__(self, *args, dtype=None, requires_grad=False, device=None):
        # PyTorch's legacy constructor: Tensor() is empty, Tensor(2, 3) uninitialised (zeros
        # here), Tensor([1, 2]) float32 values (see _legacy.py); dtype= is minigrad's own.
        from ._legacy import legacy_array
        self._data = legacy_array("Tensor", args, _dtypes.float32 if dtype is None else dtype, device)
        self._version = _new_version()
        if requires_grad:
            self.requires_grad = True

    # -- identity ----------------------------------------------------------------------
    def __hash__(self):
        return id(self)

    # -- basic attributes --------------------------------------------------------------
    @property
    def shape(self):
        """The shape, a ``minigrad.Size`` (a tuple subclass, like torch.Size).

        >>> minigrad.zeros(2, 3).shape
        minigrad.Size([2, 3])
        """
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape, or the length of one dimension: ``x.size()``, ``x.size(0)``.

        ``dim``: the dimension (negative counts from the end); None for the whole shape.

        >>> x = minigrad.zeros(2, 3)
        >>> x.size(), x.size(-1)
        (minigrad.Size([2, 3]), 3)
        """
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_norm_dim(dim, self._data.ndim, "size")]

    def dim(self):
        """The number of dimensions.

        >>> minigrad.zeros(2, 3).dim()
        2
        """
        return self._data.ndim

    @property
    def ndim(self):
        """The number of dimensions (``x.dim()``).

        >>> minigrad.zeros(2, 3).ndim
        2
        """
        return self._data.ndim

    def numel(self):
        """The number of elements.

        >>> minigrad.zeros(2, 3).numel()
        6
        """
        return self._data.size

    def nelement(self):
        """The number of elements (``numel``'s older name).

        >>> minigrad.zeros(2, 3).nelement()
        6
        """
        return self._data.size

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    @property
    def dtype(self):
        """The element type: ``minigrad.float32`` by default, float64, integer or bool.

        >>> minigrad.tensor([1.0]).dtype, minigrad.tensor([1]).dtype
        (minigrad.float32, minigrad.int64)
        """
        return _dtypes.from_numpy(self._data.dtype)

    @property
    def device(self):
        """Where the tensor lives: ``device(type='cpu')``, minigrad's only device.

        >>> minigrad.zeros(1).device
        device(type='cpu')
        """
        return _CPU

    @property
    def is_cuda(self):
        """False: minigrad tensors live on the CPU (``x.device`` is ``cpu``).

        >>> minigrad.zeros(1).is_cuda
        False
        """
        return False

    @property
    def is_cpu(self):
        """True: the CPU is minigrad's only device.

        >>> minigrad.zeros(1).is_cpu
        True
        """
        return True

    def get_device(self):
        """-1: the index PyTorch gives a tensor on the CPU.

        >>> minigrad.zeros(1).get_device()
        -1
        """
        return -1

    def is_floating_point(self):
        """Whether the dtype is a floating one (float16, float32, float64).

        >>> minigrad.zeros(1).is_floating_point(), minigrad.tensor([1]).is_floating_point()
        (True, False)
        """
        return self._data.dtype.kind == "f"

    def element_size(self):
        """The size of one element in bytes (4 for float32, 8 for int64).

        >>> minigrad.zeros(1).element_size(), minigrad.tensor([1]).element_size()
        (4, 8)
        """
        return self._data.itemsize

    def item(self):
        """The value of a one-element tensor as a Python number.

        >>> minigrad.tensor([[2.5]]).item()
        2.5
        >>> minigrad.tensor(3).item()
        3
        """
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar; "
                "item() needs exactly one element: index it first or reduce it (x.sum())."
            )
        return self._data.reshape(()).item()

    def tolist(self):
        """The values as (nested) Python lists of numbers.

        >>> minigrad.tensor([[1.0, 2.0], [3.0, 4.0]]).tolist()
        [[1.0, 2.0], [3.0, 4.0]]
        """
        return self._data.tolist()

    def numpy(self, *, force=False):
        """The values as an ndarray sharing memory with this tensor.

        ``force``: allow it on a tensor that requires grad (the array is still shared, outside
        the graph); without it such a tensor raises, as in PyTorch (use ``x.detach().numpy()``).

        >>> minigrad.tensor([1.0, 2.0]).numpy()
        array([1., 2.], dtype=float32)
        """
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous "
                f"(shape {_shape_str(self._data.shape)}); use .any() or .all()."
            )
        return bool(self._data.reshape(()).item())

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter([self[i] for i in range(self._data.shape[0])])

    def __repr__(self):
        global _printing
        if _printing is None:
            from . import _printing as p
            _printing = p
        suffixes = []
        if self._grad_fn is not None:
            suffixes.append(f"grad_fn=<{type(self._grad_fn).__name__}>")
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        return _printing.format_tensor(
            self._data, _dtypes.suffix(self._data.dtype, self._data.size == 0), suffixes
        )

    def __format__(self, spec):
        # as PyTorch: a 0-d tensor formats as its number (f"{loss}" prints 2.4195...), even with
        # an empty spec; other tensors print as repr (a 1-element one also takes a number's spec)
        if self._data.ndim == 0 or (spec and self._data.size == 1):
            return format(self.item(), spec)
        return repr(self)

    # -- autograd state ----------------------------------------------------------------
    @property
    def requires_grad(self):
        """Whether operations on this tensor are recorded for backward(); settable on leaves.

        Only floating tensors may require gradients; a result requires grad when an input does.

        >>> x = minigrad.ones(2, requires_grad=True)
        >>> x.requires_grad, (x * 2).requires_grad, minigrad.ones(2).requires_grad
        (True, True, False)
        """
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, bint value):
        if self._grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients "
                f"(this tensor is {_dtypes.from_numpy(self._data.dtype)}); convert it with .float() first."
            )
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place and return self.

        ``requires_grad``: the new flag (default True); a non-leaf can only be set True.

        >>> w = minigrad.zeros(2).requires_grad_()
        >>> w.requires_grad, w.is_leaf
        (True, True)
        """
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        """The Node that produced this tensor (None for leaves).

        >>> x = minigrad.ones(2, requires_grad=True)
        >>> x.grad_fn is None, (x * 2).sum().grad_fn
        (True, <SumBackward0 object at 0x...>)
        """
        return self._grad_fn

    @property
    def is_leaf(self):
        """True for a tensor no recorded op produced (``grad_fn`` is None): backward() fills
        ``.grad`` only on leaves that require grad (others need ``retain_grad()``).

        >>> x = minigrad.ones(2, requires_grad=True)
        >>> x.is_leaf, (x * 2).is_leaf
        (True, False)
        """
        return self._grad_fn is None

    @property
    def retains_grad(self):
        """True after ``retain_grad()`` on a non-leaf: backward() then fills its ``.grad`` too.

        >>> y = minigrad.ones(2, requires_grad=True) * 2
        >>> y.retains_grad
        False
        >>> y.retain_grad()
        >>> y.retains_grad
        True
        """
        return self._retains_grad

    @property
    def grad(self):
        """The gradient accumulated by backward() (None until then); settable, e.g. to None.

        Gradients add up over backward() calls: zero them (``optimizer.zero_grad()``) per step.

        >>> x = minigrad.tensor([1.0, 2.0], requires_grad=True)
        >>> x.grad is None
        True
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
        """
        if self._grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
            if (<Tensor>value)._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: grad is "
                    f"{_dtypes.from_numpy((<Tensor>value)._data.dtype)}, tensor is "
                    f"{_dtypes.from_numpy(self._data.dtype)}; convert it with .to(tensor.dtype)"
                )
            if (<Tensor>value)._data.shape != self._data.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: grad shape "
                    f"{_shape_str((<Tensor>value)._data.shape)}, tensor shape {_shape_str(self._data.shape)}"
                )
            if (<Tensor>value)._grad_fn is not None:
                _stop_hiding()      # a .grad with a graph can close a cycle through it
        self._grad = value

    @property
    def data(self):
        """A tensor sharing this one's values, detached from the graph. Assigning to it
        (``x.data = y``) swaps this tensor's values for ``y``'s, unrecorded.

        >>> x = minigrad.ones(2, requires_grad=True)
        >>> x.data.mul_(3)
        tensor([3., 3.])
        >>> x
        tensor([3., 3.], requires_grad=True)
        """
        return self.detach()

    @data.setter
    def data(self, value):
        self._data = (<Tensor?>value)._data

    @property
    def _version(self):
        return self._version.value

    def retain_grad(self):
        """Ask backward() to fill .grad of this non-leaf tensor too.

        >>> x = minigrad.ones(2, requires_grad=True)
        >>> y = x * 3
        >>> y.retain_grad()
        >>> y.sum().backward()
        >>> y.grad
        tensor([1., 1.])
        """
        if self._grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if not self._retains_grad:
            self._retains_grad = True
            self._grad_fn._retained = weakref.ref(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None
        return value replaces the gradient. Returns a handle with ``remove()``.

        ``hook``: a function of the gradient (a tensor), returning None or a new gradient.

        >>> x = minigrad.ones(2, requires_grad=True)
        >>> h = x.register_hook(lambda g: g * 10)
        >>> (x * 2).sum().backward()
        >>> x.grad
        tensor([20., 20.])
        >>> h.remove()
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        _stop_hiding()      # a hook's closure can close a cycle through the graph
        if self._grad_fn is not None:
            if self._grad_fn._hooks is None:
                self._grad_fn._hooks = []
            self._grad_fn._hooks.append(hook)
            return _HookHandle(self._grad_fn._hooks, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _HookHandle(self._hooks, hook)

    def detach(self):
        """A new leaf sharing this tensor's values (and version counter), without history.

        >>> x = minigrad.ones(2, requires_grad=True)
        >>> y = (x * 2).detach()
        >>> y, y.requires_grad, y.grad_fn
        (tensor([2., 2.]), False, None)
        """
        cdef Tensor t = Tensor.__new__(Tensor)
        t._data = self._data
        t._version = self._version
        return t

    def detach_(self):
        """Detach this tensor from its history in place: it becomes a leaf that does not
        require grad (a view cannot: use ``detach()``). Returns self.

        >>> x = minigrad.ones(2, requires_grad=True)
        >>> y = x * 2
        >>> y.detach_().requires_grad, y.grad_fn
        (False, None)
        """
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. This tensor is a view of "
                f"another tensor's storage (shape {_shape_str(self._base._data.shape)}); "
                "detach() gives a new tensor sharing the values."
            )
        self._grad_fn = None
        self._requires_grad = False
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. the graph leaves; accumulate in ``.grad``.

        >>> x = minigrad.tensor(3.0, requires_grad=True)
        >>> (x ** 2).backward(); x.grad
        tensor(6.)
        """
        backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph, inputs)

    # -- in-place bookkeeping ------------------------------------------------------------
    def _check_inplace(self):
        if not mg_get_grad():
            return
        if self._grad_fn is None and self._requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Wrap the update in `with minigrad.no_grad():` (as optimizers do) or work on "
                "x.detach()."
            )
        base = self._base
        if base is not None and base._requires_grad:
            if base._grad_fn is None:
                raise RuntimeError(
                    "a view of a leaf Variable that requires grad is being used in an in-place "
                    "operation. Wrap it in `with minigrad.no_grad():` or change a clone instead."
                )
            raise RuntimeError(
                "in-place change of a view of a tensor that requires grad: minigrad does not "
                "rewrite the base tensor's history. Assign through the base instead "
                "(y[idx] = y[idx] * 3) or use an out-of-place op."
            )

    def _bump_version(self):
        self._version.value += 1

    def zero_(self):
        """Fill with zeros in place; returns self.

        >>> x = minigrad.ones(3)
        >>> x.zero_()
        tensor([0., 0., 0.])
        >>> x
        tensor([0., 0., 0.])
        """
        self._check_inplace()
        self._data[...] = 0
        self._version.value += 1
        return self

    def fill_(self, value):
        """Fill with ``value`` in place. Returns self.

        ``value``: a real number (or a 0-d tensor), converted to this tensor's dtype.

        >>> minigrad.zeros(3).fill_(2)
        tensor([2., 2., 2.])
        """
        if isinstance(value, complex) or (isinstance(value, np.generic) and value.dtype.kind not in "biuf"):
            raise TypeError(f"fill_(): minigrad has no dtype for {value!r}; use a real number")
        self._check_inplace()
        self._data[...] = value
        self._version.value += 1
        return self

    # -- operators: each is one line into the op table (minigrad/ops/) --------------------------
    def __add__(self, other):
        return _apply2(_ops.ADD, self, other)

    def __radd__(self, other):
        return _apply2(_ops.ADD, other, self)

    def __sub__(self, other):
        return _apply2(_ops.SUB, self, other)

    def __rsub__(self, other):
        return _apply2(_ops.RSUB, self, other)

    def __mul__(self, other):
        return _apply2(_ops.MUL, self, other)

    def __rmul__(self, other):
        return _apply2(_ops.MUL, other, self)

    def __truediv__(self, other):
        return _apply2(_ops.DIV, self, other)

    def __rtruediv__(self, other):
        return _ops.rdiv(self, other)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __rmod__(self, other):
        return _ops.rremainder(self, other)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

    def __invert__(self):
        return _ops.bitwise_not(self)

    def __lshift__(self, other):
        return _ops.lshift(self, other)

    def __rlshift__(self, other):
        return _ops.lshift(other, self)

    def __rshift__(self, other):
        return _ops.rshift(self, other)

    def __rrshift__(self, other):
        return _ops.rshift(other, self)

    def __pow__(self, other, mod=None):
        return _ops.pow(self, other)

    def __rpow__(self, other, mod=None):
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __iadd__(self, other):
        return _ops.inplace(_ops.add, self, other)

    def __isub__(self, other):
        return _ops.inplace(_ops.sub, self, other)

    def __imul__(self, other):
        return _ops.inplace(_ops.mul, self, other)

    def __itruediv__(self, other):
        return _ops.inplace(_ops.div, self, other)

    def __imod__(self, other):
        return _ops.inplace(_ops.remainder, self, other)

    def __ifloordiv__(self, other):
        return _ops.inplace(_ops.floor_divide, self, other)

    def __iand__(self, other):
        return _ops.inplace(_ops.bitwise_and, self, other)

    def __ior__(self, other):
        return _ops.inplace(_ops.bitwise_or, self, other)

    def __ixor__(self, other):
        return _ops.inplace(_ops.bitwise_xor, self, other)

    def __ilshift__(self, other):
        return _ops.inplace(_ops.lshift, self, other)

    def __irshift__(self, other):
        return _ops.inplace(_ops.rshift, self, other)

    def __eq__(self, other):
        if other is None:       # as PyTorch: x == None is False (`if x == None:` in user code)
            return False
        return _ops.eq(self, other)

    def __ne__(self, other):
        if other is None:
            return True
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _ops.setitem(self, index, value)

    @property
    def T(self):
        """The dimensions reversed (the transpose, for a matrix); a view.

        >>> minigrad.tensor([[1, 2, 3]]).T
        tensor([[1],
                [2],
                [3]])
        """
        return _ops.T(self)

    @property
    def mT(self):
        """The last two dimensions swapped (a batch of matrices transposed); a view.

        >>> minigrad.zeros(5, 2, 3).mT.shape
        minigrad.Size([5, 3, 2])
        """
        return _ops.transpose(self, -2, -1)

    def __reduce__(self):
        raise TypeError("minigrad tensors are not pickled; use minigrad.save / minigrad.load")

    def __deepcopy__(self, memo):
        """A copy with its own storage (``copy.deepcopy(model.state_dict())`` snapshots)."""
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment. Deep-copy x.detach() instead."
            )
        found = memo.get(id(self))
        if found is not None:
            return found
        cdef Tensor new = _wrap(self._data.copy())
        new._requires_grad = self._requires_grad
        memo[id(self)] = new
        if self._grad is not None:
            import copy
            new._grad = copy.deepcopy(self._grad, memo)
        return new


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's torch.Size: ``minigrad.Size([2, 3])``.

    ``iterable``: the sizes (ints); ``numel()`` is their product.

    >>> s = minigrad.zeros(2, 3).shape
    >>> s, s[0], s.numel(), s == (2, 3)
    (minigrad.Size([2, 3]), 2, 6, True)
    """

    def __repr__(self):
        return f"minigrad.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


cdef Py_ssize_t _norm_dim(object dim, Py_ssize_t ndim, str op) except? -1:
    cdef Py_ssize_t d = dim
    cdef Py_ssize_t n = ndim if ndim > 0 else 1
    if d < -n or d >= n:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
        )
    return d + n if d < 0 else d
