"""Devices and the CPU-only stand-ins (issue 12): ``device``, ``Tensor.device/.cpu()/.cuda()/.to()``,
``Module.to``, the construction surface (``new_*``, ``type()``, the legacy ``FloatTensor`` types),
``load``'s keywords, and ``cuda``, ``backends``, ``accelerator``, ``compile``, ``autocast``,
``GradScaler``, ``distributed``, ``nn.parallel``.

Where a CPU-only PyTorch gives an answer, each row is written once against a library namespace
``L`` and run on minigrad and on PyTorch (the oracle, skipped when it is not installed or has a
GPU): same value, or both raise and minigrad's exception is an instance of PyTorch's type, or
both give the same warning categories. Where minigrad differs on purpose (autocast keeps
float32, ``set_default_dtype`` accepts float32 only, ...) the test says so and checks what
PyTorch does, so the documented difference stays true.
"""

import doctest
import io
import warnings

import numpy as np
import pytest

import minigrad

try:
    import torch
except ImportError:  # pragma: no cover - CI installs torch
    torch = None

needs_torch = pytest.mark.skipif(
    torch is None or torch.cuda.is_available(), reason="needs a CPU-only PyTorch as the oracle"
)


def _plain(v):
    """A value both libraries' results can be compared as."""
    if isinstance(v, minigrad.Tensor) or (torch is not None and isinstance(v, torch.Tensor)):
        return ("tensor", tuple(v.shape), str(v.dtype).split(".")[-1], v.detach().numpy().tolist())
    if isinstance(v, minigrad.dtype) or (torch is not None and isinstance(v, torch.dtype)):
        return ("dtype", str(v).split(".")[-1])
    if isinstance(v, minigrad.device) or (torch is not None and isinstance(v, torch.device)):
        return ("device", repr(v), str(v), v.type, v.index)
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    return v


