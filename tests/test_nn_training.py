"""End-to-end tests: real small networks train on random data the PyTorch way (the loss
falls), and a trained minigrad model graduates to PyTorch: its state dict, saved with
minigrad.save and loaded into the same-architecture torch model via
``{k: torch.from_numpy(v.numpy())}``, gives the same outputs."""

import numpy as np
import pytest

import minigrad
from minigrad import nn

F = nn.functional


def mlp(nn, depth=10, width=32):
    layers = [nn.Linear(8, width), nn.ReLU()]
    for _ in range(depth - 2):
        layers += [nn.Linear(width, width), nn.LayerNorm(width), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(width, 3))


def cnn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.1),
        nn.Linear(16 * 2 * 2, 4),
    )


def _train(model, x, y, steps, lr):
    opt = minigrad.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_ten_layer_mlp_loss_falls():
    minigrad.manual_seed(0)
    model = mlp(nn)
    assert sum(isinstance(m, nn.Linear) for m in model.modules()) == 10
    x, y = minigrad.randn(64, 8), minigrad.randint(0, 3, (64,))
    losses = _train(model, x, y, steps=40, lr=3e-3)
    assert losses[-1] < 0.5 * losses[0]


def test_small_cnn_loss_falls():
    minigrad.manual_seed(1)
    model = cnn(nn)
    x, y = minigrad.randn(32, 1, 8, 8), minigrad.randint(0, 4, (32,))
    losses = _train(model, x, y, steps=30, lr=1e-2)
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("build, shape", [(mlp, (5, 8)), (cnn, (5, 1, 8, 8))], ids=["mlp", "cnn"])
def test_saved_state_dict_loads_into_torch_and_gives_same_outputs(build, shape, tmp_path):
    torch = pytest.importorskip("torch")
    minigrad.manual_seed(2)
    model = build(nn)
    _train(model, minigrad.randn(*shape), minigrad.randint(0, 3, (shape[0],)), steps=3, lr=1e-2)
    model.eval()
    minigrad.save(model.state_dict(), tmp_path / "model.pt")
    state = minigrad.load(tmp_path / "model.pt")
    twin = build(torch.nn)
    twin.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in state.items()})
    twin.eval()
    x = np.random.default_rng(3).normal(size=shape).astype(np.float32)
    with torch.no_grad():
        expected = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(minigrad.from_numpy(x)).detach().numpy(), expected, rtol=1e-4, atol=1e-5)


def test_torch_state_dict_loads_into_minigrad():
    torch = pytest.importorskip("torch")
    twin = cnn(torch.nn).eval()
    model = cnn(nn).eval()
    model.load_state_dict(twin.state_dict())
    x = np.random.default_rng(4).normal(size=(2, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        expected = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(minigrad.from_numpy(x)).detach().numpy(), expected, rtol=1e-4, atol=1e-5)


def test_pytorch_style_training_script_runs_unchanged():
    import minigrad.nn as tnn

    import minigrad as torch

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = tnn.Linear(4, 16)
            self.fc2 = tnn.Linear(16, 2)

        def forward(self, x):
            return self.fc2(torch.relu(self.fc1(x)))

    torch.manual_seed(0)
    net = Net()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    criterion = tnn.CrossEntropyLoss()
    x, y = torch.randn(32, 4), torch.randint(0, 2, (32,))
    first = None
    for _ in range(20):
        opt.zero_grad()
        loss = criterion(net(x), y)
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    with torch.no_grad():
        acc = (net(x).numpy().argmax(1) == y.numpy()).mean()
    assert loss.item() < first and acc > 0.7
