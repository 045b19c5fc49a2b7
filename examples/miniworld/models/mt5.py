"""The mini-world's mT0: an MT5ForConditionalGeneration + T5Tokenizer trained on prompted text tasks.

    python examples/miniworld/models/mt5.py --world data/miniworld --out data/miniworld/models/mt5

A stand-in for ``bigscience/mt0-*`` (mT5 fine-tuned to follow prompts) with mT5's conventions: a
SentencePiece-style Unigram vocabulary (Metaspace ``▁``) with ``<pad>``=0, ``</s>``=1, ``<unk>``=2,
``</s>`` appended to every sequence, decoding started from ``<pad>``, gated-GELU feed-forward, relative position buckets. Text-to-text, no language tokens:
the task is in the prompt, with English language names (:func:`zst.languages.language_name`):

* ``translate into French: {text}`` -> the French translation (any direction among the 13 languages),
* ``repeat: {text}`` -> ``{text}`` unchanged.

Trained on the train split of ``text/tuples.jsonl`` (every tuple, spoken or not), random tasks per
batch, AdamW with linear warm-up and decay (attention queries at ``lr * d_kv**-0.5``, see
:func:`param_groups`), no dropout (as mT5 pre-training), label smoothing 0.1. Saved with ``save_pretrained``
(safetensors, fp16 weights) so zst loads it like a hub id; writes ``train_log.jsonl`` and
``eval.json`` (BLEU on the test split for a sample of directions, exact match / BLEU for repeat).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    LANGS, TrainLog, base_parser, save_fp16, seq2seq_loss, setup, step_record, update, warmup_linear, write_report,
)



def translate_prompt(tgt: str, text: str) -> str:
    from zst.languages import language_name

    return f"translate into {language_name(tgt)}: {text}"


def repeat_prompt(text: str) -> str:
    return f"repeat: {text}"


def build(out: Path, texts: list[dict[str, str]], d_model: int, layers: int, vocab_size: int, d_ff: int,
          heads: int, seed: int = 0) -> Path:
    """Save a random MT5ForConditionalGeneration (mT5-small's shape, scaled down) and its T5Tokenizer."""
    import torch
    from transformers import GenerationConfig, MT5ForConditionalGeneration, T5Tokenizer

    from zst.languages import language_name
    from zst.testing.tiny import mt5_config, train_unigram

    corpus = [t[lang] for t in texts for lang in LANGS]
    corpus += ["repeat:"] + [f"translate into {language_name(x)}:" for x in LANGS] * 500  # prompt words
    out.mkdir(parents=True, exist_ok=True)
    tok = T5Tokenizer(vocab=train_unigram(corpus, vocab_size), extra_ids=0, model_max_length=256)
    tok.save_pretrained(out)

    config = mt5_config(tok, d_model=d_model, layers=layers, heads=heads, d_ff=d_ff, dropout_rate=0.1)
    torch.manual_seed(seed)
    model = MT5ForConditionalGeneration(config)
    # transformers 5 ties lm_head to the N(0, 1) input embedding without T5's d_model**-0.5 output rescale,
    # which starts training at loss ~86; scale the shared embedding down so initial logits are O(1).
    torch.nn.init.normal_(model.shared.weight, mean=0.0, std=d_model ** -0.5)
    model.generation_config = GenerationConfig(
        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, decoder_start_token_id=tok.pad_token_id)
    model.save_pretrained(out)
    return out


def param_groups(model, lr: float) -> list[dict]:
    """AdamW groups with the attention queries at ``lr * d_kv**-0.5``.

    T5 does not scale q.k by ``d_kv**-0.5``; Mesh TensorFlow folds that factor into the initialisation of
    ``q`` (std ``(d_model * d_kv)**-0.5``, 7x smaller than ``k``/``v``). That is equivalent for Adafactor,
    whose steps are relative to each weight's scale, but not for AdamW, whose steps have the same absolute
    size for every weight: ``q`` would move ``d_kv**0.5`` times faster, relative to its size, than anything
    else, and the attention logits with it. Folding the factor into the learning rate as well restores
    the usual (scaled dot-product) training dynamics."""
    kv = model.config.d_kv
    q = [p for n, p in model.named_parameters() if n.endswith(".q.weight")]
    rest = [p for n, p in model.named_parameters() if not n.endswith(".q.weight")]
    return [{"params": rest, "lr": lr}, {"params": q, "lr": lr * kv ** -0.5}]


def encode(tok, pairs, device):
    """Batch of (prompt, target) -> model inputs (``</s>`` appended to both by the tokenizer)."""
    import torch

    ids = tok([p for p, _ in pairs])["input_ids"]
    labels = tok(text_target=[t for _, t in pairs])["input_ids"]
    pad = tok.pad_token_id
    n, m = max(map(len, ids)), max(map(len, labels))
    x = torch.full((len(ids), n), pad, dtype=torch.long)
    y = torch.full((len(ids), m), -100, dtype=torch.long)
    for i, (a, b) in enumerate(zip(ids, labels)):
        x[i, : len(a)] = torch.tensor(a)
        y[i, : len(b)] = torch.tensor(b)
    return {"input_ids": x.to(device), "attention_mask": (x != pad).to(device), "labels": y.to(device)}


def sample_task(rng: random.Random, t: dict[str, str], p_repeat: float) -> tuple[str, str]:
    if rng.random() < p_repeat:
        text = t[rng.choice(LANGS)]
        return repeat_prompt(text), text
    src, tgt = rng.sample(LANGS, 2)
    return translate_prompt(tgt, t[src]), t[tgt]


@__import__("torch").no_grad()
def generate(model, tok, prompts, device, beam=4, batch=64):
    out = []
    for i in range(0, len(prompts), batch):
        enc = tok(prompts[i:i + batch], return_tensors="pt", padding=True).to(device)
        gen = model.generate(**enc, num_beams=beam, max_new_tokens=64)
        out += tok.batch_decode(gen, skip_special_tokens=True)
    return out


def evaluate(model, tok, test, device, directions, limit=None, beam=4, repeat_langs=()):
    from zst.metrics import bleu

    model.eval()
    scores, repeat = {}, {}
    rows = test[:limit] if limit else test
    for src, tgt in directions:
        hyps = generate(model, tok, [translate_prompt(tgt, r[src]) for r in rows], device, beam=beam)
        scores[f"{src}-{tgt}"] = round(bleu(hyps, [r[tgt] for r in rows], tgt).score, 2)
    for lang in repeat_langs:
        refs = [r[lang] for r in rows]
        hyps = generate(model, tok, [repeat_prompt(x) for x in refs], device, beam=beam)
        repeat[lang] = {"exact": round(sum(h.strip() == r.strip() for h, r in zip(hyps, refs)) / len(refs), 4),
                        "bleu": round(bleu(hyps, refs, lang).score, 2)}
    model.train()
    return scores, repeat


def main(argv=None) -> int:
    import torch
    from transformers import AutoTokenizer, MT5ForConditionalGeneration

    ap = base_parser(__doc__, "mt5", steps=2400, batch=64, batch_help="examples per step", lr=2e-3)
    ap.add_argument("--d-model", type=int, default=192)
    ap.add_argument("--d-ff", type=int, default=512, help="gated-GELU width (mT5-small: 2x d_model)")
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--vocab", type=int, default=3200)
    ap.add_argument("--dropout", type=float, default=0.0,
                    help="dropout_rate (mT5 pre-training: 0; T5's 0.1, applied to embeddings, "
                    "every residual branch, attention weights and the encoder output, stalls learning to copy)")
    ap.add_argument("--p-repeat", type=float, default=0.15, help="share of 'repeat:' examples")
    ap.add_argument("--beam", type=int, default=4, help="beam size for the final evaluation")
    ap.add_argument("--eval-directions", type=int, default=12)
    args = ap.parse_args(argv)

    rng, data, init_dir = setup(args)
    if not (init_dir / "config.json").exists():
        build(init_dir, data["train"], args.d_model, args.layers, args.vocab, args.d_ff, args.heads, args.seed)
    tok = AutoTokenizer.from_pretrained(init_dir)
    # dropout_rate is read when the modules are built, so it must be given here (setting model.config later is a no-op)
    model = MT5ForConditionalGeneration.from_pretrained(init_dir, dtype=torch.float32,
                                                        dropout_rate=args.dropout).to(args.device)
    model.train()
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(param_groups(model, args.lr), lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    sched = warmup_linear(opt, args.steps)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1)
    log = TrainLog(args.out)
    t0 = time.time()
    probe = [("en", "fr"), ("de", "en"), ("fr", "zh"), ("ja", "es")]
    for step in range(1, args.steps + 1):
        pairs = [sample_task(rng, rng.choice(data["train"]), args.p_repeat) for _ in range(args.batch)]
        batch = encode(tok, pairs, args.device)
        loss = seq2seq_loss(model, batch, loss_fn)
        update(loss, opt, sched, model.parameters())
        if step % args.log_every == 0 or step == 1:
            rec = step_record(step, loss, sched, t0)
            if step % 1000 == 0:
                rec["dev_bleu"], rec["dev_repeat"] = evaluate(model, tok, data["dev"], args.device, probe, limit=100,
                                                              beam=1, repeat_langs=("en", "zh"))
            log.write(rec)
    train_seconds = time.time() - t0
    model.eval()
    directions = [(s, t) for s in LANGS for t in LANGS if s != t]
    sample = rng.sample(directions, min(args.eval_directions, len(directions)))
    scores, repeat = evaluate(model, tok, data["test"], args.device, sample, beam=args.beam, repeat_langs=LANGS)
    size_mb = save_fp16(model, tok, args.out)
    report = {"params": n_params, "safetensors_mb": size_mb, "train_seconds": round(train_seconds),
              "steps": args.steps, "batch": args.batch, "device": args.device, "beam": args.beam,
              "test_bleu": scores, "test_bleu_mean": round(sum(scores.values()) / len(scores), 2),
              "test_repeat": repeat,
              "test_repeat_exact_mean": round(sum(r["exact"] for r in repeat.values()) / len(repeat), 4),
              "test_repeat_bleu_mean": round(sum(r["bleu"] for r in repeat.values()) / len(repeat), 2)}
    write_report(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