# ----------------------------------------------------------------------------- same answers
SAME = {
    "cuda_is_available": lambda L: L.cuda.is_available(),
    "cuda_device_count": lambda L: L.cuda.device_count(),
    "cuda_is_initialized": lambda L: L.cuda.is_initialized(),
    "cuda_manual_seed": lambda L: L.cuda.manual_seed(0),
    "cuda_manual_seed_all": lambda L: L.cuda.manual_seed_all(0),
    "cuda_empty_cache": lambda L: L.cuda.empty_cache(),
    "cuda_memory_allocated": lambda L: L.cuda.memory_allocated(),
    "cuda_max_memory_allocated": lambda L: L.cuda.max_memory_allocated(),
    "cuda_is_bf16_supported": lambda L: L.cuda.is_bf16_supported(),
    "mps_is_available": lambda L: L.backends.mps.is_available(),
    "mps_is_built": lambda L: L.backends.mps.is_built(),
    "cudnn_is_available": lambda L: L.backends.cudnn.is_available(),
    "cudnn_version": lambda L: L.backends.cudnn.version(),
    "cudnn_flags": lambda L: (
        L.backends.cudnn.benchmark,
        L.backends.cudnn.deterministic,
        L.backends.cudnn.enabled,
        L.backends.cudnn.allow_tf32,
    ),
    "cuda_matmul_flags": lambda L: (
        L.backends.cuda.matmul.allow_tf32,
        L.backends.cuda.matmul.allow_fp16_reduced_precision_reduction,
    ),
    "cuda_is_built": lambda L: L.backends.cuda.is_built(),
    "accelerator_is_available": lambda L: L.accelerator.is_available(),
    "accelerator_current": lambda L: L.accelerator.current_accelerator(),
    "accelerator_device_count": lambda L: L.accelerator.device_count(),
    "default_dtype": lambda L: L.get_default_dtype(),
    "matmul_precision": lambda L: _precision_round_trip(L),
    "deterministic_algorithms": lambda L: _deterministic_round_trip(L),
    "default_device": lambda L: L.get_default_device(),
    "set_default_device_cpu": lambda L: (L.set_default_device("cpu"), L.set_default_device(None)),
    "set_default_dtype_float32": lambda L: L.set_default_dtype(L.float32),
    "device_cpu": lambda L: L.device("cpu"),
    "device_cpu0": lambda L: L.device("cpu:0"),
    "device_type_index": lambda L: L.device("cpu", 0),
    "device_keyword": lambda L: L.device(type="cpu"),
    "device_cuda_written_down": lambda L: L.device("cuda:1"),
    "device_of_device": lambda L: L.device(L.device("cpu")),
    "device_equality": lambda L: (
        L.device("cpu") == L.device("cpu"),
        L.device("cpu") == L.device("cpu:0"),
        L.device("cpu") == "cpu",
        L.device("cuda") == L.device("cpu"),
    ),
    "device_in_a_set": lambda L: len({L.device("cpu"), L.device("cpu"), L.device("cpu", 0)}),
    "tensor_device": lambda L: L.ones(2).device,
    "tensor_device_equals": lambda L: L.ones(2).device == L.device("cpu"),
    "tensor_device_type": lambda L: L.ones(2).device.type,
    "tensor_is_cpu": lambda L: (L.ones(2).is_cpu, L.ones(2).is_cuda, L.ones(2).get_device()),
    "tensor_repr_hides_cpu": lambda L: repr(L.tensor([1.0, 2.0], device="cpu")),
    "repr_hides_cpu_with_dtype": lambda L: repr(L.zeros(2, dtype=L.float64, device=L.device("cpu"))),
    "created_on": lambda L: [
        t.device
        for t in (
            L.zeros(2, device="cpu"),
            L.ones(2, device=L.device("cpu")),
            L.empty(2, device="cpu:0"),
            L.full((2,), 1.0, device="cpu"),
            L.eye(2, device="cpu"),
            L.arange(3, device="cpu"),
            L.linspace(0, 1, 3, device="cpu"),
            L.tensor([1], device="cpu"),
            L.as_tensor([1.0], device="cpu"),
            L.zeros_like(L.ones(2), device="cpu"),
            L.ones_like(L.ones(2), device="cpu"),
            L.empty_like(L.ones(2), device="cpu"),
            L.full_like(L.ones(2), 3, device="cpu"),
            L.rand(2, device="cpu"),
            L.randn(2, device="cpu"),
            L.randint(0, 3, (2,), device="cpu"),
            L.randperm(3, device="cpu"),
        )
    ],
    # .to, parsed as PyTorch parses it
    "to_device_is_self": lambda L: (lambda x: x.to("cpu") is x)(L.arange(3.0)),
    "to_device_object_is_self": lambda L: (lambda x: x.to(L.device("cpu")) is x)(L.arange(3.0)),
    "to_same_dtype_is_self": lambda L: (lambda x: x.to(L.float32) is x)(L.arange(3.0)),
    "to_copy_is_new": lambda L: (
        lambda x: (x.to(L.float32, copy=True) is x, x.to("cpu", copy=True) is x, x.to(copy=True) is x)
    )(L.arange(3.0)),
    "to_device_dtype": lambda L: L.arange(3.0).to("cpu", L.float64),
    "to_device_object_dtype": lambda L: L.arange(3.0).to(L.device("cpu"), L.int64),
    "to_dtype_flags": lambda L: L.arange(3.0).to(L.float64, True, True),
    "to_device_dtype_flags": lambda L: L.arange(3.0).to("cpu", L.float64, False, True),
    "to_other_tensor": lambda L: L.arange(3.0).to(L.zeros(1, dtype=L.int64)),
    "to_other_tensor_is_self": lambda L: (lambda x: x.to(L.zeros(1)) is x)(L.arange(3.0)),
    "to_keywords": lambda L: L.arange(3.0).to(dtype=L.float64, device="cpu", non_blocking=True),
    "to_none": lambda L: L.arange(3.0).to(None),
    "to_nothing": lambda L: L.arange(3.0).to(),
    "to_python_float": lambda L: L.arange(3).to(float),
    "to_python_int": lambda L: L.arange(3.0).to(int),
    "to_python_bool_keyword": lambda L: L.arange(3).to(dtype=bool),
    "to_copy_keeps_graph": lambda L: type(L.ones(2, requires_grad=True).to(L.float64).grad_fn).__name__,
    "cpu_is_self": lambda L: (lambda x: x.cpu() is x)(L.ones(2)),
    # the type strings and the legacy types
    "type_strings": lambda L: [
        L.zeros(1, dtype=getattr(L, d)).type()
        for d in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")
    ],
    "type_to_string": lambda L: L.arange(3.0).type("torch.LongTensor"),
    "type_to_legacy": lambda L: L.arange(3.0).type(L.LongTensor),
    "type_to_dtype": lambda L: L.arange(3.0).type(L.int32),
    "type_same_is_self": lambda L: (
        lambda x: (x.type(L.float32) is x, x.type("torch.FloatTensor") is x, x.type(L.FloatTensor) is x)
    )(L.ones(2)),
    "float_tensor_from_list": lambda L: L.FloatTensor([1, 2]),
    "long_tensor_from_floats": lambda L: L.LongTensor([2.5, 3]),
    "long_tensor_from_tuple_is_data": lambda L: L.LongTensor((2, 3)),
    "long_tensor_of_size": lambda L: (lambda t: (tuple(t.shape), t.dtype))(L.LongTensor(3)),
    "float_tensor_of_sizes": lambda L: tuple(L.FloatTensor(2, 3).shape),
    "float_tensor_of_a_size": lambda L: tuple(L.FloatTensor(L.Size([2, 3])).shape),
    "float_tensor_empty": lambda L: L.FloatTensor(),
    "double_tensor": lambda L: L.DoubleTensor([1, 0]),
    "int_tensor": lambda L: L.IntTensor([1, 0]),
    "bool_tensor": lambda L: L.BoolTensor([1, 0]),
    "byte_tensor": lambda L: L.ByteTensor([1, 0]),
    "float_tensor_from_numpy": lambda L: L.FloatTensor(np.array([1, 2])),
    "float_tensor_of_float_tensor": lambda L: L.FloatTensor(L.tensor([1.5, 2.0])),
    "float_tensor_on_cpu": lambda L: L.FloatTensor([1, 2], device="cpu"),
    "legacy_type_dtype": lambda L: [
        t.dtype
        for t in (L.FloatTensor, L.DoubleTensor, L.LongTensor, L.IntTensor, L.BoolTensor, L.ByteTensor)
    ],
    "legacy_call_is_a_tensor": lambda L: type(L.FloatTensor([1])) is L.Tensor,
    "legacy_isinstance": lambda L: (
        isinstance(L.zeros(2), L.FloatTensor),
        isinstance(L.zeros(2), L.LongTensor),
        isinstance(L.zeros(2, dtype=L.float64), L.FloatTensor),
        isinstance(L.zeros(2, dtype=L.int64), L.LongTensor),
        isinstance(L.ones(2, requires_grad=True), L.FloatTensor),
        isinstance(L.nn.Parameter(L.zeros(2)), L.FloatTensor),
        isinstance([1.0], L.FloatTensor),
    ),
    "legacy_not_a_subclass": lambda L: issubclass(L.FloatTensor, L.Tensor),
    "legacy_name": lambda L: L.FloatTensor.__name__,
    "tensor_new": lambda L: (
        lambda x: (
            tuple(x.new(2, 3).shape),
            x.new(2, 3).dtype,
            x.new([1.5, 2]),
            x.new(),
            tuple(x.new(L.Size([2])).shape),
        )
    )(L.arange(3)),
    "device_as_a_context": lambda L: _in_device_context(L),
    "tensor_legacy_constructor": lambda L: (
        tuple(L.Tensor(3).shape),
        L.Tensor([1, 2]),
        tuple(L.Tensor().shape),
    ),
    # new_*: self's dtype unless told
    "new_zeros": lambda L: L.ones(2).new_zeros(2, 3),
    "new_zeros_tuple": lambda L: L.ones(2).new_zeros((2, 3)),
    "new_zeros_list": lambda L: L.ones(2).new_zeros([2]),
    "new_zeros_size_keyword": lambda L: L.ones(2).new_zeros(size=(2,)),
    "new_zeros_of_ints": lambda L: L.arange(3).new_zeros(2),
    "new_ones_dtype": lambda L: L.ones(2).new_ones(2, dtype=L.int64),
    "new_ones_float64": lambda L: L.ones(2).new_ones(2, 3, dtype=L.float64),
    "new_full": lambda L: L.ones(2).new_full((2,), 3),
    "new_full_of_ints_truncates": lambda L: L.arange(3).new_full((2,), 3.5),
    "new_full_bool": lambda L: L.ones(2).new_full((2,), True),
    "new_empty_shape": lambda L: (lambda t: (tuple(t.shape), t.dtype))(L.arange(2).new_empty(2, 3)),
    "new_empty_tuple": lambda L: tuple(L.ones(2).new_empty((4,)).shape),
    "new_tensor": lambda L: L.ones(2).new_tensor([1, 2]),
    "new_tensor_of_ints_truncates": lambda L: L.arange(3).new_tensor([1.5, 2]),
    "new_tensor_dtype": lambda L: L.ones(2).new_tensor([1, 2], dtype=L.int64),
    "new_tensor_on_cpu": lambda L: L.ones(2).new_tensor([1.0], device="cpu"),
    "new_requires_grad": lambda L: (
        L.ones(2).new_zeros(2, requires_grad=True).requires_grad,
        L.ones(2).new_tensor([1.0], requires_grad=True).requires_grad,
        L.ones(2, requires_grad=True).new_ones(1).requires_grad,
    ),
    "new_is_a_leaf": lambda L: (lambda t: (t.is_leaf, t.grad_fn))(
        (L.ones(2, requires_grad=True) * 2).new_zeros(2, requires_grad=True)
    ),
    # compile: the model comes back (PyTorch wraps it; see test_compile_returns_the_model_itself)
    "compile_decorator": lambda L: L.compile(lambda x: x * 2)(L.ones(2)),
    "compile_decorator_with_options": lambda L: L.compile(mode="reduce-overhead")(lambda x: x + 1)(L.ones(2)),
    # distributed: only the two questions a program asks before using it are answered
    "distributed_is_initialized": lambda L: L.distributed.is_initialized(),
    # GradScaler disabled (no CUDA): everything passes through
    "scaler_disabled": lambda L: _disabled_answers(L.amp.GradScaler(enabled=False), L),
    "scaler_disabled_steps": lambda L: _disabled_step(L),
    "autocast_disabled_on_cpu": lambda L: _under(L, L.autocast("cpu", enabled=False)),
    "autocast_fast_dtype_float16": lambda L: L.amp.autocast("cpu", dtype=L.float16).fast_dtype,
}


