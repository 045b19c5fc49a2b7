"""The mini-world's MMS / XLS-R: a small wav2vec2-architecture speech encoder, trained MMS-style as
a multilingual character CTC ASR model.

    python examples/miniworld/models/wav2vec2.py --world data/miniworld --out data/miniworld/models/wav2vec2

A ``Wav2Vec2ForCTC`` in MMS's configuration (layer-norm conv feature encoder with the standard
kernels and strides — 320x downsampling, 50 frames/s at 16 kHz — but narrow channels; stable layer
norm, i.e. pre-LN transformer) trained with CTC on the transcribed speech of the 11 mini-world
languages other than the held-out ca and af, read from the FLEURS, Common Voice, VoxPopuli and MLS
layouts (:mod:`speech_data`; never Europarl-ST, which zst's own methods train and are evaluated on).
As MMS, one character vocabulary shared by all languages over lower-cased transcripts without
punctuation (``|`` = word boundary; zh hanzi and ja kana/kanji are characters; CTC blank =
``<pad>``). Batches hold utterances of similar length, about ``--batch`` seconds of (padded) audio;
AdamW with linear warm-up and decay, gradient clipping, SpecAugment-style time masking.

CTC alone from raw waveforms and a random init needs far more updates than a CPU gives (three runs
stayed on the blank plateau). ``--teacher`` (a trained mini-world Whisper, e.g. ``models/whisper-ctc9``)
adds a dense frame-level target, as DistilHuBERT (Chang et al. 2022, Eq. 1: L1 − log σ(cos) per frame)
distils HuBERT: a training-only linear head predicts the teacher encoder's last-layer states from the
student's last layer at the same 20 ms frames (both 50 frames/s), and the loss is CTC + ``--distill-weight`` ×
that. The student then also inherits what the Whisper stand-in learnt (it is no longer an independent
encoder): say so wherever its results are compared with the Whisper one's. The trained prediction head is
saved beside the model (``distill_head.safetensors``; zst never reads it) so that ``--from`` (a trained
wav2vec2 folder instead of the random init) can go on training with it: a new round, fresh warm-up and decay.

Saved with ``save_pretrained`` (safetensors, fp16 weights) together with a ``Wav2Vec2Processor``
(``Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=True)`` +
``Wav2Vec2CTCTokenizer``), so zst loads it like a hub id: ``SpeechEncoder.from_pretrained(path)``
gets the ``Wav2Vec2Model`` under the CTC head. Writes ``train_log.jsonl`` and ``eval.json`` (greedy
CTC decoding of the FLEURS test split: CER and WER per language, via :mod:`zst.metrics`).
"""

from __future__ import annotations

import json
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    LANGS, TrainLog, base_parser, save_fp16, setup, step_record, update, warmup_linear, write_report,
)
from speech_data import CORPUS_ROOTS, load_speech  # noqa: E402
from whisper import ctc_frames  # noqa: E402

SAMPLING_RATE = 16_000
HELD_OUT = ("ca", "af")  # the zero-shot languages: no speech model has heard them
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]  # <pad> (id 0) is the CTC blank, as in MMS / wav2vec2 checkpoints
DELIM = "|"
DISTILL_HEAD = "distill_head.safetensors"  # the --teacher prediction head (training only)


