"""Tests of the Module machinery (``nn/module.py``, ``nn/containers.py``, ``nn/parameter.py``):
registration, walking, state dicts, modes, dtype conversion, hooks, containers, reprs and
the import aliases. Architectures are written once against a namespace so the same line
builds the minigrad model and its PyTorch twin, whose keys and reprs must be identical.
"""

import subprocess
import sys

import numpy as np
import pytest

import minigrad
from minigrad import nn

F = nn.functional


class Net:
    """A custom module written against any ``nn`` namespace (minigrad's or PyTorch's)."""

    @staticmethod
    def build(nn):
        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 2, 3, padding=1)
                self.bn = nn.BatchNorm2d(2)
                self.layers = nn.ModuleList([nn.Linear(8, 4), nn.Linear(4, 3)])
                self.heads = nn.ModuleDict({"a": nn.Linear(3, 1), "b": nn.Linear(3, 2)})
                self.scale = nn.Parameter(nn.init.ones_(nn.Linear(1, 1).weight.data.clone()))

            def forward(self, x):
                return x

        return Block()


ARCHITECTURES = {
    "mlp": lambda nn: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 2)),
    "cnn": lambda nn: nn.Sequential(
        nn.Conv2d(1, 4, 3),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4, 10),
        nn.LayerNorm(10),
    ),
    "nested": lambda nn: nn.Sequential(
        nn.Sequential(nn.Linear(2, 3), nn.Tanh()),
        nn.Embedding(5, 3, padding_idx=0),
        nn.BatchNorm1d(3, affine=False),
        nn.Conv1d(3, 2, 2, bias=False),
    ),
    "custom": Net.build,
}

REPRS = [
    lambda nn: nn.Linear(64, 10),
    lambda nn: nn.Linear(3, 2, bias=False),
    lambda nn: nn.Bilinear(2, 3, 4),
    lambda nn: nn.Conv1d(2, 3, 3),
    lambda nn: nn.Conv2d(1, 16, 3, padding=1),
    lambda nn: nn.Conv2d(1, 16, (3, 5), stride=2, padding=(1, 2), dilation=2, bias=False),
    lambda nn: nn.Conv2d(1, 2, 3, padding="same"),
    lambda nn: nn.MaxPool2d(2),
    lambda nn: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
    lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
    lambda nn: nn.AdaptiveAvgPool2d(1),
    lambda nn: nn.AdaptiveAvgPool2d((2, None)),
    lambda nn: nn.Flatten(),
    lambda nn: nn.Unflatten(1, (2, 3)),
    lambda nn: nn.Dropout(0.2, inplace=True),
    lambda nn: nn.Embedding(10, 3, padding_idx=0),
    lambda nn: nn.LayerNorm((2, 3), elementwise_affine=False),
    lambda nn: nn.BatchNorm1d(4),
    lambda nn: nn.BatchNorm2d(4, momentum=None, affine=False, track_running_stats=False),
    lambda nn: nn.Identity(),
    lambda nn: nn.ReLU(inplace=True),
    lambda nn: nn.LeakyReLU(0.2),
    lambda nn: nn.ELU(),
    lambda nn: nn.GELU("tanh"),
    lambda nn: nn.SiLU(),
    lambda nn: nn.Softplus(),
    lambda nn: nn.Softmax(dim=1),
    lambda nn: nn.LogSoftmax(),
    lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1),
    lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 3), nn.Tanh())),
    lambda nn: nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.Linear(2, 2)]),
    lambda nn: nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()}),
    lambda nn: nn.Sequential(),
    Net.build,
]


# ----------------------------------------------------------------------------- imports


def test_nn_is_minigrad_nn_only():
    import minigrad.nn as mnn
    import minigrad.nn.functional as mfunctional

    assert minigrad.nn is mnn is nn
    assert F is mfunctional and sys.modules["minigrad.nn.init"] is mnn.init
    assert "nn" not in sys.modules and "nn.functional" not in sys.modules


