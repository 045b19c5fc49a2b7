"""The mini-world's LaBSE: a BertModel + WordPiece BertTokenizerFast trained as a sentence encoder.

    python examples/miniworld/models/labse.py --world data/miniworld --out data/miniworld/models/labse

The architecture of ``sentence-transformers/LaBSE`` (a BERT encoder), scaled down. The tokenizer is
a cased WordPiece (``do_lower_case=False``, accents kept, CJK ideographs split into single
characters as BERT does) trained with ``tokenizers`` on the train split of all 13 languages. The
model is trained with LaBSE's translation-ranking loss: for a batch of (source, translation) pairs,
each in a random language pair, an in-batch softmax over scaled cosine similarities with an
additive margin subtracted from the positive, in both directions (source -> translations and
translation -> sources). In-batch candidates whose text equals the positive's (languages without
articles or plural marking render several meanings alike) are masked out, not counted as negatives.

Sentence embedding, as LaBSE: the ``[CLS]`` output passed through BertModel's pooler (dense + tanh),
i.e. ``BertModel(...).pooler_output``, then L2-normalised. ``pooling.json`` in the output folder
records this. Saved with ``save_pretrained`` (safetensors, fp16 weights); writes
``train_log.jsonl`` next to the output folder and ``eval.json`` (bitext retrieval P@1 on the test
split for a sample of language pairs, both directions).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    LANGS, TrainLog, base_parser, save_fp16, setup, step_record, update, warmup_linear, write_report,
)

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# retrieval pairs for eval.json: the required ones first, then a fixed sample of the rest
EVAL_PAIRS = [("en", "fr"), ("de", "en"), ("zh", "ja"), ("ca", "es"), ("af", "nl"), ("en", "zh"),
              ("ja", "en"), ("pl", "ro"), ("it", "pt"), ("es", "de"), ("fr", "ja"), ("nl", "pl")]
POOLING = {
    "pooling": "cls_pooler",
    "description": "sentence embedding = BertModel(...).pooler_output (the [CLS] hidden state passed through "
                   "the pooler's dense layer + tanh), then L2-normalised; compare with cosine similarity. "
                   "As LaBSE.",
    "normalize": True,
    "similarity": "cosine",
}


def train_wordpiece(texts: list[str], vocab_size: int) -> dict[str, int]:
    """A cased BERT WordPiece vocabulary (BertNormalizer without lower-casing/accent stripping,
    CJK ideographs split into characters, BertPreTokenizer, ``##`` continuation prefix)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    backend = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                    strip_accents=False, lowercase=False)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIALS, min_frequency=1,
                                        continuing_subword_prefix="##", show_progress=False)
    backend.train_from_iterator(texts, trainer)
    return backend.get_vocab()


def build(out: Path, texts: list[dict[str, str]], hidden: int, layers: int, heads: int, vocab_size: int,
          max_len: int = 128, seed: int = 0) -> Path:
    """Save a random-init BertModel + BertTokenizerFast (the LaBSE architecture) to ``out``."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    out.mkdir(parents=True, exist_ok=True)
    corpus = [t[lang] for t in texts for lang in LANGS]
    vocab = train_wordpiece(corpus, vocab_size)
    tok = BertTokenizerFast(vocab=vocab, do_lower_case=False, tokenize_chinese_chars=True, strip_accents=False,
                            model_max_length=max_len)
    tok.save_pretrained(out)
    config = BertConfig(vocab_size=len(tok), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=4 * hidden, max_position_embeddings=max_len,
                        type_vocab_size=2, pad_token_id=tok.pad_token_id, hidden_dropout_prob=0.1,
                        attention_probs_dropout_prob=0.1)
    torch.manual_seed(seed)
    model = BertModel(config, add_pooling_layer=True)
    model.save_pretrained(out)
    return out


def embed(model, tok, texts, device, batch=None):
    """LaBSE embedding: pooler_output ([CLS] -> dense -> tanh), L2-normalised."""
    import torch

    outs = []
    batch = batch or max(1, len(texts))
    for i in range(0, len(texts), batch):
        enc = tok(texts[i:i + batch], return_tensors="pt", padding=True, truncation=True).to(device)
        pooled = model(**enc).pooler_output
        outs.append(torch.nn.functional.normalize(pooled.float(), dim=-1))
    return torch.cat(outs)


def ranking_loss(x, y, same, margin: float, scale: float):
    """Bidirectional additive-margin in-batch softmax (LaBSE). ``same[i, j]``: candidate j is also a
    correct answer for i (duplicate text), masked out for i != j."""
    import torch

    sim = x @ y.T  # cosine: both L2-normalised
    eye = torch.eye(len(x), device=x.device, dtype=torch.bool)
    logits = scale * (sim - margin * eye.float())
    logits = logits.masked_fill(same & ~eye, float("-inf"))
    target = torch.arange(len(x), device=x.device)
    ce = torch.nn.functional.cross_entropy
    return ce(logits, target) + ce(logits.T, target), sim


@__import__("torch").no_grad()
def retrieval(model, tok, rows, pairs, device):
    """P@1 of finding the translation among all test sentences of the other language, both directions.
    A hit is any candidate that some test tuple pairs with the query's text (duplicate strings count)."""
    model.eval()
    scores = {}
    cache = {}
    for lang in {x for p in pairs for x in p}:
        cache[lang] = embed(model, tok, [r[lang] for r in rows], device, batch=128)
    for a, b in pairs:
        for src, tgt in ((a, b), (b, a)):
            good: dict[str, set[str]] = {}
            for r in rows:
                good.setdefault(r[src], set()).add(r[tgt])
            best = (cache[src] @ cache[tgt].T).argmax(dim=1).tolist()
            hits = sum(rows[j][tgt] in good[r[src]] for r, j in zip(rows, best))
            scores[f"{src}-{tgt}"] = round(100 * hits / len(rows), 2)
    model.train()
    return scores