def _precision_round_trip(L):
    answers = [L.get_float32_matmul_precision()]
    try:
        for p in ("high", "medium", "highest"):
            L.set_float32_matmul_precision(p)
            answers.append((L.get_float32_matmul_precision(), L.backends.cuda.matmul.allow_tf32))
    finally:
        L.set_float32_matmul_precision("highest")
        L.backends.cuda.matmul.allow_tf32 = False
    return answers


def _deterministic_round_trip(L):
    answers = [L.are_deterministic_algorithms_enabled()]
    try:
        L.use_deterministic_algorithms(True, warn_only=True)
        answers.append(L.are_deterministic_algorithms_enabled())
    finally:
        L.use_deterministic_algorithms(False)
    return answers + [L.are_deterministic_algorithms_enabled()]


def _in_device_context(L):
    with L.device("cpu") as d:
        return d, L.zeros(1).device, L.get_default_device()


def _disabled_answers(s, L):
    return (
        s.is_enabled(),
        s.get_scale(),
        s.state_dict(),
        s.scale(L.tensor(2.0)),
        s.scale([L.tensor(2.0), L.tensor(3.0)]),
        s.update(),
        s.load_state_dict({}),
    )


def _disabled_step(L):
    p = L.zeros(2, requires_grad=True)
    opt = L.optim.SGD([p], lr=0.1)
    p.grad = L.ones(2)
    scaler = L.amp.GradScaler(enabled=False)
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    return p.detach()