def test_a_learners_own_nn_and_optim_modules_do_not_collide_with_ours(tmp_path):
    # issue 17: the wheel used to install top-level nn/ and optim/; a learner's nn.py then
    # replaced minigrad.nn (imported first) or was replaced by it (imported after)
    (tmp_path / "nn.py").write_text("MINE = 'nn'\n")
    (tmp_path / "optim.py").write_text("MINE = 'optim'\n")
    code = (
        "import nn, optim, minigrad; import minigrad as torch; "
        "assert nn.MINE == 'nn' and optim.MINE == 'optim'; "
        "assert torch.nn.Linear and torch.optim.Adam and torch.nn is not nn; "
        "import nn as again; assert again.MINE == 'nn'; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


# ----------------------------------------------------------------------------- parity with PyTorch


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_state_dict_keys_match_torch(arch):
    torch = pytest.importorskip("torch")
    build = ARCHITECTURES[arch]
    assert list(build(nn).state_dict()) == list(build(torch.nn).state_dict())


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_named_parameters_match_torch_names_and_shapes(arch):
    torch = pytest.importorskip("torch")
    build = ARCHITECTURES[arch]
    mine = [(k, tuple(p.shape)) for k, p in build(nn).named_parameters()]
    assert mine == [(k, tuple(p.shape)) for k, p in build(torch.nn).named_parameters()]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_named_modules_match_torch(arch):
    torch = pytest.importorskip("torch")
    build = ARCHITECTURES[arch]
    mine = [(k, type(m).__name__) for k, m in build(nn).named_modules()]
    assert mine == [(k, type(m).__name__) for k, m in build(torch.nn).named_modules()]


@pytest.mark.parametrize("build", REPRS)
def test_repr_matches_torch(build):
    torch = pytest.importorskip("torch")
    assert repr(build(nn)) == repr(build(torch.nn))


def test_parameter_repr_matches_torch():
    torch = pytest.importorskip("torch")
    assert repr(nn.Parameter(minigrad.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))


# ----------------------------------------------------------------------------- registration


def test_module_registers_parameters_modules_and_buffers_by_assignment():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(minigrad.ones(2))
            self.child = nn.Linear(2, 2)
            self.register_buffer("stat", minigrad.zeros(2))
            self.plain = minigrad.zeros(3)

    m = M()
    assert [k for k, _ in m.named_parameters()] == ["w", "child.weight", "child.bias"]
    assert [k for k, _ in m.named_buffers()] == ["stat"]
    assert list(m.state_dict()) == ["w", "stat", "child.weight", "child.bias"]


def test_plain_list_of_modules_is_not_registered_like_pytorch():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2)]

    assert list(M().parameters()) == []


def test_shared_parameter_is_listed_once():
    a = nn.Linear(3, 3)
    model = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_assigning_before_init_raises_with_hint():
    class M(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"cannot assign module before Module.__init__\(\) call.*super"):
        M()


def test_assigning_tensor_to_parameter_name_raises_type_error():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'minigrad.Tensor' as parameter 'weight'"):
        m.weight = minigrad.ones(2, 2)


def test_assigning_none_to_parameter_keeps_the_slot():
    m = nn.Linear(2, 2)
    m.bias = None
    assert "bias" in m._parameters and m.bias is None
    assert list(m.state_dict()) == ["weight"]


def test_buffer_assignment_updates_buffer():
    bn = nn.BatchNorm1d(2)
    bn.running_mean = minigrad.ones(2)
    assert bn.state_dict()["running_mean"].tolist() == [1.0, 1.0]


def test_non_persistent_buffer_stays_out_of_state_dict():
    m = nn.Module()
    m.register_buffer("a", minigrad.zeros(1), persistent=False)
    assert list(m.buffers()) != [] and list(m.state_dict()) == []


def test_missing_attribute_error_names_the_module():
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        nn.Linear(2, 2).wieght


def test_del_attribute_unregisters():
    m = nn.Linear(2, 2)
    del m.bias
    assert [k for k, _ in m.named_parameters()] == ["weight"]


def test_forward_not_implemented_error_names_the_class():
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match=r'Module \[Empty\] is missing the required "forward"'):
        Empty()(minigrad.zeros(1))


def test_get_submodule_and_get_parameter_follow_dotted_paths():
    model = ARCHITECTURES["cnn"](nn)
    assert model.get_submodule("1") is model[1]
    assert model.get_parameter("5.bias") is model[5].bias
    with pytest.raises(AttributeError, match="has no attribute `9`"):
        model.get_submodule("9")


