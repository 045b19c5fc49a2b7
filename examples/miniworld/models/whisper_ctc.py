"""The mini-world Whisper's encoder trained on for longer with character CTC (``models/whisper-ctc``).

    python examples/miniworld/models/whisper_ctc.py --world data/miniworld --out data/miniworld/models/whisper-ctc

``whisper.py`` gave its encoder only 1,600 character-CTC steps (the loss started falling at ~600
and was still falling when the encoder-decoder stage began), and greedy CTC CER on FLEURS test
stayed 26–49 % (European languages). ZeroST's bridges lose words there: the Europarl-ST sources with
the worst CER (fr, pl, pt) are among those with the lowest BLEU. This script loads the trained
model (``--from``, default ``models/whisper`` beside ``--out``: a ``WhisperForConditionalGeneration``
from ``whisper.py`` or the ``WhisperModel`` that ``rebuild.py --only from-bundle`` unpacks), gives its encoder a new
training-only character-CTC head (characters of the training transcripts, blank last), trains the
head alone for ``--head-steps`` (encoder frozen), then encoder + head for ``--steps`` on the same
FLEURS + Common Voice + VoxPopuli + MLS training speech (never Europarl-ST; with ``--spec-augment`` the
encoder steps see SpecAugment-masked log-mels and with ``--speed-perturb`` speed-perturbed ones, both
against overfitting to the training speakers in later rounds), and saves it as a
``WhisperModel`` (encoder + decoder, fp16) with the feature extractor (and the tokenizer, where
``--from`` has one) — what zst's ``SpeechEncoder`` loads — and the trained CTC head beside it
(``ctc_head.safetensors``, ``ctc_vocab.json``): :func:`load_ctc_asr` makes a greedy-CTC ASR model of the
folder, the ASR half of ``baselines.py cascade-ctc``.

Only the **encoder** is trained: the decoder is the one ``whisper.py`` trained on the old encoder
and is stale (zst's ZeroST uses only the encoder; do not use this folder for Whisper ASR/ST).
``eval.json`` holds the FLEURS test greedy CTC CER per language after the head warm-up (= the old
encoder, read out by a fresh head) and after training.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    TrainLog, base_parser, save_fp16, setup, step_record, update, warmup_linear, write_report,
)
from whisper import TRAIN_LANGS, CharVocab, cached_log_mels, ctc_cer, ctc_loss  # noqa: E402

CTC_HEAD, CTC_VOCAB = "ctc_head.safetensors", "ctc_vocab.json"


def save_ctc_head(head, chars: CharVocab, out: Path) -> None:
    """The CTC head (fp32 ``weight`` ``(chars + 1, d_model)``, ``bias``) and its characters (blank
    last) into ``out``."""
    from safetensors.torch import save_file

    save_file({k: v.detach().float().cpu().contiguous() for k, v in head.state_dict().items()}, str(out / CTC_HEAD))
    (out / CTC_VOCAB).write_text(json.dumps({"chars": chars.chars}, ensure_ascii=False) + "\n", encoding="utf-8")


def load_ctc_asr(path: Path, device: str = "cpu"):
    """``(encoder, head, fe, chars)`` of a folder this script wrote: the ``WhisperEncoder`` (fp32, eval), the
    trained CTC head, the feature extractor and the :class:`whisper.CharVocab` — arguments of
    :func:`whisper.ctc_transcribe`. Raises FileNotFoundError for a folder without a CTC head (rounds trained
    before the head was saved, or a ``whisper.py`` model)."""
    import torch
    from safetensors.torch import load_file
    from transformers import WhisperFeatureExtractor, WhisperModel

    path = Path(path)
    if not (path / CTC_HEAD).is_file():
        raise FileNotFoundError(f"{path}: no {CTC_HEAD} (a models/whisper_ctc.py folder saves one)")
    chars = CharVocab(json.loads((path / CTC_VOCAB).read_text(encoding="utf-8"))["chars"])
    state = load_file(str(path / CTC_HEAD))
    head = torch.nn.Linear(state["weight"].shape[1], state["weight"].shape[0])
    head.load_state_dict(state)
    encoder = WhisperModel.from_pretrained(path, dtype=torch.float32).encoder
    return encoder.to(device).eval(), head.to(device).eval(), WhisperFeatureExtractor.from_pretrained(path), chars


def spec_augment(feats, frames: list[int], rng, *, freq_masks: int = 1, freq_width: int = 8, time_masks: int = 2,
                 time_width: int = 20):
    """SpecAugment (Park et al. 2019) without time warping, in place on log-mels ``feats`` (B, n_mels,
    frames): per utterance ``freq_masks`` bands of 0 … ``freq_width`` mel bins and ``time_masks`` spans of
    0 … ``time_width`` frames (10 ms each) inside its first ``frames[b]`` frames (the speech, not the
    padding), each set to that utterance's mean. ``rng``: a :class:`random.Random`. Returns ``feats``."""
    n_mels = feats.shape[1]
    for b, n in enumerate(frames):
        fill = feats[b].mean()
        for _ in range(freq_masks):
            w = rng.randint(0, freq_width)
            f0 = rng.randint(0, n_mels - w)
            feats[b, f0:f0 + w, :] = fill
        for _ in range(time_masks):
            w = rng.randint(0, min(time_width, n // 5))  # never more than a fifth of a short utterance
            t0 = rng.randint(0, max(0, n - w))
            feats[b, :, t0:t0 + w] = fill
    return feats


def mel_centers_hz(fe) -> np.ndarray:
    """``(n_mels,)`` centre frequency (Hz) of each of ``fe``'s mel filters (their weighted mean frequency)."""
    weights = np.asarray(fe.mel_filters, dtype=np.float64)  # (1 + n_fft // 2, n_mels)
    hz = np.linspace(0.0, fe.sampling_rate / 2, weights.shape[0])
    return (hz[:, None] * weights).sum(0) / weights.sum(0)


def speed_perturb(feats, frames: list[int], rng, centers_hz: np.ndarray, *, max_rate: float = 0.1) -> list[int]:
    """Speed perturbation (Ko et al. 2015) done on cached log-mels, in place on ``feats`` (B, n_mels,
    frames): per utterance a rate ``r`` uniform in [1 - ``max_rate``, 1 + ``max_rate``] scales both axes as
    resampling the audio would, each by linear interpolation: the speech's first ``frames[b]`` frames
    become ``round(frames[b] / r)`` (never more than the window holds: ``r`` is raised where it would),
    and the bin centred at ``f`` Hz (``centers_hz``, :func:`mel_centers_hz`) takes the value at ``f / r``
    (clamped to the lowest / highest bin). The frames after the speech are set to the utterance's
    minimum (Whisper's floor, what silence padding gives). ``rng``: a :class:`random.Random`. Returns
    the new speech frame counts (for :func:`spec_augment`).

    An approximation of resampling the waveform (Lhotse's ``Cut.perturb_speed``), chosen for speed:
    that would need the log-mels extracted again every step (~15 ms per utterance here, ~0.5 s per
    32-utterance step, as long as the step itself), while this takes ~0.1 s per batch on the cache. It
    differs from resampling in that the STFT window stays 25 ms."""
    import torch

    _, n_mels, window = feats.shape
    bins = np.arange(n_mels, dtype=np.float64)
    n = torch.tensor([max(2, min(f, window)) for f in frames])
    rates = [max(rng.uniform(1 - max_rate, 1 + max_rate), int(f) / window) for f in n]
    n_out = torch.tensor([min(window, max(2, round(int(f) / r))) for f, r in zip(n, rates)])
    floor = feats.amin(dim=(1, 2), keepdim=True)
    # frequency axis: output bin i reads the input at fractional bin src[b, i]
    src = torch.from_numpy(np.stack([np.interp(centers_hz / r, centers_hz, bins) for r in rates])).float()
    lo = src.floor().long().clamp(max=n_mels - 2)
    w = (src - lo).unsqueeze(2)
    lo = lo.unsqueeze(2).expand(-1, -1, window)
    m = feats.gather(1, lo) * (1 - w) + feats.gather(1, lo + 1) * w
    # time axis: output frame t reads the input at t (n - 1) / (n_out - 1), inside the speech
    pos = torch.arange(window).unsqueeze(0) * ((n - 1) / (n_out - 1)).unsqueeze(1)
    pos = torch.minimum(pos, (n - 1).unsqueeze(1).float())
    t0 = torch.minimum(pos.floor().long(), (n - 2).unsqueeze(1))
    wt = (pos - t0).unsqueeze(1)
    t0 = t0.unsqueeze(1).expand(-1, n_mels, -1)
    out = m.gather(2, t0) * (1 - wt) + m.gather(2, t0 + 1) * wt
    speech = (torch.arange(window).unsqueeze(0) < n_out.unsqueeze(1)).unsqueeze(1)
    feats.copy_(torch.where(speech, out, floor))
    return n_out.tolist()


def main(argv=None) -> int:
    import torch
    from transformers import AutoTokenizer, WhisperFeatureExtractor, WhisperModel

    from speech_data import load_train_test, window_seconds

    ap = base_parser(__doc__, "whisper-ctc", steps=1800, batch=32, batch_help="utterances per step", lr=5e-4)
    ap.add_argument("--from", dest="init", type=Path, default=None,
                    help="trained Whisper folder (default: 'whisper' beside --out)")
    ap.add_argument("--head-steps", type=int, default=150, help="CTC-head-only steps (encoder frozen) first")
    ap.add_argument("--head-lr", type=float, default=3e-3)
    ap.add_argument("--eval-limit", type=int, default=100, help="FLEURS test utterances per language for CER")
    ap.add_argument("--spec-augment", action="store_true",
                    help="SpecAugment the encoder steps' log-mels (--freq-masks bands, --time-masks spans)")
    ap.add_argument("--freq-masks", type=int, default=1, help="SpecAugment bands per utterance")
    ap.add_argument("--freq-width", type=int, default=8, help="widest SpecAugment band (mel bins)")
    ap.add_argument("--time-masks", type=int, default=2, help="SpecAugment spans per utterance")
    ap.add_argument("--time-width", type=int, default=20, help="longest SpecAugment span (10 ms frames)")
    ap.add_argument("--speed-perturb", type=float, default=0.0, metavar="RATE",
                    help="speed-perturb the encoder steps' log-mels by a rate in [1-RATE, 1+RATE] (0: off)")
    args = ap.parse_args(argv)
    src = args.init or args.out.with_name("whisper")
    if not (src / "config.json").is_file():
        raise SystemExit(f"--from {src}: no trained Whisper there (run models/whisper.py, or rebuild.py --only "
                         f"from-bundle)")

    rng, _, _ = setup(args)
    fe = WhisperFeatureExtractor.from_pretrained(src)
    model = WhisperModel.from_pretrained(src, dtype=torch.float32, dropout=0.0).to(args.device)
    encoder = model.encoder
    train, test = load_train_test(args.world, TRAIN_LANGS, window_seconds(model.config))
    chars = CharVocab([u.text for u in train])
    head = torch.nn.Linear(model.config.d_model, chars.blank + 1).to(args.device)

    # the log-mels depend on the training set and feature extractor alone: one content-keyed cache beside
    # the models serves every round (~5 min of extraction and 1.9 GB saved a round)
    mels = cached_log_mels(fe, train, args.out.parent)

    centers_hz = mel_centers_hz(fe)

    def batch(augment: bool = False):
        idx = sorted(rng.sample(range(len(train)), args.batch))
        feats = torch.from_numpy(mels[idx].astype(np.float32))
        frames = [len(train[i].audio) // fe.hop_length for i in idx]
        if augment and args.speed_perturb:
            frames = speed_perturb(feats, frames, rng, centers_hz, max_rate=args.speed_perturb)
        if augment and args.spec_augment:
            spec_augment(feats, frames, rng, freq_masks=args.freq_masks, freq_width=args.freq_width,
                         time_masks=args.time_masks, time_width=args.time_width)
        return feats.to(args.device), [train[i] for i in idx]

    log = TrainLog(args.out)

    def train_stage(stage: str, steps: int, lr: float, with_encoder: bool) -> None:
        """CTC updates of the head, and of the encoder too when ``with_encoder``."""
        encoder.requires_grad_(with_encoder)
        model.train(with_encoder)
        params = [*(encoder.parameters() if with_encoder else []), *head.parameters()]
        betas = (0.9, 0.98) if with_encoder else (0.9, 0.999)
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01, betas=betas)
        sched = warmup_linear(opt, steps)
        t_stage = time.time()
        for step in range(1, steps + 1):
            feats, utts = batch(augment=with_encoder)
            with torch.set_grad_enabled(with_encoder):
                enc = encoder(feats).last_hidden_state
            loss = ctc_loss(head, enc, utts, chars)
            update(loss, opt, sched, params)
            if step % args.log_every == 0 or step == 1:
                log.write(step_record(step, loss, sched, t_stage, stage=stage))
        model.eval()

    t0 = time.time()
    train_stage("head", args.head_steps, args.head_lr, with_encoder=False)
    cer_before = ctc_cer(encoder, head, fe, chars, test, args.device, args.eval_limit)
    print(f"old encoder + fresh head: FLEURS test greedy CER {cer_before}", flush=True)
    train_stage("encoder", args.steps, args.lr, with_encoder=True)
    train_seconds = time.time() - t0
    cer_after = ctc_cer(encoder, head, fe, chars, test, args.device, args.eval_limit)
    tok = AutoTokenizer.from_pretrained(src) if (src / "tokenizer_config.json").is_file() else None
    size_mb = save_fp16(model, tok, args.out)
    fe.save_pretrained(args.out)
    save_ctc_head(head, chars, args.out)
    mean = lambda d: round(sum(d.values()) / len(d), 2)  # noqa: E731
    european = lambda d: {k: v for k, v in d.items() if k not in ("zh", "ja")}  # noqa: E731
    write_report(args.out, {
        "from": str(src), "params": sum(p.numel() for p in model.parameters()), "safetensors_mb": size_mb,
        "train_seconds": round(train_seconds), "head_steps": args.head_steps, "steps": args.steps,
        "batch": args.batch, "lr": args.lr, "spec_augment": args.spec_augment and {
            k: getattr(args, k) for k in ("freq_masks", "freq_width", "time_masks", "time_width")},
        "speed_perturb": args.speed_perturb, "device": args.device,
        "train_utterances": len(train),
        "trained": "encoder only (decoder stale: not for Whisper ASR/ST)",
        "test": f"FLEURS test, {args.eval_limit} utterances per language, greedy CTC",
        "test_ctc_cer_before": cer_before, "test_ctc_cer_before_mean_european": mean(european(cer_before)),
        "test_ctc_cer": cer_after, "test_ctc_cer_mean_european": mean(european(cer_after))})
    return 0


if __name__ == "__main__":
    sys.exit(main())
