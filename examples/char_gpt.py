"""A small GPT that learns to write Python, one character at a time, from Python's own source.

    python examples/char_gpt.py                          # the defaults: a few minutes on 2 cores
    python examples/char_gpt.py --steps 20 --max-chars 200000 --eval-iters 2   # a smoke test

The text is the standard library's source (examples/_text.py: its .py files in sorted order,
the first --max-chars characters), the vocabulary its characters, the first 90% training
data, the rest validation. Each step draws --batch-size random windows of --block-size
characters (``get_batch``: no DataLoader) and learns to predict every next character.

The model is the decoder-only transformer of the GPT papers, small: token and position
embeddings; --n-layer blocks of [LayerNorm, causal self-attention
(``F.scaled_dot_product_attention(is_causal=True)``), residual add, LayerNorm, a GELU MLP,
residual add]; a final LayerNorm; a head that shares its weight with the token embedding
(weight tying). AdamW (weight decay on matrices only), a linear warm-up then a cosine decay
of the learning rate (``LambdaLR``), gradients clipped to norm 1.

Every --eval-every steps it prints the mean train and validation loss over --eval-iters
batches; every --sample-every steps a line of text sampled with --temperature and --top-k,
and a longer sample at the end. Writes char_gpt_loss.png (the loss curves) and
char_gpt_attention.png: the attention weights of one head on a piece of validation text,
computed explicitly as softmax(q k^T / sqrt(d)) with the causal mask, from the same
module's weights (and checked against what scaled_dot_product_attention returns).
"""

import math
import time

import minigrad.nn.functional as F
from _common import make_parser, out_path, progress, say
from _text import Vocab, shown, split, stdlib_text

import minigrad as torch
from minigrad import nn, viz


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        assert n_embd % n_head == 0, "--n-embd must be a multiple of --n-head"
        self.n_head, self.dropout = n_head, dropout
        self.qkv = nn.Linear(n_embd, 3 * n_embd)  # queries, keys and values of all heads at once
        self.proj = nn.Linear(n_embd, n_embd)

    def heads(self, x):
        """q, k, v, each (batch, head, time, head size)."""
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        return [t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v)]

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.heads(x)
        y = F.scaled_dot_product_attention(
            q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0
        )
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))  # heads side by side again

    def weights(self, x):
        """The attention weights that scaled_dot_product_attention uses inside, made explicit:
        softmax(q k^T / sqrt(d)) with the future masked out, (batch, head, time, time)."""
        q, k, v = self.heads(x)
        T = x.shape[1]
        scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-1])
        future = ~torch.ones(T, T, dtype=torch.bool).tril()
        return F.softmax(scores.masked_fill(future, float("-inf")), dim=-1), q, k, v


class Block(nn.Module):
    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, dropout)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd), nn.Dropout(dropout)
        )

    def forward(self, x):
        x = x + self.attn(self.ln1(x))  # pre-norm residual blocks
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd, dropout):
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head, dropout) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.lm_head.weight = self.tok_emb.weight  # weight tying: one matrix, in and out
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        # N(0, 0.02) as in GPT-2: the default N(0, 1) embedding, tied to the head, would start
        # with huge logits
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx, targets=None):
        T = idx.shape[1]
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(T))  # (B, T, C) + (T, C)
        logits = self.lm_head(self.ln_f(self.blocks(x)))
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))

    @torch.no_grad()
    def generate(self, idx, new_tokens, temperature=1.0, top_k=None, generator=None):
        """Append ``new_tokens`` sampled characters to each row of ``idx`` (B, T)."""
        for _ in range(new_tokens):
            logits, _ = self(idx[:, -self.block_size :])  # the model sees at most a block
            logits = logits[:, -1, :] / temperature  # the last position predicts the next
            if top_k is not None:
                kth, _ = torch.topk(logits, min(top_k, logits.shape[-1]))
                logits[logits < kth[:, [-1]]] = -float("inf")  # keep the k most likely
            probs = F.softmax(logits, dim=-1)
            idx = torch.cat((idx, torch.multinomial(probs, 1, generator=generator)), dim=1)
        return idx