def test_children_and_modules_walk_in_order():
    model = ARCHITECTURES["nested"](nn)
    names = [type(m).__name__ for m in model.children()]
    assert names == ["Sequential", "Embedding", "BatchNorm1d", "Conv1d"]
    assert len(list(model.modules())) == 7


# ----------------------------------------------------------------------------- parameters


def test_parameter_is_a_leaf_sharing_memory():
    t = minigrad.ones(3)
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf and isinstance(p, minigrad.Tensor)
    t.numpy()[0] = 5.0
    assert p[0].item() == 5.0


def test_ops_on_parameter_return_plain_tensors():
    p = nn.Parameter(minigrad.ones(2))
    assert type(p * 2) is minigrad.Tensor


# ----------------------------------------------------------------------------- modes, grads, dtypes


def test_train_and_eval_propagate_to_children():
    model = ARCHITECTURES["mlp"](nn)
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_train_rejects_non_bool():
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        nn.Linear(1, 1).train("no")


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    m = nn.Linear(2, 1)
    m(minigrad.ones(3, 2)).sum().backward()
    m.zero_grad(set_to_none=set_to_none)
    for p in m.parameters():
        assert p.grad is None if set_to_none else not p.grad.numpy().any()


def test_requires_grad_false_freezes_parameters():
    m = nn.Linear(2, 1).requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    assert not m(minigrad.ones(1, 2)).requires_grad


def test_apply_visits_children_before_parent():
    seen = []
    model = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "ReLU", "Sequential"]


@pytest.mark.parametrize(
    "convert, dtype",
    [
        (lambda m: m.double(), minigrad.float64),
        (lambda m: m.to(minigrad.float64), minigrad.float64),
        (lambda m: m.double().float(), minigrad.float32),
        (lambda m: m.half(), minigrad.float16),
    ],
)
def test_dtype_conversion_keeps_parameter_identity_and_int_buffers(convert, dtype):
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    params = list(model.parameters())
    assert convert(model) is model
    assert list(model.parameters()) == params
    assert all(p.dtype == dtype and isinstance(p, nn.Parameter) for p in params)
    assert model[1].running_mean.dtype == dtype
    assert model[1].num_batches_tracked.dtype == minigrad.int64


def test_to_int_dtype_raises_type_error():
    with pytest.raises(TypeError, match="only accepts floating point"):
        nn.Linear(1, 1).to(minigrad.int64)


def test_to_cuda_raises():
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.Linear(1, 1).to("cuda")


def test_to_cpu_is_a_no_op():
    m = nn.Linear(1, 1)
    assert m.to("cpu") is m and m.cpu() is m


# ----------------------------------------------------------------------------- state dict


def test_state_dict_values_are_detached_and_share_memory():
    m = nn.Linear(2, 2)
    w = m.state_dict()["weight"]
    assert not w.requires_grad
    w.numpy()[0, 0] = 42.0
    assert m.weight[0, 0].item() == 42.0


