"""A variational autoencoder on scikit-learn's 8x8 digits: reconstructions and new digits.

    python examples/vae_digits.py                    # rsample from distributions.Normal
    python examples/vae_digits.py --by-hand          # z = mu + eps * std written out

The encoder maps an image (64 pixels scaled to [0, 1]) to the mean ``mu`` and log-variance
``logvar`` of a Gaussian q(z | x) over --latent dimensions; a z drawn from it is decoded into
64 Bernoulli logits. The loss per image is the negative evidence lower bound,

    reconstruction  BCE(decoder(z), x), summed over the pixels, z ~ q(z | x)
    + KL            KL(q(z | x) || N(0, I)) = -1/2 sum(1 + logvar - mu**2 - exp(logvar))

Drawing z through ``Normal(mu, std).rsample()`` (the reparameterisation z = mu + std * eps,
eps ~ N(0, I)) keeps z a differentiable function of mu and std, so the reconstruction term's
gradient reaches the encoder. The KL term is in closed form, checked once against
``distributions.kl_divergence``. Prints both terms per epoch; writes
vae_digits_reconstructions.png (test images above, their reconstructions below),
vae_digits_samples.png (decoded z ~ N(0, I)) and vae_digits_loss.png.
"""

import time

import numpy as np
from _common import batches, log_epoch, make_parser, out_path
from minigrad.nn import functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import minigrad as torch
from minigrad import distributions, nn, viz


class VAE(nn.Module):
    def __init__(self, latent, hidden=128):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 64))

    def forward(self, x, by_hand=False):
        """(pixel logits, mu, logvar) for a batch of flat images."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        std = (0.5 * logvar).exp()
        if by_hand:
            z = mu + torch.randn_like(std) * std  # the reparameterisation, written out
        else:
            z = distributions.Normal(mu, std).rsample()
        return self.decoder(z), mu, logvar


def kl_to_prior(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, 1)) per image, summed over the latent dims."""
    return -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(1)


def losses(model, x, by_hand=False):
    """(reconstruction, KL), each the mean over the batch of a per-image sum."""
    logits, mu, logvar = model(x, by_hand)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
    return recon, kl_to_prior(mu, logvar).mean()


def load_data():
    """(train, test) images as N x 64 tensors in [0, 1] (the digits' pixels are 0..16)."""
    digits = load_digits()
    x_train, x_test = train_test_split(
        digits.data / 16.0, test_size=0.2, stratify=digits.target, random_state=0
    )
    return torch.tensor(x_train, dtype=torch.float32), torch.tensor(x_test, dtype=torch.float32)


def tile(images, rows):
    """A (rows*9 - 1) x (cols*9 - 1) mosaic of 8x8 images with one-pixel gaps."""
    images = np.asarray(images).reshape(rows, -1, 8, 8)
    padded = np.pad(images, ((0, 0), (0, 0), (0, 1), (0, 1)), constant_values=np.nan)
    return padded.transpose(0, 2, 1, 3).reshape(rows * 9, -1)[:-1, :-1]


def draw_images(images, rows, path, title, width=6.4):
    cols = len(images) // rows
    with viz.figure(path, title=title, figsize=(width, width * rows / cols + 0.5)) as ax:
        ax.imshow(tile(images, rows), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax.set_axis_off()


def main(argv=None):
    p = make_parser(__doc__, epochs=40, batch_size=64, lr=2e-3)
    p.add_argument("--latent", type=int, default=8, help="latent dimensions (default: %(default)s)")
    p.add_argument("--by-hand", action="store_true", help="z = mu + eps * std instead of Normal.rsample()")
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    x_train, x_test = load_data()
    model = VAE(args.latent)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    print(
        f"VAE 64-128-{args.latent}-128-64: {sum(q.numel() for q in model.parameters())} parameters, "
        f"{len(x_train)} train / {len(x_test)} test images, z by "
        f"{'hand (mu + eps * std)' if args.by_hand else 'Normal(mu, std).rsample()'}"
    )
    with torch.no_grad():  # the closed form against the distributions' table, on the untrained encoder
        mu, logvar = model.encoder(x_test).chunk(2, dim=1)
        q = distributions.Normal(mu, (0.5 * logvar).exp())
        prior = distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
        table = distributions.kl_divergence(q, prior).sum(1)
        diff = (kl_to_prior(mu, logvar) - table).abs().max().item()
    print(f"closed-form KL vs distributions.kl_divergence: max |difference| {diff:.2e}")
    x = x_train.numpy().astype(np.float64)
    floor = -np.sum(x * np.log(np.where(x > 0, x, 1)) + (1 - x) * np.log(np.where(x < 1, 1 - x, 1))) / len(x)
    print(f"(the pixels are grey, not 0/1: no reconstruction beats BCE = {floor:.2f} nats per image)")

    history = {"reconstruction": [], "KL": [], "total (-ELBO)": []}
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        sums = np.zeros(2)
        for idx in batches(len(x_train), args.batch_size):
            recon, kl = losses(model, x_train[idx], args.by_hand)
            optimizer.zero_grad()
            (recon + kl).backward()
            optimizer.step()
            sums += np.array([recon.item(), kl.item()]) * len(idx)
        recon, kl = sums / len(x_train)
        for key, value in zip(history, (recon, kl, recon + kl)):
            history[key].append(value)
        log_epoch(epoch, args.epochs, recon=recon, kl=kl, loss=recon + kl)
    elapsed = time.perf_counter() - start

    model.eval()
    with torch.no_grad():
        test_recon, test_kl = (v.item() for v in losses(model, x_test, args.by_hand))
        logits, _, _ = model(x_test[:16], args.by_hand)
        originals, recons = x_test[:16].numpy(), torch.sigmoid(logits).numpy()
        samples = torch.sigmoid(model.decoder(torch.randn(64, args.latent))).numpy()
    recon, kl = history["reconstruction"][-1], history["KL"][-1]
    print(
        f"done: trained in {elapsed:.1f} s; per image, train reconstruction {recon:.2f} + KL {kl:.2f} = "
        f"{recon + kl:.2f} nats; test {test_recon:.2f} + {test_kl:.2f} = {test_recon + test_kl:.2f}"
    )
    paths = [out_path(args, f"vae_digits_{name}.png") for name in ("reconstructions", "samples", "loss")]
    draw_images(
        np.concatenate([originals, recons]),
        2,
        paths[0],
        "test digits (top) and their reconstructions (bottom)",
    )
    draw_images(samples, 8, paths[1], "new digits: the decoder on z ~ N(0, I)", width=4.8)
    viz.plot_losses(
        history, paths[2], title="VAE on the digits: -ELBO per image", xlabel="epoch", ylabel="nats per image"
    )
    print("wrote " + ", ".join(paths))
    return test_recon + test_kl


if __name__ == "__main__":
    main()