def get_batch(data, block_size, batch_size):
    """``batch_size`` random windows of ``data`` and the same windows shifted by one."""
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i : i + block_size] for i in ix])
    y = torch.stack([data[i + 1 : i + block_size + 1] for i in ix])
    return x, y


@torch.no_grad()
def estimate_loss(model, splits, args):
    """Mean loss over ``args.eval_iters`` random batches of each split, in eval mode."""
    model.eval()
    out = {}
    for name, data in splits.items():
        losses = torch.zeros(args.eval_iters)
        for k in range(args.eval_iters):
            _, loss = model(*get_batch(data, args.block_size, args.batch_size))
            losses[k] = loss.item()
        out[name] = losses.mean().item()
    model.train()
    return out


def warmup_cosine(warmup, steps, floor=0.1):
    """LambdaLR's factor: linear from 1/warmup to 1, then a half cosine down to ``floor``."""

    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        done = min(1.0, (step - warmup) / max(1, steps - warmup))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * done))

    return factor


def sample(model, vocab, args, n, generator):
    """``args.prompt`` and ``n`` sampled characters, in eval mode (no dropout)."""
    model.eval()
    prompt = torch.tensor([vocab.encode(args.prompt)])
    out = model.generate(prompt, n, args.temperature, args.top_k, generator=generator)
    model.train()
    return vocab.decode(out[0].tolist())


def main(argv=None):
    p = make_parser(__doc__, steps=1500, batch_size=32, lr=3e-3)
    p.add_argument(
        "--max-chars", type=int, default=1_000_000, help="characters of text (default: %(default)s)"
    )
    p.add_argument("--block-size", type=int, default=64, help="context length (default: %(default)s)")
    p.add_argument("--n-layer", type=int, default=2, help="transformer blocks (default: %(default)s)")
    p.add_argument("--n-head", type=int, default=4, help="attention heads (default: %(default)s)")
    p.add_argument("--n-embd", type=int, default=64, help="embedding width (default: %(default)s)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout rate (default: %(default)s)")
    p.add_argument("--weight-decay", type=float, default=0.1, help="AdamW's (default: %(default)s)")
    p.add_argument("--warmup", type=int, default=100, help="warm-up steps (default: %(default)s)")
    p.add_argument("--eval-every", type=int, default=250, help="steps between evals (default: %(default)s)")
    p.add_argument("--eval-iters", type=int, default=20, help="batches per eval (default: %(default)s)")
    p.add_argument(
        "--sample-every", type=int, default=500, help="steps between samples (default: %(default)s)"
    )
    p.add_argument("--temperature", type=float, default=0.8, help="sampling (default: %(default)s)")
    p.add_argument(
        "--top-k", type=int, default=20, help="sample among the k likeliest (default: %(default)s)"
    )
    p.add_argument("--prompt", default="def ", help="text the samples start from (default: %(default)r)")
    p.add_argument(
        "--sample-chars", type=int, default=400, help="length of the last sample (default: %(default)s)"
    )
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)

    text = stdlib_text(args.max_chars)
    vocab = Vocab(text)
    train_data, val_data = split(torch.tensor(vocab.encode(text), dtype=torch.long))
    splits = {"train": train_data, "val": val_data}
    model = GPT(len(vocab), args.block_size, args.n_layer, args.n_head, args.n_embd, args.dropout)
    matrices = [q for q in model.parameters() if q.dim() >= 2]  # decay weights, not biases or norms
    others = [q for q in model.parameters() if q.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": matrices, "weight_decay": args.weight_decay}, {"params": others, "weight_decay": 0.0}],
        lr=args.lr,
        betas=(0.9, 0.99),
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(args.warmup, args.steps))
    generator = torch.Generator().manual_seed(args.seed)  # samples independent of training's draws
    print(
        f"char_gpt: {len(text)} characters of the standard library's source, vocabulary {len(vocab)}, "
        f"{len(train_data)} train / {len(val_data)} val; {sum(q.numel() for q in model.parameters())} "
        f"parameters ({args.n_layer} layers, {args.n_head} heads, width {args.n_embd}, "
        f"context {args.block_size}); uniform guessing scores {math.log(len(vocab)):.2f}"
    )

    history = {"step": [], "train": [], "val": []}
    batch_losses, start = [], time.perf_counter()
    for step in progress(args.steps):
        if step % args.eval_every == 0:
            losses = estimate_loss(model, splits, args)
            for name in ("train", "val"):
                history[name].append(losses[name])
            history["step"].append(step)
            say(
                f"step {step:{len(str(args.steps))}d}/{args.steps}  train {losses['train']:.4f}  "
                f"val {losses['val']:.4f}  lr {scheduler.get_last_lr()[0]:.2e}  "
                f"{time.perf_counter() - start:6.1f} s"
            )
        if step % args.sample_every == 0 and step > 0:
            say(f"  sample: {shown(sample(model, vocab, args, 80, generator))}")
        x, y = get_batch(train_data, args.block_size, args.batch_size)
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # a bad batch cannot throw the model far
        optimizer.step()
        scheduler.step()
        batch_losses.append(loss.item())
    elapsed = time.perf_counter() - start

    losses = estimate_loss(model, splits, args)
    for name in ("train", "val"):
        history[name].append(losses[name])
    history["step"].append(args.steps)
    print(
        f"done: {args.steps} steps in {elapsed:.1f} s, train loss {losses['train']:.4f}, "
        f"val loss {losses['val']:.4f} (nats per character; uniform {math.log(len(vocab)):.2f})"
    )
    print(f"sample (temperature {args.temperature}, top_k {args.top_k}):")
    print(sample(model, vocab, args, args.sample_chars, generator))

    path = out_path(args, "char_gpt_loss.png")
    with viz.figure(path, title="char_gpt: loss", xlabel="step", ylabel="cross-entropy (nats/char)") as ax:
        ax.plot(range(1, len(batch_losses) + 1), batch_losses, alpha=0.3, linewidth=0.8, label="train batch")
        ax.plot(history["step"], history["train"], "o-", label="train (eval)")
        ax.plot(history["step"], history["val"], "s--", label="validation (eval)")
        ax.grid(alpha=0.3)
    print(f"wrote {path}")
    print(f"wrote {plot_attention(model, vocab, val_data, args)}")
    return losses["val"]