def test_load_state_dict_round_trips_exactly():
    src, dst = ARCHITECTURES["cnn"](nn), ARCHITECTURES["cnn"](nn)
    assert repr(dst.load_state_dict(src.state_dict())) == "<All keys matched successfully>"
    for (k, a), b in zip(src.state_dict().items(), dst.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


def test_load_state_dict_missing_and_unexpected_keys_raise_like_pytorch():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    del sd["bias"]
    sd["extra"] = minigrad.zeros(1)
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(sd)
    assert str(info.value) == (
        "Error(s) in loading state_dict for Linear:\n"
        '\tMissing key(s) in state_dict: "bias". \n'
        '\tUnexpected key(s) in state_dict: "extra". '
    )


def test_load_state_dict_size_mismatch_raises_and_copies_nothing():
    m = nn.Linear(2, 2)
    before = m.weight.detach().numpy().copy()
    sd = {"weight": minigrad.zeros(2, 2), "bias": minigrad.zeros(3)}
    with pytest.raises(
        RuntimeError,
        match=r"size mismatch for bias: copying a param with shape "
        r"minigrad.Size\(\[3\]\) from checkpoint, the shape in current "
        r"model is minigrad.Size\(\[2\]\)",
    ):
        m.load_state_dict(sd)
    np.testing.assert_array_equal(m.weight.detach().numpy(), before)


def test_load_state_dict_non_strict_returns_incompatible_keys():
    m = nn.Linear(2, 2)
    result = m.load_state_dict({"weight": minigrad.zeros(2, 2), "junk": minigrad.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["junk"]
    assert not m.weight.detach().numpy().any()


def test_load_state_dict_accepts_arrays_and_converts_dtype():
    m = nn.Linear(2, 1)
    m.load_state_dict({"weight": np.ones((1, 2)), "bias": np.zeros(1)})
    assert m.weight.dtype == minigrad.float32 and m.weight.tolist() == [[1.0, 1.0]]


def test_load_state_dict_bumps_versions_so_stale_graphs_fail():
    m = nn.Linear(2, 1)
    loss = m(minigrad.ones(1, 2, requires_grad=True)).sum() * m.weight.sum()
    m.load_state_dict(m.state_dict())
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_load_state_dict_rejects_non_mapping():
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        nn.Linear(1, 1).load_state_dict([1, 2])


# ----------------------------------------------------------------------------- hooks


def test_forward_pre_hook_can_replace_input():
    m = nn.Identity()
    m.register_forward_pre_hook(lambda mod, args: args[0] * 2)
    assert m(minigrad.ones(1)).item() == 2.0


def test_forward_hook_sees_input_and_can_replace_output():
    m = nn.Identity()
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append((mod, args[0].item(), out.item())))
    m.register_forward_hook(lambda mod, args, out: out + 1)
    assert m(minigrad.ones(1)).item() == 2.0
    assert seen == [(m, 1.0, 1.0)]


def test_hook_handle_remove_and_context_manager():
    m = nn.Identity()
    handle = m.register_forward_hook(lambda mod, args, out: out * 10)
    handle.remove()
    assert m(minigrad.ones(1)).item() == 1.0
    with m.register_forward_hook(lambda mod, args, out: out * 10):
        assert m(minigrad.ones(1)).item() == 10.0
    assert m(minigrad.ones(1)).item() == 1.0


def test_prepend_hook_runs_first():
    m, order = nn.Identity(), []
    m.register_forward_pre_hook(lambda mod, args: order.append("a"))
    m.register_forward_pre_hook(lambda mod, args: order.append("b"), prepend=True)
    m(minigrad.ones(1))
    assert order == ["b", "a"]


# ----------------------------------------------------------------------------- containers


def test_sequential_indexing_and_slicing_keep_keys():
    model = ARCHITECTURES["mlp"](nn)
    assert isinstance(model[0], nn.Linear) and model[-1] is model[3]
    tail = model[1:]
    assert isinstance(tail, nn.Sequential) and list(tail._modules) == ["1", "2", "3"]
    with pytest.raises(IndexError, match="out of range"):
        model[4]


def test_sequential_append_insert_delete_renumber():
    model = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
    model.append(nn.Linear(2, 3))
    model.insert(1, nn.Tanh())
    del model[0]
    assert [type(m).__name__ for m in model] == ["Tanh", "ReLU", "Linear"]
    assert list(model._modules) == ["0", "1", "2"] and len(model) == 3


def test_sequential_from_ordered_dict_uses_names():
    from collections import OrderedDict

    model = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.ReLU()))
    assert list(model.state_dict()) == ["fc.weight", "fc.bias"]
    assert model.fc is model[0]


def test_sequential_runs_modules_in_order():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    x = minigrad.randn(4, 2)
    np.testing.assert_allclose(model(x).detach().numpy(), model[2](model[1](model[0](x))).detach().numpy())


def test_module_list_registers_and_slices():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers += [nn.ReLU()]
    assert len(layers) == 4 and len(list(layers.parameters())) == 6
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    assert layers.pop() is not None and len(layers) == 3


def test_module_list_is_not_callable():
    with pytest.raises(NotImplementedError, match="iterate"):
        nn.ModuleList()(minigrad.ones(1))


def test_module_dict_behaves_like_a_dict():
    d = nn.ModuleDict({"a": nn.Linear(1, 1)})
    d["b"] = nn.ReLU()
    assert list(d) == ["a", "b"] and "a" in d and len(d) == 2
    assert isinstance(d.pop("a"), nn.Linear) and list(d.keys()) == ["b"]


def test_to_accepts_device_objects():
    torch = pytest.importorskip("torch")
    m = nn.Linear(1, 1)
    assert m.to(torch.device("cpu")) is m