def ctc_text(text: str) -> str:
    """MMS-style transcript normalisation: NFC, lower case, punctuation and symbols -> space (the
    ASCII apostrophe stays: ``c'è``, ``qu'il``), whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).lower()
    text = "".join(" " if unicodedata.category(c)[0] in "PSZC" and c != "'" else c for c in text)
    return " ".join(text.split())


def build_vocab(texts) -> dict[str, int]:
    chars = sorted({c for t in texts for c in ctc_text(t)} - {" "})
    return {tok: i for i, tok in enumerate([*SPECIALS, DELIM, *chars])}


def build(out: Path, texts, args) -> Path:
    """Random-init ``Wav2Vec2ForCTC`` + ``Wav2Vec2Processor`` (character vocabulary of ``texts``) in ``out``."""
    from transformers import (Wav2Vec2Config, Wav2Vec2CTCTokenizer, Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC,
                              Wav2Vec2Processor)

    out.mkdir(parents=True, exist_ok=True)
    vocab = build_vocab(texts)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=0))
    tok = Wav2Vec2CTCTokenizer(str(out / "vocab.json"), bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                               pad_token="<pad>", word_delimiter_token=DELIM, do_lower_case=False)
    fe = Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=SAMPLING_RATE, padding_value=0.0, do_normalize=True,
                                  return_attention_mask=True)
    config = Wav2Vec2Config(
        vocab_size=len(vocab), pad_token_id=vocab["<pad>"], bos_token_id=vocab["<s>"], eos_token_id=vocab["</s>"],
        hidden_size=args.hidden, num_hidden_layers=args.layers, num_attention_heads=args.heads,
        intermediate_size=args.ffn,
        conv_dim=tuple(int(x) for x in args.conv_dims.split(",")),
        conv_kernel=(10, 3, 3, 3, 3, 2, 2), conv_stride=(5, 2, 2, 2, 2, 2, 2),
        conv_bias=True, feat_extract_norm="layer", do_stable_layer_norm=True,
        num_conv_pos_embeddings=64, num_conv_pos_embedding_groups=16 if args.hidden % 16 == 0 else 1,
        hidden_dropout=0.0, activation_dropout=0.0, attention_dropout=0.0, feat_proj_dropout=0.0, final_dropout=0.0,
        layerdrop=0.0, mask_time_prob=args.mask_time_prob, mask_time_length=5, mask_feature_prob=0.0,
        ctc_loss_reduction="mean", ctc_zero_infinity=True,
    )
    model = Wav2Vec2ForCTC(config)
    model.save_pretrained(out)
    Wav2Vec2Processor(feature_extractor=fe, tokenizer=tok).save_pretrained(out)
    return out


def load_train(world: Path, langs, corpora, limit, max_seconds):
    """Training utterances as ``(lang, float16 audio, ctc text)``, loaded one corpus/language at a time so
    the float32 copies never pile up."""
    import numpy as np

    out = []
    for corpus in corpora:
        for lang in langs:
            for u in load_speech(world, "train", [lang], [corpus], per_corpus_limit=limit, max_seconds=max_seconds):
                out.append((lang, u.audio.astype(np.float16), ctc_text(u.text)))
    return out


def buckets_of(lengths, seconds: float) -> list[list[int]]:
    """Indices grouped by length so that (utterances x longest) stays within ``seconds`` of audio."""
    budget = seconds * SAMPLING_RATE
    out, cur, longest = [], [], 0
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        n = lengths[i]
        if cur and (len(cur) + 1) * max(longest, n) > budget:
            out.append(cur)
            cur, longest = [], 0
        cur.append(i)
        longest = max(longest, n)
    if cur:
        out.append(cur)
    return out


def collate(fe, audios, label_ids, device):
    import numpy as np
    import torch

    enc = fe([np.asarray(a, dtype=np.float32) for a in audios], sampling_rate=SAMPLING_RATE, padding=True,
             return_attention_mask=True, return_tensors="pt")
    batch = {"input_values": enc["input_values"].to(device), "attention_mask": enc["attention_mask"].to(device)}
    if label_ids is not None:
        y = torch.full((len(label_ids), max(map(len, label_ids))), -100, dtype=torch.long)
        for i, ids in enumerate(label_ids):
            y[i, : len(ids)] = torch.tensor(ids)
        batch["labels"] = y.to(device)
    return batch


@__import__("torch").no_grad()
def transcribe(model, processor, audios, device, seconds: float = 120.0) -> list[str]:
    """Greedy CTC decoding (argmax, repeats merged, blanks dropped), length-bucketed batches."""
    hyps: list[str | None] = [None] * len(audios)
    for idx in buckets_of([len(a) for a in audios], seconds):
        batch = collate(processor.feature_extractor, [audios[i] for i in idx], None, device)
        logits = model(**batch).logits
        for i, text in zip(idx, processor.batch_decode(logits.argmax(-1).cpu())):
            hyps[i] = text
    return hyps


def evaluate(model, processor, utts, device) -> dict[str, dict[str, float]]:
    """``{lang: {"cer", "wer", "n"}}`` over ``utts`` (Utterance-like with .lang, .audio, .text)."""
    from zst.metrics import cer, wer

    was_training = model.training
    model.eval()
    scores = {}
    for lang in dict.fromkeys(u.lang for u in utts):
        rows = [u for u in utts if u.lang == lang]
        hyps = transcribe(model, processor, [u.audio for u in rows], device)
        refs = [u.text for u in rows]
        scores[lang] = {"cer": round(cer(hyps, refs).score, 2), "wer": round(wer(hyps, refs).score, 2), "n": len(rows)}
    model.train(was_training)
    return scores


class WhisperTeacher:
    """Frozen encoder states of a trained mini-world Whisper as frame targets for the wav2vec2 student.

    ``states(audios)`` -> ``(B, frames, d_model)`` float32 last-layer states (20 ms frames, the padded
    window) and ``(B,)`` valid frame counts (ceil(samples / 320), at most the window's)."""

    def __init__(self, path: Path, device: str):
        import torch
        from transformers import WhisperFeatureExtractor, WhisperModel

        self.fe = WhisperFeatureExtractor.from_pretrained(path)
        self.encoder = WhisperModel.from_pretrained(path, dtype=torch.float32).encoder.to(device).eval()
        self.encoder.requires_grad_(False)
        self.device = device
        self.window = 2 * self.encoder.config.max_source_positions * self.fe.hop_length  # samples

    @__import__("torch").no_grad()
    def states(self, audios):
        import numpy as np
        import torch

        feats = self.fe([np.asarray(a, dtype=np.float32) for a in audios], sampling_rate=SAMPLING_RATE,
                        return_tensors="pt")["input_features"].to(self.device)
        out = self.encoder(feats).last_hidden_state
        frames = torch.tensor([ctc_frames(len(a), out.shape[1]) for a in audios])
        return out, frames


def distill_loss(pred, target, pred_frames, target_frames):
    """DistilHuBERT's layer-prediction loss (Chang et al. 2022, Eq. 1) averaged over the frames both hold:
    per frame the mean absolute error over dimensions minus log σ(cosine similarity).

    Args:
        pred: ``(B, T_s, D)`` student predictions; target: ``(B, T_t, D)`` teacher states (same frame rate).
        pred_frames, target_frames: ``(B,)`` valid frames of each.

    Returns:
        The scalar loss (a 0-dim tensor; frames outside both counts do not contribute).
    """
    import torch

    n = torch.minimum(pred_frames, target_frames).clamp(max=min(pred.shape[1], target.shape[1]))
    t = int(n.max())
    p, y = pred[:, :t], target[:, :t]
    valid = (torch.arange(t, device=p.device)[None, :] < n.to(p.device)[:, None]).float()
    cos = torch.nn.functional.cosine_similarity(p, y, dim=-1)
    per_frame = (p - y).abs().mean(-1) - torch.nn.functional.logsigmoid(cos)
    return (per_frame * valid).sum() / valid.sum().clamp(min=1)


def teacher_loss(model, head, teacher, batch, audios, states):
    """:func:`distill_loss` of ``head(states)`` (the student's ``(B, T, hidden)`` last layer for ``batch``,
    the collated ``audios``) against the teacher's states of the same audios."""
    target, target_frames = teacher.states(audios)
    frames = model._get_feat_extract_output_lengths(batch["attention_mask"].sum(-1)).cpu()
    return distill_loss(head(states), target, frames, target_frames)


def fit_head(model, head, teacher, processor, train, buckets, rng, args) -> None:
    """``args.head_steps`` AdamW steps (lr 3e-3) of the distillation head alone on the frozen student, one
    random length bucket of ``train`` (:func:`buckets_of`) per step."""
    import torch

    opt = torch.optim.AdamW(head.parameters(), lr=3e-3)
    model.eval()
    for step in range(1, args.head_steps + 1):
        idx = buckets[rng.randrange(len(buckets))]
        audios = [train[i][1] for i in idx]
        batch = collate(processor.feature_extractor, audios, None, args.device)
        with torch.no_grad():
            states = model(**batch, output_hidden_states=True).hidden_states[-1]
        loss = teacher_loss(model, head, teacher, batch, audios, states)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step == 1 or step % 50 == 0 or step == args.head_steps:
            print(json.dumps({"head_step": step, "distill": round(loss.item(), 4)}), flush=True)
    model.train()


def mean_of(scores, key) -> float:
    return round(sum(s[key] for s in scores.values()) / max(1, len(scores)), 2)


def main(argv=None) -> int:
    import torch
    from transformers import Wav2Vec2ForCTC, Wav2Vec2Processor

    ap = base_parser(__doc__, "wav2vec2", steps=1200, batch=60, batch_help="seconds of (padded) audio per step",
                     log_every=25, lr=1e-3)
    ap.add_argument("--langs", default=",".join(x for x in LANGS if x not in HELD_OUT))
    ap.add_argument("--corpora", default=",".join(CORPUS_ROOTS), help="training corpora (never europarl-st)")
    ap.add_argument("--per-corpus-limit", type=int, default=None, help="training utterances per corpus and language")
    ap.add_argument("--max-seconds", type=float, default=20.0, help="longest training utterance")
    ap.add_argument("--hidden", type=int, default=192)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=768)
    ap.add_argument("--conv-dims", default="32,48,96,128,160,192,192",
                    help="channels of the 7 conv feature layers (narrow at the sample rate, where they cost most)")
    ap.add_argument("--mask-time-prob", type=float, default=0.05)
    ap.add_argument("--eval-corpus", default="fleurs", help="test corpus scored at the end")
    ap.add_argument("--eval-limit", type=int, default=None, help="test utterances per language (default: all)")
    ap.add_argument("--eval-every", type=int, default=250, help="steps between dev CER probes (0: none)")
    ap.add_argument("--teacher", type=Path, default=None,
                    help="trained mini-world Whisper folder whose encoder states the student also predicts")
    ap.add_argument("--distill-weight", type=float, default=1.0, help="weight of the --teacher loss beside CTC")
    ap.add_argument("--from", dest="init", type=Path, default=None,
                    help="trained wav2vec2 folder to go on training (default: the random init beside --out)")
    ap.add_argument("--head-steps", type=int, default=200,
                    help="--from a model with no saved --teacher head: head-only steps (student frozen) first")
    args = ap.parse_args(argv)
    langs = [x.strip() for x in args.langs.split(",") if x.strip()]
    corpora = [x.strip() for x in args.corpora.split(",") if x.strip()]
    if "europarl-st" in corpora or any(c not in CORPUS_ROOTS for c in corpora):
        ap.error(f"--corpora must be among {sorted(CORPUS_ROOTS)}")

    rng, data, init_dir = setup(args)
    t_load = time.time()
    train = load_train(args.world, langs, corpora, args.per_corpus_limit, args.max_seconds)
    dev = load_speech(args.world, "dev", langs, [args.eval_corpus], per_corpus_limit=8)
    print(f"loaded {len(train)} training utterances ({sum(len(a) for _, a, _ in train) / SAMPLING_RATE / 3600:.2f} h)"
          f" in {time.time() - t_load:.0f} s", flush=True)
    if args.init is not None:
        if not (args.init / "config.json").is_file():
            raise SystemExit(f"--from {args.init}: no trained wav2vec2 there")
        init_dir = args.init
    elif not (init_dir / "config.json").exists():
        # the vocabulary: characters of the training transcripts and of the train-split text
        build(init_dir, [t for _, _, t in train] + [row[x] for row in data["train"] for x in langs], args)
    processor = Wav2Vec2Processor.from_pretrained(init_dir)
    model = Wav2Vec2ForCTC.from_pretrained(init_dir, dtype=torch.float32).to(args.device)
    model.config.mask_time_prob = args.mask_time_prob  # (the cached init may have been built with another)
    model.train()
    buckets = buckets_of([len(a) for _, a, _ in train], args.batch)
    teacher = head = None
    if args.teacher:
        if not (args.teacher / "config.json").is_file():
            raise SystemExit(f"--teacher {args.teacher}: no trained Whisper there")
        teacher = WhisperTeacher(args.teacher, args.device)
        if max(len(a) for _, a, _ in train) > teacher.window:
            raise SystemExit(f"--teacher {args.teacher}: its window is {teacher.window / SAMPLING_RATE:g} s; "
                             f"set --max-seconds to at most that")
        head = torch.nn.Linear(model.config.hidden_size, teacher.encoder.config.d_model)
        saved_head = init_dir / DISTILL_HEAD
        if saved_head.is_file():  # --from a --teacher run: its trained head
            from safetensors.torch import load_file

            head.load_state_dict(load_file(saved_head))
        head.to(args.device)
        if args.init is not None and not saved_head.is_file():
            # a trained student, a new head: fit the head first, or the gradients of its random
            # predictions would undo what the student knows
            fit_head(model, head, teacher, processor, train, buckets, rng, args)
    params = [*model.parameters(), *(head.parameters() if head is not None else [])]
    vocab = processor.tokenizer.get_vocab()
    unk = vocab["<unk>"]
    labels = [[vocab.get(DELIM if c == " " else c, unk) for c in text] for _, _, text in train]
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01, betas=(0.9, 0.98), eps=1e-6)
    sched = warmup_linear(opt, args.steps)
    log = TrainLog(args.out)
    log.write({"params": n_params, "vocab": len(vocab), "train_utterances": len(train), "buckets": len(buckets),
               "train_hours": round(sum(len(a) for _, a, _ in train) / SAMPLING_RATE / 3600, 2),
               "load_seconds": round(time.time() - t_load)})
    t0 = time.time()
    order: list[int] = []
    audio_seconds = 0.0
    for step in range(1, args.steps + 1):
        if not order:
            order = list(range(len(buckets)))
            rng.shuffle(order)
        idx = buckets[order.pop()]
        batch = collate(processor.feature_extractor, [train[i][1] for i in idx], [labels[i] for i in idx], args.device)
        audio_seconds += sum(len(train[i][1]) for i in idx) / SAMPLING_RATE
        extra = {}
        if teacher is None:
            loss = model(**batch).loss
        else:
            out = model(**batch, output_hidden_states=True)
            kd = teacher_loss(model, head, teacher, batch, [train[i][1] for i in idx], out.hidden_states[-1])
            loss = out.loss + args.distill_weight * kd
            extra = {"ctc": out.loss.detach(), "distill": kd.detach()}
        update(loss, opt, sched, params)
        if step % args.log_every == 0 or step == 1:
            rec = step_record(step, loss, sched, t0, audio_hours=round(audio_seconds / 3600, 2),
                              **{k: v.item() for k, v in extra.items()})  # (synchronises a GPU only here)
            if args.eval_every and (step % args.eval_every == 0):
                dev_scores = evaluate(model, processor, dev, args.device)
                rec["dev_cer"] = mean_of(dev_scores, "cer")
                rec["dev_cer_by_lang"] = {k: v["cer"] for k, v in dev_scores.items()}
            log.write(rec)
    train_seconds = time.time() - t0
    model.eval()
    test = load_speech(args.world, "test", langs, [args.eval_corpus], per_corpus_limit=args.eval_limit)
    t_eval = time.time()
    scores = evaluate(model, processor, test, args.device)
    eval_seconds = time.time() - t_eval
    first = {u.lang: u for u in reversed(test)}  # one example per language
    sample = {k: {"ref": u.text, "hyp": transcribe(model, processor, [u.audio], args.device)[0]}
              for k, u in first.items()}
    size_mb = save_fp16(model, processor, args.out)
    if head is not None:
        from safetensors.torch import save_file

        save_file({k: v.detach().cpu().contiguous() for k, v in head.state_dict().items()}, args.out / DISTILL_HEAD)
    report = {"params": n_params, "safetensors_mb": size_mb, "train_seconds": round(train_seconds),
              "steps": args.steps, "batch_seconds": args.batch, "device": args.device,
              "train_hours_seen": round(audio_seconds / 3600, 2), "train_hours_available":
              round(sum(len(a) for _, a, _ in train) / SAMPLING_RATE / 3600, 2),
              "languages": langs, "corpora": corpora, "vocab": len(vocab),
              "teacher": str(args.teacher) if args.teacher else None, "distill_weight": args.distill_weight,
              "from": str(args.init) if args.init else None,
              "eval": f"{args.eval_corpus} test, greedy CTC, zst.metrics cer/wer (whisper-basic normalisation)",
              "eval_seconds": round(eval_seconds),
              "test_cer": {k: v["cer"] for k, v in scores.items()},
              "test_wer": {k: v["wer"] for k, v in scores.items()},
              "test_cer_mean": mean_of(scores, "cer"), "test_wer_mean": mean_of(scores, "wer"),
              "test_utterances": {k: v["n"] for k, v in scores.items()}, "samples": sample}
    write_report(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