def _under(L, ctx):
    """dtypes of a matmul, an addition and a linear layer computed inside ``ctx``."""
    a = L.ones(2, 2)
    with ctx:
        return (a @ a).dtype, (a + a).dtype, L.nn.functional.linear(a, a).dtype


@pytest.mark.parametrize("name", sorted(SAME))
def test_answers_like_pytorch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = _plain(SAME[name](minigrad))
    if torch is None or torch.cuda.is_available():
        pytest.skip("needs a CPU-only PyTorch as the oracle")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. PyTorch deprecation notes on its own side
        theirs = _plain(SAME[name](torch))
    if name.startswith(("tensor_repr", "repr_")):
        theirs = theirs.replace("torch.", "minigrad.")
    assert ours == theirs


# ----------------------------------------------------------------------------- same errors
RAISES = {
    "zeros_cuda": lambda L: L.zeros(2, device="cuda"),
    "tensor_cuda0": lambda L: L.tensor([1.0], device="cuda:0"),
    "arange_cuda": lambda L: L.arange(3, device=L.device("cuda")),
    "zeros_like_cuda": lambda L: L.zeros_like(L.ones(2), device="cuda"),
    "full_like_cuda": lambda L: L.full_like(L.ones(2), 1.0, device="cuda"),
    "randn_cuda": lambda L: L.randn(2, device="cuda"),
    "new_zeros_cuda": lambda L: L.ones(2).new_zeros(2, device="cuda"),
    "device_gpu": lambda L: L.device("gpu"),
    "device_cpu_x": lambda L: L.device("cpu:x"),
    "device_negative": lambda L: L.device("cpu", -1),
    "zeros_gpu": lambda L: L.zeros(2, device="gpu"),
    "tensor_cuda": lambda L: L.ones(2).cuda(),
    "tensor_cuda_index": lambda L: L.ones(2).cuda(0),
    "to_cuda": lambda L: L.ones(2).to("cuda"),
    "to_cuda_object": lambda L: L.ones(2).to(L.device("cuda", 0)),
    "to_cuda_keyword": lambda L: L.ones(2).to(device="cuda:0", dtype=L.float64),
    "to_gpu": lambda L: L.ones(2).to("gpu"),
    "to_dtype_string": lambda L: L.ones(2).to("float64"),
    "to_two_dtypes": lambda L: L.ones(2).to(L.float64, L.int64),
    "to_two_devices": lambda L: L.ones(2).to("cpu", "cpu"),
    "to_tensor_then_dtype": lambda L: L.ones(2).to(L.ones(1), L.float64),
    "to_dtype_twice": lambda L: L.ones(2).to(L.float64, dtype=L.int64),
    "to_device_twice": lambda L: L.ones(2).to("cpu", device="cpu"),
    "module_to_cuda": lambda L: L.nn.Linear(2, 2).to("cuda"),
    "module_cuda": lambda L: L.nn.Linear(2, 2).cuda(),
    "module_to_int_dtype": lambda L: L.nn.Linear(2, 2).to(L.int64),
    "module_to_copy": lambda L: L.nn.Linear(2, 2).to("cpu", copy=True),
    "to_dtype_string_keyword": lambda L: L.ones(2).to(dtype="float64"),
    "to_non_blocking_int": lambda L: L.ones(2).to(non_blocking=1),
    "to_dtype_then_device": lambda L: L.ones(2).to(L.float64, "cpu"),
    "cuda_current_device": lambda L: L.cuda.current_device(),
    "cuda_get_device_name": lambda L: L.cuda.get_device_name(),
    "cuda_get_device_name0": lambda L: L.cuda.get_device_name(0),
    "cuda_get_device_properties": lambda L: L.cuda.get_device_properties(0),
    "cuda_get_device_capability": lambda L: L.cuda.get_device_capability(),
    "type_bad_string": lambda L: L.ones(2).type("float"),
    "type_cuda_string": lambda L: L.ones(2).type("torch.cuda.FloatTensor"),
    "legacy_from_number": lambda L: L.FloatTensor(2.5),
    "legacy_from_other_dtype": lambda L: L.FloatTensor(L.tensor([1, 2])),
    "legacy_on_cuda": lambda L: L.FloatTensor([1, 2], device="cuda"),
    "legacy_dtype_keyword": lambda L: L.FloatTensor([1, 2], dtype=L.float64),
    "legacy_requires_grad_keyword": lambda L: L.LongTensor([1, 2], requires_grad=True),
    "legacy_negative_size": lambda L: L.FloatTensor(-1),
    "new_of_other_dtype": lambda L: L.arange(3).new(L.ones(2)),
    "new_of_a_number": lambda L: L.arange(3).new(2.5),
    "new_on_cuda": lambda L: L.arange(3).new([1], device="cuda"),
    "device_context_cuda": lambda L: _zeros_in(L, L.device("cuda")),
    "new_full_int_size": lambda L: L.ones(2).new_full(2, 3.5),
    "new_zeros_without_size": lambda L: L.ones(2).new_zeros(),
    "set_default_dtype_int": lambda L: L.set_default_dtype(L.int64),
    "matmul_precision_not_a_str": lambda L: L.set_float32_matmul_precision(3),
    "deterministic_not_a_bool": lambda L: L.use_deterministic_algorithms(1),
    "autocast_int_device": lambda L: L.autocast(3),
    "autocast_gpu": lambda L: L.autocast("gpu"),
    "compile_not_callable": lambda L: L.compile(3),
    "scaler_load_empty": lambda L: L.amp.GradScaler("cpu").load_state_dict({}),
    "scaler_update_without_step": lambda L: L.amp.GradScaler("cpu").update(),
    "scaler_closure": lambda L: L.amp.GradScaler("cpu").step(
        L.optim.SGD([L.zeros(1, requires_grad=True)], lr=1.0), closure=lambda: 0.0
    ),
    "scaler_growth_factor": lambda L: L.amp.GradScaler("cpu", growth_factor=0.5),
    "load_to_cuda": lambda L: L.load(_checkpoint(L), map_location="cuda"),
    "load_to_cuda0": lambda L: L.load(_checkpoint(L), map_location=L.device("cuda", 0)),
    "load_dict_to_cuda": lambda L: L.load(_checkpoint(L), map_location={"cpu": "cuda:0"}),
    "load_map_location_int": lambda L: L.load(_checkpoint(L), map_location=3),
    "load_mmap_of_a_buffer": lambda L: L.load(_checkpoint(L), mmap=True),
    "add_safe_globals_of_a_number": lambda L: L.serialization.add_safe_globals(3),
}


