"""The mini-world Whisper's decoder trained again, on its CTC-trained encoder held frozen.

    python examples/miniworld/models/whisper_decoder.py --world data/miniworld \\
        --from data/miniworld/models/whisper-ctc10 --out data/miniworld/models/whisper-dec

``whisper.py`` trained encoder and decoder together, and its decoder never learnt to transcribe (WER 107:
a language model that ignores the audio, see README). The encoder then went on alone through rounds of
character CTC (``whisper_ctc.py``), which left the decoder stale. This script freezes such an encoder and
trains the decoder (its token embeddings, tied to the output projection, included) with whisper.py's
objective and decoder sequences: ASR in the 11 training languages plus X→en translation of non-English
utterances with probability ``--translate-prob`` (cross-entropy, label smoothing 0.1). The encoder states
of the training utterances are computed once (no augmentation; ~1.5 GB fp16 in memory), so a step costs
only the 2-layer decoder.

The tokenizer comes from ``--from`` (or ``models/whisper``) when it has one; ``whisper_ctc.py`` rounds
started from a checkpoint without it (``rebuild.py --only from-bundle``) do not, and then it is rebuilt
with ``whisper.py``'s own deterministic recipe (byte-level BPE over the train-split text, ``--vocab``
pieces) and must have the checkpoint's vocabulary size. Saved as a whole
``WhisperForConditionalGeneration`` (fp16; the encoder as it came) + ``WhisperTokenizer`` + feature
extractor + Whisper generation config, so zst and transformers' ``generate(language=, task=)`` drive it
like a hub Whisper. Writes ``train_log.jsonl`` (with a dev WER probe every ``--eval-every`` steps) and
``eval.json`` (FLEURS test: WER per language, CER for zh and ja, X→en BLEU, as ``whisper.py``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    LANGS, TrainLog, base_parser, save_fp16, setup, step_record, update, warmup_linear, write_report,
)
from whisper import TRAIN_LANGS, build_tokenizer, cached_log_mels, decoder_sequences, evaluate  # noqa: E402


def load_tokenizer(src: Path, models: Path, texts, vocab: int, vocab_size: int):
    """The Whisper tokenizer of ``src``, else of ``models/whisper``, else rebuilt (:func:`whisper.build_tokenizer`
    over ``texts``); raises ``SystemExit`` when it does not fit the checkpoint's ``vocab_size``."""
    from transformers import AutoTokenizer

    for folder in (src, models / "whisper"):
        if (folder / "tokenizer_config.json").is_file():
            tok, where = AutoTokenizer.from_pretrained(folder), str(folder)
            break
    else:
        tok, where = build_tokenizer(texts, vocab), f"rebuilt ({vocab} BPE pieces)"
    if len(tok) != vocab_size:
        raise SystemExit(f"tokenizer {where}: {len(tok)} tokens, the checkpoint {src} has {vocab_size}")
    print(f"tokenizer: {where}", flush=True)
    return tok


def encode_all(encoder, mels: np.ndarray, device, batch: int = 64):
    """``(N, frames, d_model)`` float16 last-layer states (on the CPU) of the frozen ``encoder`` for every
    log-mel of ``mels`` (``(N, 80, 100 × window)``, :func:`whisper.cached_log_mels`), ``batch`` at a time."""
    import torch

    out = []
    with torch.no_grad():
        for i in range(0, len(mels), batch):
            feats = torch.from_numpy(np.asarray(mels[i:i + batch], dtype=np.float32)).to(device)
            out.append(encoder(feats).last_hidden_state.to(torch.float16).cpu())
    return torch.cat(out)


def dev_wer(model, fe, tok, dev, device) -> float:
    """Mean WER (percent) of greedy transcription over the languages of ``dev`` but zh and ja (the training
    probe; :func:`whisper.generate`, language and task forced)."""
    from whisper import generate

    from zst.metrics import wer

    scores = []
    for lang in sorted({u.lang for u in dev} - {"zh", "ja"}):
        rows = [u for u in dev if u.lang == lang]
        scores.append(wer(generate(model, fe, tok, [u.audio for u in rows], lang, "transcribe", device),
                          [u.text for u in rows]).score)
    return round(sum(scores) / max(1, len(scores)), 2)


