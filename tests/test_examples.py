"""The examples run to completion (reduced --epochs) and write PNGs; minigrad.viz draws.

Examples are imported from ``examples/`` and their ``main(argv)`` called in this process
(faster than a subprocess per script, and warnings are errors here too). Skipped without
matplotlib; the digits example also needs scikit-learn.
"""

import importlib
import itertools
import os
import random
import re
import sys

import pytest
from child_process import run_python

import minigrad as torch
from minigrad import nn

pytest.importorskip("matplotlib")
from minigrad import viz  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

VAE_PNGS = ["vae_digits_reconstructions.png", "vae_digits_samples.png", "vae_digits_loss.png"]
GPT_SHORT = "--steps 4 --max-chars 100000 --batch-size 8 --block-size 32 --eval-every 2 --eval-iters 1 "
GPT_SHORT += "--sample-every 2 --sample-chars 20"
LSTM_SHORT = "--steps 4 --max-chars 100000 --batch-size 8 --eval-every 2 --eval-chars 2048 --sample-chars 20"

RUNS = [  # script, argv, the PNGs it must write
    ("fit_line", ["--epochs", "20"], ["fit_line_loss.png"]),
    ("fit_sine", ["--epochs", "3"], ["fit_sine_fit.png", "fit_sine_loss.png"]),
    ("spirals", ["--epochs", "3"], ["spirals_boundary.png", "spirals_loss.png"]),
    ("digits", ["--epochs", "2"], ["digits_mlp_loss.png", "digits_mlp_accuracy.png"]),
    ("digits", ["--epochs", "1", "--model", "cnn"], ["digits_cnn_loss.png", "digits_cnn_accuracy.png"]),
    ("grad_accumulation", ["--epochs", "2"], ["grad_accumulation_loss.png"]),
    ("autograd_tour", [], ["autograd_tour_graph.png", "autograd_tour_explain.png"]),
    ("backprop_by_hand", ["--epochs", "1"], ["backprop_by_hand_check.png", "backprop_by_hand_loss.png"]),
    ("vae_digits", ["--epochs", "1"], VAE_PNGS),
    (
        "per_sample_grads",
        ["--epochs", "1", "--repeat", "1"],
        ["per_sample_grads_norms.png", "per_sample_grads_loss.png"],
    ),
    ("char_gpt", GPT_SHORT.split(), ["char_gpt_loss.png", "char_gpt_attention.png"]),
    ("char_lstm", LSTM_SHORT.split(), ["char_lstm_loss.png"]),
    ("char_lstm", [*LSTM_SHORT.split(), "--cell", "gru"], ["char_gru_loss.png"]),
    (
        "names",
        ["--steps", "20", "--gd-steps", "5", "--no-bigram-labels"],
        ["names_bigram.png", "names_tanh.png"],
    ),
]
NEEDS_SKLEARN = {"digits", "backprop_by_hand", "vae_digits", "per_sample_grads"}


def load_example(name, monkeypatch):
    monkeypatch.syspath_prepend(EXAMPLES)
    if name in NEEDS_SKLEARN:
        pytest.importorskip("sklearn")
    return importlib.import_module(name)


def assert_png(path):
    assert os.path.getsize(path) > 2000, path
    with open(path, "rb") as f:
        assert f.read(8) == PNG_MAGIC, path


@pytest.mark.parametrize("name, argv, pngs", RUNS, ids=[" ".join([r[0], *r[1]]) for r in RUNS])
def test_example_runs_and_writes_pngs(name, argv, pngs, tmp_path, monkeypatch, capsys):
    load_example(name, monkeypatch).main([*argv, "--out", str(tmp_path)])
    out = capsys.readouterr().out
    for png in pngs:
        assert_png(tmp_path / png)
    assert "done" in out or "wrote" in out