def _zeros_in(L, dev):
    with dev:
        return L.zeros(1)


def _checkpoint(L):
    buf = io.BytesIO()
    L.save({"w": L.ones(2)}, buf)
    buf.seek(0)
    return buf


def _outcome(fn, L):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(L)
    except Exception as e:  # noqa: BLE001 - the exception is the result
        return e
    return None


@pytest.mark.parametrize("name", sorted(RAISES))
def test_raises_like_pytorch(name):
    ours = _outcome(RAISES[name], minigrad)
    assert ours is not None, f"{name}: minigrad accepted it"
    assert str(ours).strip()
    if torch is None or torch.cuda.is_available():
        pytest.skip("needs a CPU-only PyTorch as the oracle")
    theirs = _outcome(RAISES[name], torch)
    assert theirs is not None, f"{name}: PyTorch accepts it (the row is wrong)"
    assert isinstance(ours, type(theirs)), (
        f"minigrad raised {type(ours).__name__}, PyTorch {type(theirs).__name__}"
    )


@pytest.mark.parametrize("call", ["zeros", "cuda", "to", "module"])
def test_device_errors_say_minigrad_runs_on_the_cpu(call):
    fn = {
        "zeros": lambda: minigrad.zeros(2, device="cuda"),
        "cuda": lambda: minigrad.ones(2).cuda(),
        "to": lambda: minigrad.ones(2).to("cuda:0"),
        "module": lambda: minigrad.nn.Linear(1, 1).cuda(),
    }[call]
    with pytest.raises(minigrad._device.DeviceError, match="minigrad runs on the CPU only"):
        fn()


# ----------------------------------------------------------------------------- same warnings
WARNS = {
    "cuda_amp_grad_scaler": lambda L: L.cuda.amp.GradScaler(),
    "cuda_amp_grad_scaler_disabled": lambda L: L.cuda.amp.GradScaler(enabled=False),
    "amp_grad_scaler_default_cuda": lambda L: L.amp.GradScaler(),
    "amp_grad_scaler_cuda": lambda L: L.amp.GradScaler("cuda"),
    "amp_grad_scaler_cpu": lambda L: L.amp.GradScaler("cpu"),
    "autocast_cuda": lambda L: L.autocast("cuda"),
    "autocast_cpu": lambda L: L.autocast("cpu"),
    "autocast_cpu_float32": lambda L: L.autocast("cpu", dtype=L.float32),
    "cuda_amp_autocast": lambda L: L.cuda.amp.autocast(),
    "cuda_amp_scaler_is_disabled": lambda L: (
        L.cuda.amp.GradScaler().is_enabled(),
        L.amp.GradScaler("cuda").get_scale(),
    ),
}


def _warnings_of(fn, L):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn(L)
    return sorted(w.category.__name__ for w in caught), value