def plot_attention(model, vocab, val_data, args, head=0, n=48):
    """Heat map of the last layer's head ``head`` on the first ``n`` validation characters."""
    layer, n = len(model.blocks) - 1, min(n, model.block_size)
    idx = val_data[:n].view(1, -1)
    model.eval()
    with torch.no_grad():  # the input of the last block: embeddings, then the blocks before it
        x = model.blocks[:layer](model.tok_emb(idx) + model.pos_emb(torch.arange(n)))
        weights, q, k, v = model.blocks[layer].attn.weights(model.blocks[layer].ln1(x))
        fused = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        diff = (weights @ v - fused).abs().max().item()
    say(f"attention check: max |softmax(q k^T / sqrt(d)) v - scaled_dot_product_attention| = {diff:.2g}")
    labels = [{"\n": "⏎", " ": "␣", "\t": "⇥"}.get(c, c) for c in vocab.decode(idx[0].tolist())]
    path = out_path(args, "char_gpt_attention.png")
    with viz.figure(
        path,
        title=f"char_gpt: layer {layer}, head {head} attention weights",
        xlabel="attends to (key)",
        ylabel="query position",
        figsize=(7.2, 6.6),
    ) as ax:
        image = ax.imshow(weights[0, head].numpy(), cmap="viridis", vmin=0.0)
        ax.set_xticks(range(n), labels, fontsize=6, family="monospace")
        ax.set_yticks(range(n), labels, fontsize=6, family="monospace")
        ax.figure.colorbar(image, ax=ax, shrink=0.8)
    return path


if __name__ == "__main__":
    main()