@pytest.mark.parametrize("name", sorted({r[0] for r in RUNS}))
def test_example_help(name, monkeypatch, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_example(name, monkeypatch).main(["--help"])
    assert exit_info.value.code == 0
    assert "--out" in capsys.readouterr().out


def test_example_grad_accumulation_matches_big_batch(tmp_path, monkeypatch, capsys):
    diff = load_example("grad_accumulation", monkeypatch).main(["--epochs", "1", "--out", str(tmp_path)])
    assert diff < 1e-5
    assert "max |big batch - accumulated|" in capsys.readouterr().out


@pytest.mark.parametrize("dtype, tol", [("float32", 1e-6), ("float64", 1e-14)])
def test_example_backprop_by_hand_matches_autograd(dtype, tol, tmp_path, monkeypatch, capsys):
    example = load_example("backprop_by_hand", monkeypatch)
    worst = example.main(["--epochs", "1", "--dtype", dtype, "--no-explain", "--out", str(tmp_path)])
    assert worst < tol
    out = capsys.readouterr().out
    assert "tensor     | exact | approximate | max diff" in out
    assert "| False       |" not in out  # every hand gradient is allclose to autograd's


def test_example_vae_reparameterisation_by_hand_is_rsample(tmp_path, monkeypatch, capsys):
    example = load_example("vae_digits", monkeypatch)
    argv = ["--epochs", "1", "--batch-size", "256", "--out", str(tmp_path)]
    with_rsample, by_hand = example.main(argv), example.main([*argv, "--by-hand"])
    assert by_hand == with_rsample  # mu + eps * std with the same eps: the same training, bit for bit
    out = capsys.readouterr().out
    diff = float(re.search(r"distributions.kl_divergence: max \|difference\| (\S+)", out).group(1))
    assert diff < 1e-5


def test_example_per_sample_grads_match_the_loop(tmp_path, monkeypatch, capsys):
    example = load_example("per_sample_grads", monkeypatch)
    diff = example.main(["--epochs", "0", "--batch-size", "64", "--repeat", "1", "--out", str(tmp_path)])
    assert diff < 1e-5
    assert re.search(r"vmap \S+ ms, loop \S+ ms, vmap is \S+x faster", capsys.readouterr().out)
    assert_png(tmp_path / "per_sample_grads_norms.png")


def test_text_corpus_is_deterministic_capped_and_round_trips(monkeypatch):
    text_module = load_example("_text", monkeypatch)
    text = text_module.stdlib_text(20000)
    assert len(text) == 20000 and text == text_module.stdlib_text(20000)
    vocab = text_module.Vocab(text)
    assert vocab.chars == sorted(set(text))
    assert vocab.decode(vocab.encode(text)) == text
    train, val = text_module.split(list(range(10)))
    assert (train, val) == (list(range(9)), [9])


def test_stdlib_names_are_sorted_unique_lowercase_words(monkeypatch):
    names = load_example("_text", monkeypatch).stdlib_names()
    assert len(names) > 1000
    assert names == sorted(set(names))
    assert all(re.fullmatch("[a-z]+", n) for n in names)


def test_char_gpt_explicit_attention_weights_are_what_sdpa_uses(monkeypatch):
    gpt = load_example("char_gpt", monkeypatch)
    torch.manual_seed(0)
    attn = gpt.CausalSelfAttention(16, 4, dropout=0.0)
    x = torch.randn(2, 7, 16)
    with torch.no_grad():
        weights, q, k, v = attn.weights(x)
        by_hand = attn.proj((weights @ v).transpose(1, 2).reshape(2, 7, 16))
        assert torch.allclose(attn(x), by_hand, atol=1e-6)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 4, 7))
    assert (weights.triu(1) == 0).all()  # causal: nothing from the future


def test_import_minigrad_does_not_import_matplotlib():
    code = "import sys, minigrad, minigrad.viz; print('matplotlib' in sys.modules)"
    result = run_python(code, check=True)
    assert result.stdout.strip() == "False"


# ----------------------------------------------------------------------------- plot_losses


def test_plot_losses_one_run(tmp_path):
    fig = viz.plot_losses([3.0, 2.0, 1.5, 1.2], tmp_path / "one.png", title="t", xlabel="epoch")
    assert_png(tmp_path / "one.png")
    ax = fig.axes[0]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("t", "epoch", "loss")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss"]
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3, 4]


def test_plot_losses_several_runs_log_scale_and_smoothing(tmp_path):
    history = {"train": [1.0, 0.5, 0.25, 0.2, 0.1], "validation": [1.1, 0.7, 0.4, 0.35, 0.3]}
    fig = viz.plot_losses(history, tmp_path / "runs.png", log_scale=True, smooth=2)
    assert_png(tmp_path / "runs.png")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]
    smoothed = [line for line in ax.lines if line.get_label() == "train"][0]
    assert list(smoothed.get_ydata()) == pytest.approx([1.0, 0.75, 0.375, 0.225, 0.15])