@pytest.mark.parametrize("name", sorted(WARNS))
def test_warns_like_pytorch(name):
    ours, value = _warnings_of(WARNS[name], minigrad)
    if torch is None or torch.cuda.is_available():
        pytest.skip("needs a CPU-only PyTorch as the oracle")
    theirs, their_value = _warnings_of(WARNS[name], torch)
    assert ours == theirs
    if isinstance(value, tuple):
        assert value == their_value


# ----------------------------------------------------------------------------- GradScaler on the CPU
def _scaled_training(L, grads):
    """Four steps of SGD through GradScaler('cpu'): (params, scale, state_dict, step results) per step."""
    p = L.nn.Parameter(L.tensor([1.0, -2.0]))
    opt = L.optim.SGD([p], lr=0.1)
    scaler = L.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    trace = []
    for g in grads:
        opt.zero_grad()
        loss = (p * L.tensor(g)).sum()
        scaled = scaler.scale(loss)
        scaled.backward()
        scaler.step(opt)
        scaler.update()
        trace.append(
            (p.detach().numpy().tolist(), scaler.get_scale(), scaled.item(), dict(scaler.state_dict()))
        )
    return trace


@needs_torch
def test_grad_scaler_on_the_cpu_matches_pytorch():
    grads = [[1.0, 2.0], [0.5, 0.5], [float("inf"), 1.0], [1.0, 1.0], [2.0, 0.0]]
    ours, theirs = _scaled_training(minigrad, grads), _scaled_training(torch, grads)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a[0], b[0], rtol=1e-6)
        assert a[1:] == b[1:]


def test_grad_scaler_unscale_twice_is_an_error():
    p = minigrad.nn.Parameter(minigrad.ones(1))
    opt = minigrad.optim.SGD([p], lr=0.1)
    scaler = minigrad.amp.GradScaler("cpu")
    scaler.scale(p.sum()).backward()
    scaler.unscale_(opt)
    assert p.grad.item() == 1.0
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)


def test_grad_scaler_state_dict_round_trip():
    a = minigrad.amp.GradScaler("cpu", init_scale=4.0, growth_factor=3.0)
    b = minigrad.amp.GradScaler("cpu")
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict() and b.get_scale() == 4.0


# ----------------------------------------------------------------------------- autocast
def test_autocast_leaves_float32_alone():
    assert _under(minigrad, minigrad.autocast("cpu")) == (minigrad.float32,) * 3
    assert _under(minigrad, minigrad.amp.autocast("cpu", dtype=minigrad.float16)) == (minigrad.float32,) * 3


@needs_torch
def test_pytorch_autocast_on_the_cpu_uses_bfloat16_which_minigrad_lacks():
    """The documented difference (README, minigrad/amp.py): PyTorch computes matmuls in bfloat16."""
    assert _under(torch, torch.autocast("cpu")) == (torch.bfloat16, torch.float32, torch.bfloat16)
    assert _under(minigrad, minigrad.autocast("cpu"))[0] == minigrad.float32


def test_autocast_as_a_decorator():
    @minigrad.autocast(device_type="cpu")
    def f(x):
        return x @ x

    assert f(minigrad.ones(2, 2)).dtype == minigrad.float32
    assert f.__name__ == "f"


# ----------------------------------------------------------------------------- compile
def test_compile_returns_the_model_itself():
    model = minigrad.nn.Linear(2, 2)
    assert minigrad.compile(model) is model
    assert minigrad.compile(model, mode="max-autotune", fullgraph=True) is model


def test_compile_as_a_bare_decorator():
    @minigrad.compile
    def f(x):
        return x + 1

    assert f(minigrad.tensor(1.0)).item() == 2.0


# ----------------------------------------------------------------------------- Module
def test_module_to_device_and_dtype():
    m = minigrad.nn.Linear(2, 3)
    w = m.weight
    assert m.to("cpu") is m and m.to(minigrad.device("cpu")) is m and m.to(device="cpu") is m
    assert m.to("cpu", minigrad.float64) is m and m.weight is w and w.dtype == minigrad.float64
    assert m.to(minigrad.zeros(1)) is m and w.dtype == minigrad.float32
    assert m.to(dtype=minigrad.float64, non_blocking=True).bias.dtype == minigrad.float64
    assert m.float().weight.dtype == minigrad.float32 and m.double().weight.dtype == minigrad.float64
    assert m.cpu() is m


@needs_torch
def test_data_parallel_runs_the_module_as_pytorch_does_on_the_cpu():
    def run(L):
        L.manual_seed(0)
        net = L.nn.Linear(3, 2)
        with L.no_grad():
            net.weight.copy_(L.arange(6.0).reshape(2, 3) / 10)
            net.bias.fill_(0.5)
        dp = L.nn.DataParallel(net)
        return list(dp.state_dict()), dp.module is net, dp(L.ones(4, 3)).detach().numpy(), dp.device_ids

    ours, theirs = run(minigrad), run(torch)
    assert ours[0] == theirs[0] and ours[1] and theirs[1] and ours[3] == theirs[3]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6)


def test_data_parallel_is_in_nn_parallel_too():
    from minigrad.nn.parallel import DataParallel

    assert DataParallel is minigrad.nn.DataParallel


