"""The mini-world's NLLB: an M2M100ForConditionalGeneration + NllbTokenizer trained on text only.

    python examples/miniworld/models/nllb.py --world data/miniworld --out data/miniworld/models/nllb

Many-to-many translation among the 13 mini-world languages with NLLB's conventions: FLORES-200
language codes (``fra_Latn``, ``zho_Hans``) as special tokens, the source code prefixed to the
source, the target code forced as the first generated token (``forced_bos_token_id``), decoding
started from ``</s>``. Trained on the train split of ``text/tuples.jsonl`` (every tuple, spoken or
not), random (src, tgt) pairs per batch, AdamW with linear warm-up and decay, label smoothing 0.1.
Saved with ``save_pretrained`` (safetensors, fp16 weights) so zst loads it like a hub id; writes
``train_log.jsonl`` and ``eval.json`` (BLEU on the test split for a sample of directions).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    LANGS, TrainLog, base_parser, save_fp16, seq2seq_loss, setup, step_record, update, warmup_linear, write_report,
)



def build(out: Path, texts: list[dict[str, str]], d_model: int, layers: int, vocab_size: int) -> Path:
    from zst.languages import to_nllb
    from zst.testing.tiny import build_tiny_nllb

    corpus = [t[lang] for t in texts for lang in LANGS]
    return build_tiny_nllb(out, texts=corpus, langs=[to_nllb(x) for x in LANGS], d_model=d_model, layers=layers,
                           heads=4, vocab_size=vocab_size, max_position_embeddings=128, init_std=0.02)


def encode(tok, pairs, device):
    """Batch of (src_lang, src_text, tgt_lang, tgt_text) -> model inputs with NLLB's language tokens."""
    from zst.languages import to_nllb

    import torch

    ids, labels = [], []
    for src, s_text, tgt, t_text in pairs:
        tok.src_lang, tok.tgt_lang = to_nllb(src), to_nllb(tgt)
        ids.append(tok(s_text)["input_ids"])
        labels.append(tok(text_target=t_text)["input_ids"])
    pad = tok.pad_token_id
    n, m = max(map(len, ids)), max(map(len, labels))
    x = torch.full((len(ids), n), pad, dtype=torch.long)
    y = torch.full((len(ids), m), -100, dtype=torch.long)
    for i, (a, b) in enumerate(zip(ids, labels)):
        x[i, : len(a)] = torch.tensor(a)
        y[i, : len(b)] = torch.tensor(b)
    return {"input_ids": x.to(device), "attention_mask": (x != pad).to(device), "labels": y.to(device)}


@__import__("torch").no_grad()
def translate(model, tok, texts, src, tgt, device, beam=4, batch=64):
    from zst.languages import to_nllb

    out = []
    tok.src_lang = to_nllb(src)
    for i in range(0, len(texts), batch):
        enc = tok(texts[i:i + batch], return_tensors="pt", padding=True).to(device)
        gen = model.generate(**enc, forced_bos_token_id=tok.convert_tokens_to_ids(to_nllb(tgt)), num_beams=beam,
                             max_new_tokens=64)
        out += tok.batch_decode(gen, skip_special_tokens=True)
    return out


def evaluate(model, tok, test, device, directions, limit=None):
    from zst.metrics import bleu

    model.eval()
    scores = {}
    rows = test[:limit] if limit else test
    for src, tgt in directions:
        hyps = translate(model, tok, [r[src] for r in rows], src, tgt, device)
        scores[f"{src}-{tgt}"] = round(bleu(hyps, [r[tgt] for r in rows], tgt).score, 2)
    model.train()
    return scores


def main(argv=None) -> int:
    import torch
    from transformers import AutoTokenizer, M2M100ForConditionalGeneration

    ap = base_parser(__doc__, "nllb", steps=6000, batch=96, batch_help="sentence pairs per step")
    ap.add_argument("--d-model", type=int, default=192)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--vocab", type=int, default=3000)
    ap.add_argument("--eval-directions", type=int, default=None,
                    help="test directions to score (default: all 156 on a GPU, 24 sampled on CPU)")
    args = ap.parse_args(argv)

    rng, data, init_dir = setup(args)
    if not (init_dir / "config.json").exists():
        build(init_dir, data["train"], args.d_model, args.layers, args.vocab)
    tok = AutoTokenizer.from_pretrained(init_dir)
    model = M2M100ForConditionalGeneration.from_pretrained(init_dir).to(args.device)
    model.config.dropout = 0.1
    model.generation_config.max_length = None  # generate() uses max_new_tokens
    model.train()
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    sched = warmup_linear(opt, args.steps)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1)
    log = TrainLog(args.out)
    t0 = time.time()
    probe = [("en", "fr"), ("de", "en"), ("fr", "zh"), ("ja", "es")]
    for step in range(1, args.steps + 1):
        pairs = []
        for _ in range(args.batch):
            t = rng.choice(data["train"])
            src, tgt = rng.sample(LANGS, 2)
            pairs.append((src, t[src], tgt, t[tgt]))
        batch = encode(tok, pairs, args.device)
        loss = seq2seq_loss(model, batch, loss_fn)
        update(loss, opt, sched, model.parameters())
        if step % args.log_every == 0 or step == 1:
            rec = step_record(step, loss, sched, t0)
            if step % 1000 == 0:
                rec["dev_bleu"] = evaluate(model, tok, data["dev"], args.device, probe, limit=100)
            log.write(rec)
    train_seconds = time.time() - t0
    model.eval()
    directions = [(s, t) for s in LANGS for t in LANGS if s != t]
    n_eval = args.eval_directions or (len(directions) if args.device != "cpu" else 24)
    sample = rng.sample(directions, min(n_eval, len(directions)))
    scores = evaluate(model, tok, data["test"], args.device, sample)
    size_mb = save_fp16(model, tok, args.out)
    report = {"params": n_params, "safetensors_mb": size_mb, "train_seconds": round(train_seconds),
              "steps": args.steps, "batch": args.batch, "device": args.device,
              "test_bleu": scores, "test_bleu_mean": round(sum(scores.values()) / len(scores), 2)}
    write_report(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