def main(argv=None) -> int:
    import torch
    from transformers import AutoTokenizer, BertModel

    ap = base_parser(__doc__, "labse", steps=1100, batch=96, log_every=25,
                     batch_help="sentence pairs per step (in-batch negatives)")
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=4000)
    ap.add_argument("--margin", type=float, default=0.3)
    ap.add_argument("--scale", type=float, default=20.0)
    args = ap.parse_args(argv)

    rng, data, init_dir = setup(args)
    if not (init_dir / "config.json").exists():
        build(init_dir, data["train"], args.hidden, args.layers, args.heads, args.vocab, seed=args.seed)
    tok = AutoTokenizer.from_pretrained(init_dir)
    model = BertModel.from_pretrained(init_dir).to(args.device)
    model.train()
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98))
    sched = warmup_linear(opt, args.steps)
    log = TrainLog(args.out)
    t0 = time.time()
    probe = [("en", "fr"), ("de", "en"), ("zh", "ja"), ("af", "nl")]
    for step in range(1, args.steps + 1):
        tuples = rng.sample(data["train"], args.batch)  # distinct tuples: no duplicate positives
        srcs, tgts = [], []
        for t in tuples:
            a, b = rng.sample(LANGS, 2)
            srcs.append(t[a])
            tgts.append(t[b])
        same = torch.tensor([[srcs[i] == srcs[j] or tgts[i] == tgts[j] for j in range(len(srcs))]
                             for i in range(len(srcs))], device=args.device)
        x = embed(model, tok, srcs, args.device)
        y = embed(model, tok, tgts, args.device)
        loss, sim = ranking_loss(x, y, same, args.margin, args.scale)
        update(loss, opt, sched, model.parameters())
        if step % args.log_every == 0 or step == 1:
            acc = (sim.argmax(dim=1) == torch.arange(len(sim), device=sim.device)).float().mean().item()
            rec = step_record(step, loss, sched, t0, batch_acc=round(acc, 3))
            if step % 250 == 0:
                dev = retrieval(model, tok, data["dev"], probe, args.device)
                rec["dev_p@1_mean"] = round(sum(dev.values()) / len(dev), 2)
            log.write(rec)
    train_seconds = time.time() - t0
    model.eval()
    scores = retrieval(model, tok, data["test"], EVAL_PAIRS, args.device)
    size_mb = save_fp16(model, tok, args.out)
    (args.out / "pooling.json").write_text(json.dumps(POOLING, indent=1) + "\n")
    report = {"params": n_params, "safetensors_mb": size_mb, "train_seconds": round(train_seconds),
              "steps": args.steps, "batch": args.batch, "device": args.device, "margin": args.margin,
              "scale": args.scale, "pooling": POOLING["pooling"], "test_sentences": len(data["test"]),
              "test_retrieval_p@1": scores,
              "test_retrieval_p@1_mean": round(sum(scores.values()) / len(scores), 2)}
    write_report(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