def test_distributed_data_parallel_refuses():
    from minigrad.nn.parallel import DistributedDataParallel

    with pytest.raises(RuntimeError, match="one process on the CPU; use PyTorch for distributed training"):
        DistributedDataParallel(minigrad.nn.Linear(1, 1))


# ----------------------------------------------------------------------------- distributed
def test_distributed_is_not_available():
    import minigrad.distributed as dist

    assert dist.is_available() is False and dist.is_initialized() is False


@pytest.mark.parametrize(
    "call",
    [
        "init_process_group",
        "get_rank",
        "get_world_size",
        "barrier",
        "all_reduce",
        "destroy_process_group",
        "broadcast",
    ],
)
def test_distributed_calls_raise(call):
    import minigrad.distributed as dist

    with pytest.raises(RuntimeError, match="minigrad runs in one process on the CPU; use PyTorch"):
        if call == "all_reduce":
            dist.all_reduce(minigrad.ones(1), op=dist.ReduceOp.SUM)
        else:
            getattr(dist, call)()


def test_distributed_unknown_name_is_an_attribute_error_with_the_advice():
    import minigrad.distributed as dist

    with pytest.raises(AttributeError, match="use PyTorch for distributed training"):
        dist.all_to_all  # noqa: B018
    assert not hasattr(dist, "all_to_all")


# ----------------------------------------------------------------------------- imports and flags
def test_the_usual_import_lines_run():
    from minigrad.nn.parallel import DistributedDataParallel  # noqa: F401

    import minigrad.backends.cudnn as cudnn
    from minigrad.amp import GradScaler, autocast  # noqa: F401
    from minigrad.cuda.amp import GradScaler as CudaScaler  # noqa: F401
    from minigrad.serialization import add_safe_globals, safe_globals  # noqa: F401

    assert cudnn is minigrad.backends.cudnn


def test_backend_flags_are_settable():
    cudnn, matmul = minigrad.backends.cudnn, minigrad.backends.cuda.matmul
    before = cudnn.benchmark, cudnn.deterministic, matmul.allow_tf32
    try:
        cudnn.benchmark, cudnn.deterministic, matmul.allow_tf32 = True, True, True
        assert minigrad.backends.cudnn.benchmark and minigrad.backends.cudnn.deterministic
        assert minigrad.backends.cuda.matmul.allow_tf32
    finally:
        cudnn.benchmark, cudnn.deterministic, matmul.allow_tf32 = before


def test_the_device_idiom_runs():
    device = "cuda" if minigrad.cuda.is_available() else "cpu"
    model = minigrad.nn.Linear(2, 1).to(device)
    x = minigrad.randn(4, 2, device=device)
    assert model(x.to(device)).device == minigrad.device(device)


def test_set_default_device_refuses_cuda():
    with pytest.raises(minigrad._device.DeviceError):
        minigrad.set_default_device("cuda")
    minigrad.set_default_device(None)


def test_set_default_dtype_other_than_float32_is_refused_clearly():
    """minigrad's default floating dtype is fixed (README: "Not supported")."""
    with pytest.raises(NotImplementedError, match="always float32"):
        minigrad.set_default_dtype(minigrad.float64)
    assert minigrad.get_default_dtype() is minigrad.float32


def test_cuda_seeding_and_synchronize_do_nothing():
    state = minigrad.get_rng_state()
    minigrad.cuda.manual_seed_all(3)
    minigrad.cuda.manual_seed(3)
    minigrad.cuda.synchronize()
    assert np.array_equal(minigrad.get_rng_state().numpy(), state.numpy())


# ----------------------------------------------------------------------------- threads
@pytest.fixture
def threads_restored():
    before = minigrad.get_num_threads(), (torch.get_num_threads() if torch is not None else None)
    yield
    minigrad.set_num_threads(before[0])
    if torch is not None:
        torch.set_num_threads(before[1])


def test_set_num_threads_then_get(threads_restored):
    assert minigrad.get_num_threads() >= 1
    minigrad.set_num_threads(1)
    assert minigrad.get_num_threads() == 1
    minigrad.set_num_threads(3)
    assert minigrad.get_num_threads() in (1, 3)  # 1 only in a build without OpenMP


@pytest.mark.parametrize("bad", [0, -1, 2.5, "a", True])
def test_set_num_threads_refuses_like_pytorch(bad, threads_restored):
    with pytest.raises(RuntimeError, match="set_num_threads expects"):
        minigrad.set_num_threads(bad)
    if torch is None:
        pytest.skip("needs PyTorch as the oracle")
    with pytest.raises(RuntimeError, match="set_num_threads expects"):
        torch.set_num_threads(bad)


# ----------------------------------------------------------------------------- load
MAP_LOCATIONS = {
    "none": None,
    "cpu": "cpu",
    "cpu0": "cpu:0",
    "device_cpu": minigrad.device("cpu"),
    "dict_from_cuda": {"cuda:0": "cpu"},
    "dict_cpu": {"cpu": "cpu"},
    "identity": lambda storage, loc: storage,
    "callable_none": lambda storage, loc: None,
}


@pytest.mark.parametrize("name", sorted(MAP_LOCATIONS))
def test_load_accepts_pytorch_map_locations(name):
    ml = MAP_LOCATIONS[name]
    out = minigrad.load(_checkpoint(minigrad), map_location=ml, weights_only=True)
    assert out["w"].tolist() == [1.0, 1.0]