def test_plot_losses_accepts_tensors_and_writes_svg(tmp_path):
    viz.plot_losses({"a": [torch.tensor(2.0), torch.tensor(1.0)]}, tmp_path / "a.svg")
    assert "<svg" in (tmp_path / "a.svg").read_text()


@pytest.mark.parametrize("history, kwargs", [([], {}), ({}, {}), ([1.0, 2.0], {"smooth": 0})])
def test_plot_losses_rejects_bad_input(history, kwargs, tmp_path):
    with pytest.raises(ValueError):
        viz.plot_losses(history, tmp_path / "bad.png", **kwargs)


# ----------------------------------------------------------------------------- draw_graph, to_dot


def small_graph():
    x = torch.ones(2, 3, requires_grad=True)
    w = torch.randn(3, 4, requires_grad=True)
    h = (x @ w).tanh()
    loss = h.sum() + (x * x).mean() + (w**2).sum()  # x and w reused: long edges
    return loss, {"x": x, "w": w, "h": h, "loss": loss}


def boxes_of(fig):
    from matplotlib.patches import FancyBboxPatch

    return [p.get_bbox() for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]


def test_draw_graph_png_one_box_per_node_without_overlaps(tmp_path):
    loss, names = small_graph()
    fig = viz.draw_graph(loss, tmp_path / "g.png", names=names)
    assert_png(tmp_path / "g.png")
    boxes = boxes_of(fig)
    assert len(boxes) == len(torch.autograd.tape(loss, names={}))
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert {"MmBackward0", "TanhBackward0", "MulBackward0", "x (2, 3)", "w (3, 4)"} <= set(texts)
    assert "requires_grad=True" in texts


@pytest.mark.parametrize("seed", [0, 1])
def test_draw_graph_random_dags_never_overlap(seed, tmp_path):
    rng = random.Random(seed)
    pool = [torch.randn(3, requires_grad=True) for _ in range(4)]
    ops = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a.tanh(), lambda a, b: a - b]
    for _ in range(25):
        pool.append(rng.choice(ops)(rng.choice(pool), rng.choice(pool)))
    out = pool[-1].sum() + pool[-2].sum() + pool[-3].sum()
    boxes = boxes_of(viz.draw_graph(out, tmp_path / "dag.png", names={}))
    assert len(boxes) == len(torch.autograd.tape(out, names={}))
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)


def test_draw_graph_svg_labels_with_caller_locals(tmp_path):
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    out = (a * 3).sum()
    fig = viz.draw_graph(out, tmp_path / "g.svg")
    assert "<svg" in (tmp_path / "g.svg").read_text()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "a (2,)" in texts and "out ()" in texts


def test_draw_graph_of_a_leaf_and_of_a_constant(tmp_path):
    leaf = torch.zeros(3, requires_grad=True)
    assert len(boxes_of(viz.draw_graph(leaf, tmp_path / "leaf.png"))) == 1
    with pytest.raises(ValueError, match="requires_grad=True"):
        viz.draw_graph(torch.zeros(3) * 2, tmp_path / "const.png")


def test_to_dot_has_node_names_and_data_flow_edges():
    loss, names = small_graph()
    dot = viz.to_dot(loss, names=names)
    assert dot.startswith("digraph tape {") and dot.rstrip().endswith("}")
    ids = {line.split()[0]: line for line in dot.splitlines() if "[label=" in line}
    by_label = {re.search(r'label="(.*?)(\\n|")', line).group(1): node for node, line in ids.items()}
    assert {"x (2, 3)", "w (3, 4)", "MmBackward0", "TanhBackward0", "PowBackward0"} <= set(by_label)
    assert f"{by_label['x (2, 3)']} -> {by_label['MmBackward0']};" in dot  # input -> consumer
    assert f"{by_label['MmBackward0']} -> {by_label['TanhBackward0']};" in dot
    assert "requires_grad=True" in ids[by_label["x (2, 3)"]]


def test_to_dot_names_model_parameters():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    dot = viz.to_dot(model(torch.randn(4, 2)).sum(), names=dict(model.named_parameters()))
    for name in ("0.weight (3, 2)", "0.bias (3,)", "2.weight (1, 3)", "2.bias (1,)"):
        assert f'label="{name}' in dot


def test_to_dot_deep_graph_without_recursion():
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y * 1.0
    dot = viz.to_dot(y, names={})
    assert dot.count("MulBackward0") == 3 * sys.getrecursionlimit()
