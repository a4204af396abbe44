"""A character-level LSTM (or GRU) trained on Python's own source, by truncated BPTT.

    python examples/char_lstm.py                     # LSTM, the defaults: a few minutes
    python examples/char_lstm.py --cell gru
    python examples/char_lstm.py --steps 20 --max-chars 200000 --eval-chars 4096   # smoke test

The text is the one char_gpt.py reads (examples/_text.py: the standard library's .py files
in sorted order, the first --max-chars characters; 90% train, 10% validation). Unlike the
GPT's random windows, a recurrent net reads the text in order: the training text is cut into
--batch-size contiguous streams, one per batch row, and each step reads the next --bptt
characters of every stream, starting from the hidden state the previous chunk ended with.
Gradients flow back through one chunk only (truncated backpropagation through time); the
state carries what the net remembers further back. At the end of the streams the state
starts again from zeros.

Every --eval-every steps it prints the mean training loss since the last line and the loss
on the first --eval-chars validation characters (read the same way, state carried), and a
line sampled with --temperature; a longer sample at the end. Writes char_lstm_loss.png
(char_gru_loss.png with --cell gru).
"""

import math
import time

import minigrad.nn.functional as F
from _common import make_parser, out_path, progress, say
from _text import Vocab, shown, split, stdlib_text

import minigrad as torch
from minigrad import nn, viz


class CharRNN(nn.Module):
    def __init__(self, vocab_size, cell, emb, hidden, layers):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, emb)
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(emb, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, idx, state=None):
        """Logits (batch, time, vocab) and the state after the last character."""
        out, state = self.rnn(self.emb(idx), state)
        return self.head(out), state


def detach(state):
    """The state's values without its history (an LSTM's state is a pair (h, c))."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def streams(data, batch_size):
    """``data`` cut into ``batch_size`` contiguous rows (the tail that does not fit dropped)."""
    n = len(data) // batch_size
    return data[: n * batch_size].view(batch_size, n)


def loss_of(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


@torch.no_grad()
def evaluate(model, rows, bptt):
    """Mean loss over ``rows`` (batch, n), read chunk by chunk with the state carried."""
    model.eval()
    state, total, count = None, 0.0, 0
    for t in range(0, rows.shape[1] - 1, bptt):
        x, y = rows[:, t : t + bptt], rows[:, t + 1 : t + bptt + 1]
        x = x[:, : y.shape[1]]
        logits, state = model(x, state)
        total += loss_of(logits, y).item() * y.numel()
        count += y.numel()
    model.train()
    return total / count


@torch.no_grad()
def sample(model, vocab, prompt, n, temperature, generator):
    """``prompt`` and ``n`` characters drawn one at a time, feeding each back in."""
    model.eval()
    logits, state = model(torch.tensor([vocab.encode(prompt)]))
    out = []
    for _ in range(n):
        probs = F.softmax(logits[:, -1, :] / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator)
        out.append(nxt.item())
        logits, state = model(nxt, state)  # one character in, the state carries the rest
    model.train()
    return prompt + vocab.decode(out)


def main(argv=None):
    p = make_parser(__doc__, steps=600, batch_size=32, lr=3e-3)
    p.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    p.add_argument(
        "--max-chars", type=int, default=1_000_000, help="characters of text (default: %(default)s)"
    )
    p.add_argument("--bptt", type=int, default=64, help="characters per chunk (default: %(default)s)")
    p.add_argument("--emb", type=int, default=32, help="embedding width (default: %(default)s)")
    p.add_argument("--hidden", type=int, default=128, help="hidden state size (default: %(default)s)")
    p.add_argument("--layers", type=int, default=1, help="stacked recurrent layers (default: %(default)s)")
    p.add_argument("--eval-every", type=int, default=100, help="steps between evals (default: %(default)s)")
    p.add_argument(
        "--eval-chars", type=int, default=32768, help="validation characters (default: %(default)s)"
    )
    p.add_argument("--temperature", type=float, default=0.8, help="sampling (default: %(default)s)")
    p.add_argument("--prompt", default="def ", help="text the samples start from (default: %(default)r)")
    p.add_argument(
        "--sample-chars", type=int, default=400, help="length of the last sample (default: %(default)s)"
    )
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)

    text = stdlib_text(args.max_chars)
    vocab = Vocab(text)
    train_data, val_data = split(torch.tensor(vocab.encode(text), dtype=torch.long))
    train_rows = streams(train_data, args.batch_size)
    val_rows = streams(val_data[: args.eval_chars], args.batch_size)
    model = CharRNN(len(vocab), args.cell, args.emb, args.hidden, args.layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    generator = torch.Generator().manual_seed(args.seed)
    print(
        f"char_{args.cell}: {len(text)} characters, vocabulary {len(vocab)}, {args.batch_size} streams "
        f"of {train_rows.shape[1]} train characters, {sum(q.numel() for q in model.parameters())} "
        f"parameters; uniform guessing scores {math.log(len(vocab)):.2f}"
    )

    state, t, running = None, 0, []
    history = {"step": [], "train": [], "val": []}
    batch_losses, start = [], time.perf_counter()
    for step in progress(args.steps):
        if t + args.bptt + 1 > train_rows.shape[1]:  # end of the streams: start over
            state, t = None, 0
        x, y = train_rows[:, t : t + args.bptt], train_rows[:, t + 1 : t + args.bptt + 1]
        t += args.bptt
        if state is not None:
            # Keep the state's values but cut its history: without detach() this backward
            # would run on through every earlier chunk (whose graphs the earlier backward
            # calls already freed, so PyTorch raises "Trying to backward through the graph
            # a second time"), and the graph, memory and time per step would grow with the
            # text read so far. Truncated BPTT: gradients span one chunk, values all of them.
            state = detach(state)
        logits, state = model(x, state)
        loss = loss_of(logits, y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # recurrent nets' gradients can explode
        optimizer.step()
        batch_losses.append(loss.item())
        running.append(loss.item())
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            val = evaluate(model, val_rows, args.bptt)
            history["step"].append(step + 1)
            history["train"].append(sum(running) / len(running))
            history["val"].append(val)
            running = []
            say(
                f"step {step + 1:{len(str(args.steps))}d}/{args.steps}  train {history['train'][-1]:.4f}  "
                f"val {val:.4f}  {time.perf_counter() - start:6.1f} s"
            )
            say(f"  sample: {shown(sample(model, vocab, args.prompt, 80, args.temperature, generator))}")
    elapsed = time.perf_counter() - start

    print(
        f"done: {args.cell}, {args.steps} steps of {args.batch_size} x {args.bptt} characters in "
        f"{elapsed:.1f} s, train loss {history['train'][-1]:.4f} (last {args.eval_every} steps), "
        f"val loss {history['val'][-1]:.4f} (nats per character)"
    )
    print(f"sample (temperature {args.temperature}):")
    print(sample(model, vocab, args.prompt, args.sample_chars, args.temperature, generator))
    path = out_path(args, f"char_{args.cell}_loss.png")
    title = f"char_{args.cell}: loss (truncated BPTT, {args.bptt} steps)"
    with viz.figure(path, title=title, xlabel="step", ylabel="cross-entropy (nats/char)") as ax:
        ax.plot(range(1, len(batch_losses) + 1), batch_losses, alpha=0.3, linewidth=0.8, label="train batch")
        ax.plot(history["step"], history["train"], "o-", label="train (mean since last eval)")
        ax.plot(history["step"], history["val"], "s--", label="validation")
        ax.grid(alpha=0.3)
    print(f"wrote {path}")
    return history["val"][-1]


if __name__ == "__main__":
    main()