@needs_torch
def test_load_accepts_a_pytorch_device_as_map_location():
    assert minigrad.load(_checkpoint(minigrad), map_location=torch.device("cpu"))["w"].tolist() == [1.0, 1.0]
    with pytest.raises(minigrad._device.DeviceError):
        minigrad.load(_checkpoint(minigrad), map_location=torch.device("cuda"))


def test_load_callable_map_location_sees_each_tensor_and_the_location():
    seen = []
    out = minigrad.load(_checkpoint(minigrad), map_location=lambda t, loc: seen.append(loc) or t * 2)
    assert seen == ["cpu"] and out["w"].tolist() == [2.0, 2.0]


def test_load_weights_only_false_and_mmap_of_a_path(tmp_path):
    path = tmp_path / "ckpt.npz"
    minigrad.save({"w": minigrad.ones(3)}, path)
    assert minigrad.load(path, weights_only=False, mmap=True)["w"].tolist() == [1.0, 1.0, 1.0]


def test_load_callable_map_location_to_cuda_raises():
    with pytest.raises(minigrad._device.DeviceError):
        minigrad.load(_checkpoint(minigrad), map_location=lambda t, loc: t.cuda())


def test_load_refuses_a_pickle_module():
    import pickle

    with pytest.raises(TypeError, match="never unpickled"):
        minigrad.load(_checkpoint(minigrad), pickle_module=pickle)


def test_safe_globals():
    S = minigrad.serialization

    class Config:
        pass

    before = S.get_safe_globals()
    try:
        S.add_safe_globals([Config])
        assert Config in S.get_safe_globals()
        with S.safe_globals([int, (float, "float")]):
            assert int in S.get_safe_globals() and (float, "float") in S.get_safe_globals()
        assert int not in S.get_safe_globals() and Config in S.get_safe_globals()
        S.clear_safe_globals()
        assert S.get_safe_globals() == []
    finally:
        S.clear_safe_globals()
        S.add_safe_globals(before)


# ----------------------------------------------------------------------------- learner programs
# Small programs in the idioms of the usual tutorials (the device line, .to(device), amp that
# is off on the CPU, the legacy two-layer net), written once and run under both libraries.


def _amp_training_loop(torch):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    use_amp = device == "cuda"
    torch.manual_seed(1337)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(1337)
    X = torch.arange(24, dtype=torch.float32).reshape(8, 3) / 10
    y = (X.sum(1, keepdim=True) > 1.0).float()
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
    model = model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=0.05)
    scaler = torch.amp.GradScaler(device, enabled=use_amp)
    losses = []
    for step in range(25):
        xb, yb = X.to(device, non_blocking=True), y.to(device)
        with torch.autocast(device_type=device, dtype=torch.float16, enabled=use_amp):
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xb), yb)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
        losses.append(f"{loss.item():.5f}")
    return losses, model.to("cpu").state_dict()["2.weight"].numpy().tolist()


def _legacy_two_layer_net(torch):
    dtype = torch.float
    device = torch.device("cpu")
    N, D_in, H, D_out = 6, 5, 4, 2
    x = torch.linspace(-1, 1, N * D_in, device=device, dtype=dtype).reshape(N, D_in)
    y = torch.linspace(1, -1, N * D_out, device=device, dtype=dtype).reshape(N, D_out)
    w1 = torch.linspace(-0.3, 0.4, D_in * H).reshape(D_in, H).type(torch.FloatTensor)
    w2 = torch.linspace(0.2, -0.5, H * D_out).reshape(H, D_out).to(device, dtype)
    assert isinstance(w1, torch.FloatTensor) and w1.type() == "torch.FloatTensor"
    learning_rate = 1e-2
    losses = []
    for t in range(30):
        h = x.mm(w1)
        h_relu = h.clamp(min=0)
        y_pred = h_relu.mm(w2)
        loss = (y_pred - y).pow(2).sum().item()
        losses.append(round(loss, 5))
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.t().mm(grad_y_pred)
        grad_h_relu = grad_y_pred.mm(w2.t())
        grad_h = grad_h_relu.clone()
        grad_h[h < 0] = 0
        grad_w1 = x.t().mm(grad_h)
        w1 -= learning_rate * grad_w1
        w2 -= learning_rate * grad_w2
    return losses, w1.new_zeros(2).tolist(), w2.device.type


@needs_torch
@pytest.mark.parametrize("program", [_amp_training_loop, _legacy_two_layer_net])
def test_learner_program_gives_pytorchs_numbers(program):
    ours, theirs = program(minigrad), program(torch)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(np.array(ours[1], dtype=float), np.array(theirs[1], dtype=float), rtol=1e-5)
    assert ours[2:] == theirs[2:]


# ----------------------------------------------------------------------------- docstrings
@pytest.mark.parametrize(
    "name", ["_device", "_legacy", "amp", "_compile", "_creation", "ops.shape", "nn.parallel"]
)
def test_docstring_examples_run(name):
    import importlib

    module = importlib.import_module("minigrad." + name)
    result = doctest.testmod(module, globs={"minigrad": minigrad}, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