def main(argv=None) -> int:
    import torch
    from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

    from speech_data import load_speech, load_train_test, window_seconds
    from zst.models.whisper_st import pad_sequences
    from zst.testing.tiny import whisper_generation_config

    ap = base_parser(__doc__, "whisper-dec", steps=4000, batch=64, batch_help="utterances per step", lr=1e-3)
    ap.add_argument("--from", dest="init", type=Path, default=None,
                    help="trained Whisper folder whose encoder is kept (default: 'whisper-ctc10' beside --out)")
    ap.add_argument("--translate-prob", type=float, default=0.3, help="share of non-English utterances used as X→en")
    ap.add_argument("--vocab", type=int, default=3000, help="BPE pieces, should the tokenizer have to be rebuilt")
    ap.add_argument("--eval-every", type=int, default=1000, help="steps between dev WER probes (0: none)")
    ap.add_argument("--eval-limit", type=int, default=100, help="FLEURS test utterances per language")
    ap.add_argument("--languages", default=",".join(TRAIN_LANGS), help="comma-separated training languages")
    args = ap.parse_args(argv)
    langs = [x for x in args.languages.split(",") if x]
    src = args.init or args.out.with_name("whisper-ctc10")
    if not (src / "config.json").is_file():
        raise SystemExit(f"--from {src}: no trained Whisper there")

    rng, data, _ = setup(args)
    fe = WhisperFeatureExtractor.from_pretrained(src)
    model = WhisperForConditionalGeneration.from_pretrained(src, dtype=torch.float32, dropout=0.0).to(args.device)
    tok = load_tokenizer(src, args.out.parent, [t[x] for t in data["train"] for x in LANGS], args.vocab,
                         model.config.vocab_size)
    model.generation_config = whisper_generation_config(tok)
    train, test = load_train_test(args.world, langs, window_seconds(model.config))
    dev = load_speech(args.world, "dev", langs, corpora=("fleurs",), per_corpus_limit=8)

    encoder = model.model.encoder
    encoder.requires_grad_(False)
    encoder.eval()
    t_enc = time.time()
    states = encode_all(encoder, cached_log_mels(fe, train, args.out.parent), args.device)
    print(f"encoder states of {len(train)} utterances in {time.time() - t_enc:.0f}s", flush=True)

    decoder = model.model.decoder
    params = [p for p in decoder.parameters() if p.requires_grad]  # proj_out is tied to embed_tokens
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    sched = warmup_linear(opt, args.steps)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1)
    pad = tok.convert_tokens_to_ids("<|endoftext|>")
    log = TrainLog(args.out)
    decoder.train()
    t0 = time.time()
    for step in range(1, args.steps + 1):
        idx = sorted(rng.sample(range(len(train)), args.batch))
        utts = [train[i] for i in idx]
        tasks = ["translate" if u.lang != "en" and rng.random() < args.translate_prob else "transcribe" for u in utts]
        x, y = pad_sequences(*decoder_sequences(tok, utts, tasks), pad)
        enc = states[idx].to(args.device, torch.float32)
        logits = model(encoder_outputs=(enc,), decoder_input_ids=x.to(args.device)).logits
        loss = loss_fn(logits.reshape(-1, logits.size(-1)), y.to(args.device).reshape(-1))
        update(loss, opt, sched, params)
        if step % args.log_every == 0 or step == 1:
            rec = step_record(step, loss, sched, t0, stage="decoder")
            if args.eval_every and step % args.eval_every == 0:
                model.eval()
                rec["dev_wer"] = dev_wer(model, fe, tok, dev, args.device)
                decoder.train()
            log.write(rec)
    train_seconds = time.time() - t0
    t_eval = time.time()
    wers, cers, bleus = evaluate(model, fe, tok, test, args.device, args.eval_limit)
    eval_seconds = time.time() - t_eval
    size_mb = save_fp16(model, tok, args.out)
    fe.save_pretrained(args.out)
    mean = lambda d: round(sum(d.values()) / len(d), 2) if d else None  # noqa: E731
    write_report(args.out, {
        "from": str(src), "params": sum(p.numel() for p in model.parameters()),
        "trained_params": sum(p.numel() for p in params), "safetensors_mb": size_mb,
        "train_seconds": round(train_seconds), "steps": args.steps, "batch": args.batch, "lr": args.lr,
        "translate_prob": args.translate_prob, "device": args.device, "train_utterances": len(train),
        "trained": "decoder only (the encoder frozen as it came)",
        "test": f"FLEURS test, {args.eval_limit} utterances per language, greedy", "eval_seconds": round(eval_seconds),
        "test_wer": wers, "test_wer_mean": mean(wers), "test_cer": cers,
        "test_x_en_bleu": bleus, "test_x_en_bleu_mean": mean(bleus)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
