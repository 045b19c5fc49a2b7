"""The mini-world's Whisper: a WhisperForConditionalGeneration + Whisper-style tokenizer trained like
Whisper — multilingual ASR plus X→en speech translation, with task and language tokens.

    python examples/miniworld/models/whisper.py --world data/miniworld --out data/miniworld/models/whisper

Conventions kept from openai/whisper (so zst and transformers' ``generate`` drive it like a hub id):

* tokenizer: byte-level BPE (``WhisperTokenizer``) trained on the mini-world text, then
  ``<|endoftext|>``, ``<|startoftranscript|>``, one token per language in Whisper's order (all of
  Whisper's languages, so ``<|ca|>`` and ``<|af|>`` exist though no ca/af speech is trained on, as
  for Whisper's low-resource languages), ``<|translate|>``, ``<|transcribe|>``, ``<|startoflm|>``,
  ``<|startofprev|>``, ``<|nospeech|>``, ``<|notimestamps|>`` (no timestamp tokens: never predicted);
* decoder sequence: ``<|startoftranscript|> <|xx|> <|transcribe|>|<|translate|> <|notimestamps|> text
  <|endoftext|>``; the loss covers everything after ``<|startoftranscript|>`` (language id too);
* input: 80-bin log-mel (``WhisperFeatureExtractor``) padded to a fixed window — ``--window`` seconds
  (default 6; every mini-world utterance is shorter) instead of 30 s; ``max_source_positions`` =
  50 × window, which zst reads back from the config.

Trained on the "web data" stand-ins FLEURS, Common Voice, VoxPopuli and MLS (train splits; never
Europarl-ST, which zst's methods train and are evaluated on) in the 11 languages other than the
held-out ca and af: every utterance is a transcription example, and non-English ones are also X→en
translation examples with probability ``--translate-prob``. Writes ``train_log.jsonl`` and
``eval.json`` (FLEURS test: WER per language, X→en BLEU per language).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    LANGS, TrainLog, base_parser, save_fp16, setup, step_record, update, warmup_linear, write_report,
)

HELD_OUT = ("ca", "af")
TRAIN_LANGS = tuple(x for x in LANGS if x not in HELD_OUT)
def build_tokenizer(texts: list[str], vocab_size: int):
    """A ``WhisperTokenizer``: byte-level BPE over ``texts`` + Whisper's special tokens in Whisper's order."""
    from zst.testing.tiny import whisper_tokenizer

    return whisper_tokenizer(texts, vocab_size)


def build_model(tok, *, window: int, d_model: int, enc_layers: int, dec_layers: int, heads: int):
    from transformers import WhisperForConditionalGeneration

    from zst.testing.tiny import whisper_config, whisper_generation_config

    model = WhisperForConditionalGeneration(whisper_config(tok, window=window, d_model=d_model, enc_layers=enc_layers,
                                                           dec_layers=dec_layers, heads=heads, dropout=0.1))
    model.generation_config = whisper_generation_config(tok)
    return model


def log_mels(fe, audios: list[np.ndarray], batch: int = 256) -> np.ndarray:
    """``(N, 80, 100 × window)`` float16 log-mel of every utterance, padded to the window."""
    out = []
    for i in range(0, len(audios), batch):
        feats = fe(audios[i:i + batch], sampling_rate=16000, return_tensors="np")["input_features"]
        out.append(feats.astype(np.float16))
    return np.concatenate(out)


def log_mel_key(fe, utts) -> str:
    """What a log-mel cache depends on: the feature extractor's settings and every utterance's samples
    (in order), as a 16-hex-digit BLAKE2b digest (~4 s for the 20,000 training utterances)."""
    import hashlib

    h = hashlib.blake2b(fe.to_json_string().encode(), digest_size=8)
    for u in utts:
        h.update(np.ascontiguousarray(u.audio, dtype=np.float32).tobytes())
    return h.hexdigest()


def cached_log_mels(fe, utts, models_dir: Path) -> np.ndarray:
    """:func:`log_mels` of ``utts``' audio, kept in ``models_dir/log-mel-cache/<key>.npy``
    (:func:`log_mel_key`) so that reruns and every later CTC round over the same training set skip the
    ~5 min and 1.9 GB of feature extraction (memory-mapped when read back)."""
    t0 = time.time()
    folder = models_dir / "log-mel-cache"
    folder.mkdir(parents=True, exist_ok=True)
    cache = folder / f"{log_mel_key(fe, utts)}.npy"
    if cache.exists():
        mels = np.load(cache, mmap_mode="r")
    else:
        mels = log_mels(fe, [u.audio for u in utts])
        part = cache.with_suffix(".part.npy")
        np.save(part, mels)
        part.replace(cache)
    print(f"log-mel of {len(utts)} utterances in {time.time() - t0:.0f}s ({cache.name})", flush=True)
    return mels


def decoder_sequences(tok, utts, tasks) -> tuple[list[list[int]], list[list[int]]]:
    """Decoder inputs and labels: ``sot lang task notimestamps text`` → ``lang task notimestamps text eot``."""
    ids = tok.convert_tokens_to_ids
    sot, eot, nots = ids("<|startoftranscript|>"), ids("<|endoftext|>"), ids("<|notimestamps|>")
    inputs, labels = [], []
    for u, task in zip(utts, tasks):
        text = u.en if task == "translate" else u.text
        body = tok(" " + text, add_special_tokens=False)["input_ids"]
        prefix = [ids(f"<|{u.lang}|>"), ids(f"<|{task}|>"), nots]
        inputs.append([sot, *prefix, *body])
        labels.append([*prefix, *body, eot])
    return inputs, labels


def collate(mels: np.ndarray, idx: list[int], inputs, labels, pad: int, device):
    import torch

    from zst.models.whisper_st import pad_sequences

    x, y = pad_sequences(inputs, labels, pad)
    feats = torch.from_numpy(mels[idx].astype(np.float32))
    return feats.to(device), x.to(device), y.to(device)


class CharVocab:
    """Characters of the training transcripts, for the training-only encoder CTC head (blank last)."""

    def __init__(self, texts: list[str]):
        self.chars = sorted({c for t in texts for c in t})
        self.index = {c: i for i, c in enumerate(self.chars)}
        self.blank = len(self.chars)

    def encode(self, text: str) -> list[int]:
        return [self.index[c] for c in text if c in self.index]

    def greedy(self, ids: list[int]) -> str:
        """CTC greedy decoding: collapse repeats, drop blanks."""
        out, prev = [], None
        for i in ids:
            if i != prev and i != self.blank:
                out.append(self.chars[i])
            prev = i
        return "".join(out)


def ctc_frames(n_samples: int, n_frames: int) -> int:
    """Encoder frames (20 ms each, after Whisper's stride-2 conv) that hold an utterance of ``n_samples``."""
    return min(n_frames, -(-n_samples // 320))


def ctc_loss(head, enc, utts, chars: CharVocab):
    """Character CTC loss (mean over target lengths) of encoder states ``enc`` ``(B, T, D)`` for ``utts``."""
    import torch

    targets = [torch.tensor(chars.encode(u.text)) for u in utts]
    logp = head(enc).log_softmax(-1).transpose(0, 1)  # (T, B, chars + blank)
    in_len = torch.tensor([ctc_frames(len(u.audio), enc.shape[1]) for u in utts])
    return torch.nn.functional.ctc_loss(logp, torch.cat(targets), in_len, torch.tensor([len(t) for t in targets]),
                                        blank=chars.blank, zero_infinity=True)


@__import__("torch").no_grad()
def ctc_transcribe(encoder, head, fe, chars: CharVocab, audios: list[np.ndarray], device, batch: int = 32) -> list[str]:
    """Greedy CTC transcripts (one string per utterance, in order) of 16 kHz mono float ``audios`` (each at
    most the encoder's window) from ``encoder`` (a ``WhisperEncoder``) and its character CTC ``head``
    (``Linear(d_model, len(chars.chars) + 1)``, blank last), ``batch`` utterances at a time."""
    import torch

    hyps = []
    for i in range(0, len(audios), batch):
        part = audios[i:i + batch]
        feats = torch.from_numpy(log_mels(fe, part).astype(np.float32)).to(device)
        best = head(encoder(feats).last_hidden_state).argmax(-1).tolist()
        hyps += [chars.greedy(b[:ctc_frames(len(a), len(b))]) for b, a in zip(best, part)]
    return hyps


def ctc_cer(encoder, head, fe, chars: CharVocab, test, device, limit: int) -> dict[str, float]:
    """``{lang: CER}`` of greedy CTC decoding from ``encoder`` (a ``WhisperEncoder``) on the first
    ``limit`` test utterances."""
    from zst.metrics import cer

    out = {}
    for lang in sorted({u.lang for u in test}):
        rows = [u for u in test if u.lang == lang][:limit]
        hyps = ctc_transcribe(encoder, head, fe, chars, [u.audio for u in rows], device)
        out[lang] = round(cer(hyps, [u.text for u in rows]).score, 2)
    return out


@__import__("torch").no_grad()
def generate(model, fe, tok, audios, lang, task, device, batch=32, beam=1):
    """Texts decoded with transformers' Whisper ``generate`` (language and task forced)."""
    import torch

    out = []
    for i in range(0, len(audios), batch):
        feats = torch.from_numpy(log_mels(fe, audios[i:i + batch]).astype(np.float32)).to(device)
        gen = model.generate(input_features=feats, language=lang, task=task, num_beams=beam, max_new_tokens=48)
        out += [t.strip() for t in tok.batch_decode(gen, skip_special_tokens=True)]
    return out


def evaluate(model, fe, tok, test, device, limit=None):
    """FLEURS test: ``{lang: WER}`` (transcribe; Whisper's basic normaliser) and ``{lang: BLEU}`` (X→en)."""
    from zst.metrics import bleu, cer, wer

    model.eval()
    wers, cers, bleus = {}, {}, {}
    for lang in TRAIN_LANGS:
        rows = [u for u in test if u.lang == lang][:limit]
        if not rows:
            continue
        hyp = generate(model, fe, tok, [u.audio for u in rows], lang, "transcribe", device)
        if lang in ("zh", "ja"):  # no spaces between words: CER, as Whisper reports for these
            cers[lang] = round(cer(hyp, [u.text for u in rows]).score, 2)
        else:
            wers[lang] = round(wer(hyp, [u.text for u in rows]).score, 2)
        if lang != "en":
            hyp = generate(model, fe, tok, [u.audio for u in rows], lang, "translate", device)
            bleus[lang] = round(bleu(hyp, [u.en for u in rows], "en").score, 2)
    model.train()
    return wers, cers, bleus


def main(argv=None) -> int:
    import torch
    from transformers import AutoTokenizer, WhisperFeatureExtractor, WhisperForConditionalGeneration

    from speech_data import load_train_test

    ap = base_parser(__doc__, "whisper", steps=1600, batch=32, batch_help="utterances per step", lr=1e-3)
    ap.add_argument("--window", type=int, default=6,
                    help="encoder window in whole seconds (max_source_positions = 50x)")
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--enc-layers", type=int, default=4)
    ap.add_argument("--dec-layers", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=3000, help="byte-level BPE pieces before the special tokens")
    ap.add_argument("--translate-prob", type=float, default=0.3, help="share of non-English utterances used as X→en")
    ap.add_argument("--dropout", type=float, default=0.0, help="dropout in the Whisper layers (0.1 stalled learning)")
    ap.add_argument("--ctc-weight", type=float, default=0.3, help="weight of the auxiliary encoder CTC loss (0: off)")
    ap.add_argument("--ctc-pretrain-steps", type=int, default=1500,
                    help="encoder-only character-CTC updates before the encoder-decoder training (0: none)")
    ap.add_argument("--languages", default=",".join(TRAIN_LANGS), help="comma-separated training languages")
    ap.add_argument("--eval-limit", type=int, default=None, help="test utterances per language (default: all on "
                    "a GPU, 100 on CPU)")
    args = ap.parse_args(argv)
    langs = [x for x in args.languages.split(",") if x]

    rng, data, init_dir = setup(args)
    train, test = load_train_test(args.world, langs, args.window)

    if not (init_dir / "config.json").exists():
        tok = build_tokenizer([t[x] for t in data["train"] for x in LANGS], args.vocab)
        model = build_model(tok, window=args.window, d_model=args.d_model, enc_layers=args.enc_layers,
                            dec_layers=args.dec_layers, heads=4)
        fe = WhisperFeatureExtractor(feature_size=80, sampling_rate=16000, hop_length=160, chunk_length=args.window,
                                     n_fft=400)
        model.save_pretrained(init_dir)
        tok.save_pretrained(init_dir)
        fe.save_pretrained(init_dir)
    tok = AutoTokenizer.from_pretrained(init_dir)
    fe = WhisperFeatureExtractor.from_pretrained(init_dir)
    model = WhisperForConditionalGeneration.from_pretrained(init_dir, dropout=args.dropout).to(args.device)
    model.train()
    n_params = sum(p.numel() for p in model.parameters())
    # Training-only character-CTC head on the encoder (hybrid CTC/attention, as ESPnet trains
    # attention ASR): the encoder first learns to recognise characters on its own, then the decoder
    # learns on top of an encoder that already carries the words; without it the decoder learnt a
    # language model that ignored the audio (see README). Not saved: the checkpoint stays a plain Whisper.
    chars = CharVocab([u.text for u in train])
    ctc_head = torch.nn.Linear(model.config.d_model, chars.blank + 1).to(args.device)

    mels = cached_log_mels(fe, train, args.out.parent)

    log = TrainLog(args.out)
    t0 = time.time()
    ctc_report = {}
    if args.ctc_pretrain_steps:
        params = [*model.model.encoder.parameters(), *ctc_head.parameters()]
        opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
        sched = warmup_linear(opt, args.ctc_pretrain_steps)
        for step in range(1, args.ctc_pretrain_steps + 1):
            idx = sorted(rng.sample(range(len(train)), args.batch))
            feats = torch.from_numpy(mels[idx].astype(np.float32)).to(args.device)
            ctc = ctc_loss(ctc_head, model.model.encoder(feats).last_hidden_state,
                           [train[i] for i in idx], chars)
            update(ctc, opt, sched, params)
            if step % args.log_every == 0 or step == 1:
                log.write(step_record(step, ctc, sched, t0, stage="encoder-ctc"))
        model.eval()
        ctc_report = {"ctc_pretrain_seconds": round(time.time() - t0),
                      "test_ctc_cer": ctc_cer(model.model.encoder, ctc_head, fe, chars, test, args.device,
                                              args.eval_limit or 100)}
        model.train()
        print(f"encoder CTC: FLEURS test greedy CER {ctc_report['test_ctc_cer']}", flush=True)

    params = [*model.parameters(), *ctc_head.parameters()]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98))
    sched = warmup_linear(opt, args.steps)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1)
    pad = tok.convert_tokens_to_ids("<|endoftext|>")
    t0 = time.time()
    for step in range(1, args.steps + 1):
        idx = sorted(rng.sample(range(len(train)), args.batch))
        utts = [train[i] for i in idx]
        tasks = ["translate" if u.lang != "en" and rng.random() < args.translate_prob else "transcribe" for u in utts]
        inputs, labels = decoder_sequences(tok, utts, tasks)
        feats, x, y = collate(mels, idx, inputs, labels, pad, args.device)
        enc = model.model.encoder(feats).last_hidden_state  # (B, 50 x window, D)
        logits = model(encoder_outputs=(enc,), decoder_input_ids=x).logits
        loss = loss_fn(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        ctc = torch.zeros((), device=enc.device)
        if args.ctc_weight > 0:
            ctc = ctc_loss(ctc_head, enc, utts, chars)
            loss = (1 - args.ctc_weight) * loss + args.ctc_weight * ctc
        update(loss, opt, sched, params)
        if step % args.log_every == 0 or step == 1:
            log.write(step_record(step, loss, sched, t0, stage="encoder-decoder", ctc=round(ctc.item(), 4)))
    train_seconds = time.time() - t0
    limit = args.eval_limit or (None if args.device != "cpu" else 100)
    wers, cers, bleus = evaluate(model, fe, tok, test, args.device, limit)
    size_mb = save_fp16(model, tok, args.out)
    fe.save_pretrained(args.out)
    mean = lambda d: round(sum(d.values()) / len(d), 2) if d else None  # noqa: E731
    report = {"params": n_params, "safetensors_mb": size_mb, "train_seconds": round(train_seconds),
              "steps": args.steps, "ctc_pretrain_steps": args.ctc_pretrain_steps, **ctc_report,
              "batch": args.batch, "device": args.device, "train_utterances": len(train),
              "test": f"FLEURS test, {limit or 'all'} utterances per language",
              "test_wer": wers, "test_wer_mean": mean(wers), "test_cer": cers,
              "test_x_en_bleu": bleus, "test_x_en_bleu_mean": mean(bleus)}
    write_report(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
