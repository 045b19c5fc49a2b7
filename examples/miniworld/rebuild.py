"""Rebuild the mini-world evidence from nothing: corpus → foundation models → ZeroST variants → tables.

    python examples/miniworld/rebuild.py                      # everything not yet done (resumable)
    python examples/miniworld/rebuild.py --list               # stages and whether each is done
    python examples/miniworld/rebuild.py --only zerost-r7 eval-r7 --force   # redo some stages
    python examples/miniworld/rebuild.py --only eval-r7 --force --no-keep-scores   # re-check a published row

Every stage is one command (printed before it runs) and leaves ``WORLD/runs/.done/<stage>`` when
it succeeds, so an interrupted rebuild continues where it stopped; ``--force`` reruns the selected
stages. Stages run in order, each sized to finish in under 45 minutes on 2 CPU cores (a ZeroST training
stage that would take longer, e.g. ``zerost-rAq256``, stops at a checkpoint after ``--stage-minutes`` and
the rebuild exits with status 3: run it again to go on, exactly as if uninterrupted); on a machine
with a GPU the model scripts and zst's trainers use it (``--device``, accelerate) and the evaluation
translates the whole test split.

Stages:

* ``corpus`` — ``build.py`` (text, espeak-ng speech, the corpora's layouts).
* ``nllb`` ``labse`` ``mt5`` ``whisper`` ``wav2vec2`` — the foundation models (``models/*.py``);
  ``whisper-ctc`` … ``whisper-ctc10`` — the Whisper's encoder trained on with character CTC, ten rounds
  (``models/whisper_ctc.py``); ``whisper-dec`` — the Whisper's decoder trained again on ``whisper-ctc10``'s
  frozen encoder (``models/whisper_decoder.py``; the cascade's ASR); ``wav2vec2-kd`` — the wav2vec2 stand-in
  trained again from scratch with CTC plus DistilHuBERT-style prediction of ``whisper-ctc9``'s encoder states
  (``wav2vec2.py --teacher``).
* ``prepare`` — ``zst prepare`` of VoxPopuli (train, with NLLB-encoder teacher states), MLS and
  Common Voice (train), their temperature mix "Big" (α = 0.5), VoxPopuli en/fr/de/it/es only, and
  the Europarl-ST test split (the evaluation).
* ``zerost-<row>`` — ``zst distill`` and/or ``zst train-nll`` for one row of :data:`VARIANTS`.
* ``eval-<row>`` — ``zst translate`` of the Europarl-ST test split into its nine languages and
  ``zst eval --protocol europarl-st``; ``cascade``, ``cascade-ctc`` and ``topline`` — ``baselines.py`` + the
  same eval (``cascade``: ``models/<CASCADE_WHISPER>`` transcribes with its decoder; ``cascade-ctc``: the CTC
  head of ``models/<CASCADE_CTC_ENCODER>`` as the ASR, so it needs that stage trained on this machine:
  ``from-bundle`` unpacks the encoder without its head).
* ``tables`` — ``docs/results/*.md`` and plots from the evaluations that exist.
* ``default-model`` — the best evaluated row trained on the machine (highest Europarl-ST average),
  bundled (:func:`zst.models.zerost.bundle`) into ``zst/assets/default_model``, and the example
  clips its test uses (``examples/audio/*_miniworld.wav``, ``examples/audio/miniworld_test/``).
* ``from-bundle`` — not part of a plain rebuild (``--only from-bundle``): unpack the shipped default
  model instead of retraining it — its speech encoder and NLLB stand-in become ``models/<the row's
  encoder>`` (``whisper``, or ``whisper-ctc*`` for a row over the encoder trained on) and
  ``models/nllb`` (float32; beside the run where those were built here) and its bridge the run of the
  row it was trained as (``miniworld_row`` in its config) with its committed evaluation
  (``docs/results/scores/<row>.json``), all marked done, so a new row can go on training it
  (``nll_from``) on a fresh machine and ``default-model`` weighs it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PY = sys.executable
DEFAULT_MODEL = REPO / "zst" / "assets" / "default_model"


#: The unseen-target study's speech languages, and the data mixes cut to them (never a default-model candidate)
SEEN_SPEECH = ("en", "fr", "de", "it", "es")
PARTIAL_DATA = ("vp5", "all5")


@dataclass(frozen=True)
class Variant:
    """One ZeroST system of Table 1 / Table 2 / the unseen-target study."""

    data: str  # vp | big | vp5 (VoxPopuli en fr de it es only) | all (every transcribed training split)
    # | all5 (all, en fr de it es speech only)
    encoder: str  # the models/ folder: wav2vec2 | wav2vec2-kd | whisper | whisper-ctc…
    qformer: str  # simple | lite | nllb
    loss: str  # nll | kd | kd-nll
    queries: int = 256
    kd_from: str | None = None  # reuse the distill run of this row (KD→NLL rows whose KD is a row itself)
    kd_proj: str = "frozen"  # frozen | trained: the KD Proj (Linear+Tanh) kept at its random init, or
    # trained as in the paper — which collapses here (every projected vector alike, KD loss ~0)
    kd_fine: str = "paper"  # paper (Eq. 2) | contrastive (in-batch max-sim retrieval; zst.losses.KDLoss)
    kd_steps: int | None = None  # steps of this row's stages (None: --kd-steps / --nll-steps)
    nll_steps: int | None = None
    nll_from: str | None = None  # go on training this row's NLL model (train-nll --init <its NLL run>)
    lr: float | None = None  # peak learning rate (None: --lr)
    kd_weight: float = 0.0  # NLL rows: KD beside NLL with this weight (train-nll --kd-weight; fine term kd_fine)


#: Table 1 rows 1-7 (ZeroST paper), Table 2 (queries; 256 is row 3) and the unseen-target model.
#: The paper runs its ablations (rows 1-5, Table 2, unseen targets) on MMS; here they run on the
#: Whisper-architecture encoder, the mini-world speech model that learnt to transcribe first on
#: 2 CPU cores (models/README.md), and rows 6 vs 7 keep the paper's MMS-vs-Whisper comparison.
#: KD rows keep the KD Proj frozen: trained as in the paper it collapses (r2p/r3p show it). Eq. 2
#: has a trivial minimiser (every query copies the language-code state); r2c/r3c train the
#: fine-grained term contrastively instead (docs/results/README.md).
def _row_a_on(prev: str, steps: int, lr: float, encoder: str = "whisper") -> Variant:
    """Row A's setting (Q-NLLB, 64 queries, NLL only, All mix) trained on from row ``prev``'s bridge
    for ``steps`` more NLL steps at peak learning rate ``lr``, over the speech encoder ``models/<encoder>``
    (another than ``prev``'s: the bridge goes on over it, ``train-nll --speech-encoder``)."""
    return Variant("all", encoder, "nllb", "nll", queries=64, nll_from=prev, nll_steps=steps, lr=lr)


def _row_kd_beside(prev: str, steps: int, kd_weight: float) -> Variant:
    """:func:`_row_a_on` over ``whisper-ctc10`` at lr 2e-4 with the contrastive KD loss beside NLL at
    weight ``kd_weight`` (``train-nll --kd-weight``)."""
    return replace(_row_a_on(prev, steps, 2e-4, "whisper-ctc10"), kd_fine="contrastive", kd_weight=kd_weight)


#: Row Ac: row A's setting (Q-NLLB, 64 queries, NLL only, All mix, 4,000 steps at lr 5e-4) over the Whisper
#: encoder after nine CTC rounds, from scratch; rows Acl, Acs, Ack and Acq* each change one thing of it
ROW_AC = Variant("all", "whisper-ctc9", "nllb", "nll", queries=64, nll_steps=4000, lr=5e-4)

#: rows Awk9, Awk10, …: row Awk8c trained on in steps of 2,500 with KD beside NLL at λ 0.1
AWK_CHAIN = range(9, 17)

VARIANTS: dict[str, Variant] = {
    "r1": Variant("vp", "whisper", "simple", "nll"),
    "r2": Variant("vp", "whisper", "simple", "kd"),
    "r3": Variant("vp", "whisper", "simple", "kd-nll", kd_from="r2"),
    "r4": Variant("vp", "whisper", "lite", "kd-nll"),
    "r5": Variant("vp", "whisper", "nllb", "kd-nll"),
    "r6": Variant("big", "wav2vec2", "nllb", "kd-nll"),
    "r7": Variant("big", "whisper", "nllb", "kd-nll"),
    "r2p": Variant("vp", "whisper", "simple", "kd", kd_proj="trained"),
    "r3p": Variant("vp", "whisper", "simple", "kd-nll", kd_from="r2p", kd_proj="trained"),
    "r2c": Variant("vp", "whisper", "simple", "kd", kd_fine="contrastive"),
    "r3c": Variant("vp", "whisper", "simple", "kd-nll", kd_from="r2c", kd_fine="contrastive"),
    # longer budgets (same settings): row 1 and row 3c with 8x / 3x+4x the steps
    "r1L": Variant("vp", "whisper", "simple", "nll", nll_steps=4000),
    "r3cL": Variant("vp", "whisper", "simple", "kd-nll", kd_fine="contrastive", kd_steps=1500, nll_steps=2000),
    # row 1L's bridge trained on for 3,000 more steps on the 4x larger Big mix (it overfits VoxPopuli)
    "r1B": Variant("big", "whisper", "simple", "nll", nll_from="r1L", nll_steps=3000, lr=5e-4),
    # the default-model candidate: the paper's best Q-Former (Q-NLLB) with 64 queries (mini-world
    # utterances are ~2.3 s, ~12 NLLB tokens), NLL only, on all transcribed training speech
    "rA": Variant("all", "whisper", "nllb", "nll", queries=64, nll_steps=4000, lr=5e-4),
    # row A trained on, row after row (rA8 on are sized for the slowest 2-core machine seen, 0.92 s/step)
    "rA2": _row_a_on("rA", 2000, 2.5e-4),
    "rA3": _row_a_on("rA2", 4500, 2.5e-4),
    "rA4": _row_a_on("rA3", 3000, 1.5e-4),
    "rA5": _row_a_on("rA4", 3500, 2e-4),
    "rA6": _row_a_on("rA5", 3500, 1.5e-4),
    "rA7": _row_a_on("rA6", 3500, 1.5e-4),
    "rA8": _row_a_on("rA7", 2500, 1.5e-4),
    "rA9": _row_a_on("rA8", 2500, 1.5e-4),
    # row A8's bridge trained on over the encoder whose character-CTC training went on (models/whisper-ctc),
    # then row Aw's over the encoder's second CTC round (models/whisper-ctc2)
    "rAw": _row_a_on("rA8", 2500, 2.5e-4, "whisper-ctc"),
    "rAw2": _row_a_on("rAw", 2500, 2e-4, "whisper-ctc2"),
    "rAw3": _row_a_on("rAw2", 2500, 1.5e-4, "whisper-ctc2"),  # row Aw2 trained on over the same encoder
    "rAw4": _row_a_on("rAw3", 2500, 1.5e-4, "whisper-ctc2"),  # row Aw3 trained on over the same encoder
    # row Aw4's bridge trained on over the encoder's third CTC round (models/whisper-ctc3), then on over it
    "rAw5": _row_a_on("rAw4", 2500, 2e-4, "whisper-ctc3"),
    "rAw6": _row_a_on("rAw5", 2500, 1.5e-4, "whisper-ctc3"),
    # row Aw6's bridge trained on over the encoder's fourth CTC round (models/whisper-ctc4)
    "rAw7": _row_a_on("rAw6", 2500, 2e-4, "whisper-ctc4"),
    # row Aw7's bridge trained on over the encoder's sixth CTC round (models/whisper-ctc6: rounds 5 and 6 ran
    # back to back, the sixth speed-perturbed), then row Aw8's over its seventh (models/whisper-ctc7)
    "rAw8": _row_a_on("rAw7", 2500, 2e-4, "whisper-ctc6"),
    "rAw9": _row_a_on("rAw8", 2500, 2e-4, "whisper-ctc7"),
    # row Aw9's bridge trained on over the encoder's ninth CTC round (rounds 8 and 9 ran back to back)
    "rAw10": _row_a_on("rAw9", 2500, 2e-4, "whisper-ctc9"),
    # row A's setting over the wav2vec2 stand-in distilled from whisper-ctc9 (models/wav2vec2-kd): the paper's
    # MMS-vs-Whisper comparison (rows 6 vs 7) where the bridge learns content, against row A's 4,000 steps
    "rAv": Variant("all", "wav2vec2-kd", "nllb", "nll", queries=64, nll_steps=4000, lr=5e-4),
    # ... and over its teacher, the Whisper encoder after nine CTC rounds, from scratch: row Av's peer
    "rAc": ROW_AC,
    # KD→NLL at row Ac's budget (2,000 KD + 2,000 NLL steps against its 4,000 NLL, same data, encoder and lr):
    # does the paper's step 1 help cross-lingual transfer once the bridge recognises? (KD reads the mix's
    # cuts that have NLLB-encoder teacher states: VoxPopuli, MLS, Common Voice)
    "rAk": Variant("all", "whisper-ctc9", "nllb", "kd-nll", queries=64, kd_steps=2000, nll_steps=2000, lr=5e-4),
    # ... with the contrastive fine-grained KD (row 2c's), which Eq. 2's trivial minimiser cannot satisfy
    "rAkc": Variant("all", "whisper-ctc9", "nllb", "kd-nll", queries=64, kd_fine="contrastive", kd_steps=2000,
                    nll_steps=2000, lr=5e-4),
    # row Ac with Q-Lite and with Q-Simple (same data, queries, steps and lr): the paper's Q-Former ablation
    # (rows 3-5) where the bridge learns content
    "rAcl": replace(ROW_AC, qformer="lite"),
    "rAcs": replace(ROW_AC, qformer="simple"),
    # row Ac with KD beside NLL from the start (λ 0.1, contrastive fine-grained term; rows Awk2–Awk7's
    # objective): does KD beside NLL lift transfer from scratch, not only on a bridge that already recognises?
    "rAck": replace(ROW_AC, kd_fine="contrastive", kd_weight=0.1),
    # row Aw10's bridge trained on over the encoder's tenth CTC round (models/whisper-ctc10)
    "rAw11": _row_a_on("rAw10", 2500, 2e-4, "whisper-ctc10"),
    # row Aw11's bridge, 1,500 more NLL steps over the same encoder: row Awk's control
    "rAwn": _row_a_on("rAw11", 1500, 2e-4, "whisper-ctc10"),
    # ... with KD beside NLL (contrastive fine-grained term, weight 0.02, on the mix's cuts with teacher
    # states): does pulling a recognising bridge's Q towards the NLLB encoder's states lift transfer?
    "rAwk": _row_kd_beside("rAw11", 1500, 0.02),
    # ... with 5 and 25 times the KD weight
    "rAwk2": _row_kd_beside("rAw11", 1500, 0.1),
    "rAwk3": _row_kd_beside("rAw11", 1500, 0.5),
    # row Awk2 (the best weight) trained on for 2,500 more steps with the same KD beside NLL, then on again
    "rAwk4": _row_kd_beside("rAwk2", 2500, 0.1),
    "rAwk5": _row_kd_beside("rAwk4", 2500, 0.1),
    "rAwk6": _row_kd_beside("rAwk5", 2500, 0.1),
    # row Awk6 trained on for 2,500 more steps with the same KD beside NLL, and its control: the same
    # steps with NLL only (is the KD term still what lifts it, or just the steps?)
    "rAwk7": _row_kd_beside("rAwk6", 2500, 0.1),
    "rAwn2": _row_a_on("rAwk6", 2500, 2e-4, "whisper-ctc10"),
    # row Awk7 trained on with twice the KD weight: does a bridge that recognises better (rows Ack vs Awk2: KD pays
    # only once it recognises) take more of the KD term?
    "rAwk8": _row_kd_beside("rAwk7", 2500, 0.2),
    # ... and its control: the same steps at Awk7's weight (0.1)
    "rAwk8c": _row_kd_beside("rAwk7", 2500, 0.1),
    # row Awk8c (the better of the two) trained on for 2,500 more steps at λ 0.1, then on again and again (Awk9 …
    # Awk16, each from the one before): do steps still pay?
    "rAwk9": _row_kd_beside("rAwk8c", 2500, 0.1),
    **{f"rAwk{k}": _row_kd_beside(f"rAwk{k - 1}", 2500, 0.1) for k in AWK_CHAIN[1:]},
    # ... and row Awk10's control: the same steps with NLL only (row Awn2's question, four rows later)
    "rAwn3": _row_a_on("rAwk9", 2500, 2e-4, "whisper-ctc10"),
    # row Aw's control: the same 2,500 steps at the same lr over the old encoder
    "rAo": _row_a_on("rA8", 2500, 2.5e-4),
    # row A's Q-Former ablated: Q-Simple with the same 64 queries, data, steps and lr (row A changed the
    # Q-Former and the data against row 1L at once)
    "rAs": Variant("all", "whisper", "simple", "nll", queries=64, nll_steps=4000, lr=5e-4),
    "q16": Variant("vp", "whisper", "simple", "kd-nll", queries=16),
    "q64": Variant("vp", "whisper", "simple", "kd-nll", queries=64),
    "q128": Variant("vp", "whisper", "simple", "kd-nll", queries=128),
    "q512": Variant("vp", "whisper", "simple", "kd-nll", queries=512),
    "unseen": Variant("vp5", "whisper", "simple", "kd-nll"),
    # the unseen-target study at row A's settings: the All mix cut to en fr de it es speech
    "rAu": Variant("all5", "whisper", "nllb", "nll", queries=64, nll_steps=4000, lr=5e-4),
    # Table 2 at row A's settings (row A itself is the 64-query point)
    "rAq16": Variant("all", "whisper", "nllb", "nll", queries=16, nll_steps=4000, lr=5e-4),
    "rAq128": Variant("all", "whisper", "nllb", "nll", queries=128, nll_steps=4000, lr=5e-4),
    # 0.69 s per step on 2 threads: 46 min, over the 45-minute stage budget — its stage runs twice (--stage-minutes)
    "rAq256": Variant("all", "whisper", "nllb", "nll", queries=256, nll_steps=4000, lr=5e-4),
    # ... and at row Ac's settings (row A's over whisper-ctc9, an encoder that transcribes; row Ac is the
    # 64-query point): does the paper's optimum, 256 queries, beat 64 once the bridge recognises?
    "rAcq16": replace(ROW_AC, queries=16),
    "rAcq128": replace(ROW_AC, queries=128),
    "rAcq256": replace(ROW_AC, queries=256),
    # the unseen-target study at row Ac's setting: the All mix cut to en fr de it es speech (row Au's data)
    "rAcu": replace(ROW_AC, data="all5"),
}
#: The zero-resource speech LLM (issue 6, SLM paper Table I): trained on CoVoST pt fr it de es en speech;
#: ca, nl (and ro) never heard. Flags of `zst train-slm` per row.
SLM_ROWS: dict[str, list] = {
    "cnn": ["--no-lora"],  # CNN only
    "lora": [],  # CNN + LoRA, ST & ASR jointly
    "seq": ["--schedule", "sequential"],  # CNN pretrained on ASR, then CNN + LoRA
    "st": ["--tasks", "st"],  # ST only (CNN + LoRA)
}
SLM_TRAIN = ("pt", "fr", "it", "de", "es", "en")
SLM_EVAL = ("pt", "fr", "it", "de", "es", "ca", "nl", "ro")  # into en; ca nl ro zero-resource
#: SAMU-XLS-R (issue 7): semantic distillation on CoVoST transcribed speech in 11 languages, then ST into
#: en trained on fr de es only; the other sources are zero-shot for the ST model.
ST_TRAIN = ("fr", "de", "es")
ST_EVAL = ("fr", "de", "es", "it", "pt", "nl", "ro", "pl")
#: The Whisper cross-lingual study (issue 5) on FLEURS test: Table 1 languages, Table 5 pairs.
RETRIEVAL_LANGS = ("en", "fr", "de", "zh", "ja")
EUROPARL = ("en", "fr", "de", "it", "es", "pt", "pl", "ro", "nl")
#: the foundation-model stages, each ``models/<script>.py --out models/<stage>`` (script: the stage's
#: name with "_" for "-", unless MODEL_RUNS says otherwise)
MODELS = ("nllb", "labse", "mt5", "whisper", "whisper-ctc", "whisper-ctc2", "whisper-ctc3", "whisper-ctc4",
          "whisper-ctc5", "whisper-ctc6", "whisper-ctc7", "whisper-ctc8", "whisper-ctc9", "whisper-ctc10",
          "whisper-dec", "wav2vec2", "wav2vec2-kd")


class ModelDir(str):
    """A :data:`MODEL_RUNS` flag value that names another ``models/`` stage: the command gets its folder."""


#: stage -> (script, the models/ stage it starts from (--from), more flags). whisper-ctc2:
#: whisper-ctc's encoder trained on for a second round (its CTC loss was still falling); whisper-ctc3: a
#: third round from whisper-ctc2 at a lower peak lr (its FLEURS test CER was still falling, 21.1 -> 17.5);
#: whisper-ctc4: a fourth round from whisper-ctc3, lower again and with SpecAugment (round 3's training loss fell
#: 0.20 -> 0.05 per character while its test CER moved only 17.6 -> 16.6: it was fitting the training speakers);
#: whisper-ctc5: a fifth round from whisper-ctc4, the same SpecAugment (round 4 took the CER 16.7 -> 15.3 and its
#: augmented training loss was still falling); whisper-ctc6: a sixth round from whisper-ctc5 that also
#: speed-perturbs the log-mels (rate 0.9-1.1: new voices from the 14 training speakers per language);
#: whisper-ctc7: a seventh round from whisper-ctc6, the same recipe (round 6 took the CER 14.1 -> 12.4);
#: whisper-ctc8 and whisper-ctc9: an eighth and a ninth, the same recipe again (round 7 took it 12.5 -> 11.3);
#: whisper-ctc10: a tenth, the same recipe (rounds 8 and 9 took it 11.4 -> 10.6 -> 9.9); whisper-dec: the
#: Whisper's decoder trained again on whisper-ctc10's encoder, frozen (whisper.py's decoder never transcribed);
#: wav2vec2-kd: wav2vec2.py from scratch (its own .init) with whisper-ctc9 as the frame-level teacher (CTC
#: alone stayed on the blank plateau in three runs), utterances up to the teacher's 6 s window (23 min)
MODEL_RUNS = {"wav2vec2-kd": ("wav2vec2", None, ["--teacher", ModelDir("whisper-ctc9"), "--max-seconds", 6,
                                                 "--steps", 3500, "--batch", 16, "--lr", 1e-3, "--eval-every", 500]),
              "whisper-ctc2": ("whisper_ctc", "whisper-ctc", ["--steps", 2500]),
              "whisper-ctc3": ("whisper_ctc", "whisper-ctc2", ["--steps", 2500, "--lr", 3e-4]),
              "whisper-ctc4": ("whisper_ctc", "whisper-ctc3", ["--steps", 2500, "--lr", 2e-4, "--spec-augment"]),
              "whisper-ctc5": ("whisper_ctc", "whisper-ctc4", ["--steps", 2500, "--lr", 2e-4, "--spec-augment"]),
              "whisper-ctc6": ("whisper_ctc", "whisper-ctc5", ["--steps", 2500, "--lr", 2e-4, "--spec-augment",
                                                               "--speed-perturb", 0.1]),
              "whisper-ctc7": ("whisper_ctc", "whisper-ctc6", ["--steps", 2500, "--lr", 2e-4, "--spec-augment",
                                                               "--speed-perturb", 0.1]),
              "whisper-ctc8": ("whisper_ctc", "whisper-ctc7", ["--steps", 2500, "--lr", 2e-4, "--spec-augment",
                                                               "--speed-perturb", 0.1]),
              "whisper-ctc9": ("whisper_ctc", "whisper-ctc8", ["--steps", 2500, "--lr", 2e-4, "--spec-augment",
                                                               "--speed-perturb", 0.1]),
              "whisper-ctc10": ("whisper_ctc", "whisper-ctc9", ["--steps", 2500, "--lr", 2e-4, "--spec-augment",
                                                                "--speed-perturb", 0.1]),
              "whisper-dec": ("whisper_decoder", "whisper-ctc10", ["--steps", 6000, "--batch", 64, "--lr", 1e-3,
                                                                   "--eval-every", 1000])}

#: the CTC-cascade's ASR: an encoder round with a saved CTC head (round 9, which row 8c was measured over and
#: rows Aw10, Ac and the wav2vec2-kd teacher read)
CASCADE_CTC_ENCODER = "whisper-ctc9"
#: the cascade's Whisper ASR (its decoder): the decoder trained again on the latest encoder round
CASCADE_WHISPER = "whisper-dec"


def _subset(full: Path, out: Path, per_language: int, langs: tuple[str, ...]) -> Path:
    """The first ``per_language`` cuts of each language in ``langs`` (in manifest order)."""
    if out.exists():
        return out
    from lhotse import CutSet

    seen: dict[str, int] = {}
    keep = []
    for c in CutSet.from_file(full):
        lang = c.supervisions[0].language
        if lang in langs and seen.get(lang, 0) < per_language:
            seen[lang] = seen.get(lang, 0) + 1
            keep.append(c)
    CutSet.from_cuts(keep).to_file(out)
    return out


def _references(cut) -> list[str]:
    """A Europarl-ST cut's text in each of :data:`EUROPARL` (its transcript for its own language,
    the attached translations for the others; "" where one is missing)."""
    sup = cut.supervisions[0]
    tr = (sup.custom or {}).get("translations", {})
    return [sup.text if t == sup.language else tr.get(t, "") for t in EUROPARL]


class Studies:
    """Stages of the other papers' mini-world studies (mixed into :class:`Rebuild`)."""

    def prepare_studies(self) -> None:
        p, cv = self.runs, self.world / "commonvoice"
        self.sh([*self.zst, "prepare", "fleurs", self.world / "fleurs", "--split", "test", "--no-teacher",
                 "-o", p / "prep-fleurs-test", "-q"])
        self.sh([*self.zst, "prepare", "covost2", cv, "--split", "train", "--languages", ",".join(SLM_TRAIN),
                 "--no-teacher", "-o", p / "prep-covost6-train", "-q"])
        self.sh([*self.zst, "prepare", "covost2", cv, "--split", "test", "--no-teacher", "-o", p / "prep-covost-test",
                 "-q"])
        self.sh([*self.zst, "prepare", "covost2", cv, "--split", "train", "--languages", "en", "--tgt-languages", "zh",
                 "--no-teacher", "-o", p / "prep-covost-en-zh-train", "-q"])

    # -- zero-resource speech LLM (issue 6) -----------------------------------------------------
    def train_slm(self, row: str) -> None:
        run = self.runs / f"slm-{row}"
        flags = list(SLM_ROWS[row])
        if "sequential" in flags:
            flags += ["--pretrain-steps", self.a.slm_steps // 2]
        self.sh([*self.zst, "train-slm", self.runs / "prep-covost6-train", "--speech-encoder", self.models / "whisper",
                 "--llm", self.models / "mt5", *flags, "--max-steps", self.a.slm_steps, "--batch-seconds",
                 self.a.batch_seconds, "--lr", self.a.lr, "--checkpoint-every", max(50, self.a.slm_steps // 4),
                 "--log-every", 10, "-o", run, "-q", *self._resume(run)])

    def evaluate_slm(self, row: str) -> None:
        """X→en BLEU (trained and zero-resource sources) with language accuracy; ASR of the held-out
        ca nl ro with language accuracy and WER on all / right-language hypotheses (Table II)."""
        n = self.a.eval_per_language or 300
        test = _subset(self.runs / "prep-covost-test" / "cuts.jsonl.gz", self.runs / f"covost-test-{n}.jsonl.gz", n,
                       SLM_EVAL)
        run, model = self.runs / f"eval-slm-{row}", self.runs / f"slm-{row}"
        self.sh([*self.zst, "translate", test, "--tgt", "en", "-m", model, "--beam-size", self.a.beam,
                 "--batch-size", 32, "-o", run / "st", "-q"])
        self.sh([*self.zst, "eval", run / "st" / "predictions" / "predictions.jsonl", "--language-id",
                 "-o", run / "st-scores", "-q"])
        if "--tasks" not in SLM_ROWS[row]:  # rows trained on ASR too
            held = _subset(test, self.runs / f"covost-test-{n}-held.jsonl.gz", n, ("ca", "nl", "ro"))
            self.sh([*self.zst, "translate", held, "--task", "transcribe", "-m", model, "--beam-size", self.a.beam,
                     "--batch-size", 32, "-o", run / "asr", "-q"])
            self.sh([*self.zst, "eval", run / "asr" / "predictions" / "predictions.jsonl", "--language-id",
                     "-o", run / "asr-scores", "-q"])

    def slm_topline(self) -> None:
        """The text-only LLM topline: the mT5 stand-in translating the reference transcripts into en."""
        n = self.a.eval_per_language or 300
        test = _subset(self.runs / "prep-covost-test" / "cuts.jsonl.gz", self.runs / f"covost-test-{n}.jsonl.gz", n,
                       SLM_EVAL)
        run = self.runs / "eval-slm-topline"
        self.sh([PY, HERE / "baselines.py", "llm-topline", test, "--nllb", self.models / "mt5", "--tgt", "en",
                 "--beam", self.a.beam, "-o", run / "st", *(["--device", self.a.device] if self.a.device else [])])
        self.sh([*self.zst, "eval", run / "st" / "predictions" / "predictions.jsonl", "--language-id",
                 "-o", run / "st-scores", "-q"])

    # -- SAMU-XLS-R (issue 7) ---------------------------------------------------------------------
    def train_samu(self, stage: str) -> None:
        """``samu``: semantic distillation of the Whisper-architecture encoder (adapters) towards the
        LaBSE stand-in; ``st-samu`` / ``st-plain``: the encoder–decoder ST model on fr de es → en,
        encoder from the SAMU run or plain (the wav2vec2 stand-in is still on its CTC plateau)."""
        p, cv, m = self.runs, self.world / "commonvoice", self.models
        opt = ["--batch-seconds", self.a.batch_seconds, "--lr", self.a.lr, "--log-every", 10]
        if stage == "samu":
            data = p / "prep-covost-samu-train"
            if not data.exists():
                self.sh([*self.zst, "prepare", "covost2", cv, "--split", "train", "--exclude", "ca,af", "--no-teacher",
                         "--sentence-model", m / "labse", "-o", data, "-q"])
            dim = json.loads((m / "labse" / "config.json").read_text())["hidden_size"]
            self.sh([*self.zst, "distill", data, "--objective", "semantic", "--speech-encoder", m / "whisper",
                     "--embedding-dim", dim, "--max-steps", self.a.samu_steps, *opt, "--checkpoint-every",
                     max(50, self.a.samu_steps // 4), "-o", p / "samu", "-q", *self._resume(p / "samu")])
            return
        data = p / "prep-covost-st3-train"
        if not data.exists():
            self.sh([*self.zst, "prepare", "covost2", cv, "--split", "train", "--languages", ",".join(ST_TRAIN),
                     "--tgt-languages", "en", "--no-teacher", "-o", data, "-q"])
        init = ["--init", p / "samu"] if stage == "st-samu" else ["--speech-encoder", m / "whisper"]
        self.sh([*self.zst, "train-nll", data, "--arch", "st", *init, "--text-model", m / "nllb", "--tgt-languages",
                 "en", "--max-steps", self.a.st_steps, *opt, "--checkpoint-every", max(50, self.a.st_steps // 4),
                 "-o", p / stage, "-q", *self._resume(p / stage)])

    def evaluate_st(self, row: str) -> None:
        """BLEU into en on CoVoST test, sources seen (fr de es) and zero-shot for the ST model."""
        n = self.a.eval_per_language or 300
        test = _subset(self.runs / "prep-covost-test" / "cuts.jsonl.gz", self.runs / f"covost-test-{n}-st.jsonl.gz", n,
                       ST_EVAL)
        run = self.runs / f"eval-{row}"
        self.sh([*self.zst, "translate", test, "--tgt", "en", "-m", self.runs / row, "--beam-size", self.a.beam,
                 "--batch-size", 32, "-o", run, "-q"])
        self.sh([*self.zst, "eval", run / "predictions" / "predictions.jsonl", "-o", run / "scores", "-q"])
        if row == "st-samu":  # the semantic alignment itself: SAMU embeddings, speech→speech by cosine
            lang = [x for s in ST_EVAL if s != "en" for x in ("--src", s)]
            self.sh([*self.zst, "retrieve", self.runs / "prep-fleurs-test", "-m", self.runs / "samu", *lang,
                     "--tgt", "en", "-o", self.runs / "retr-samu", "-q"])

    # -- Whisper cross-lingual study (issue 5) ----------------------------------------------------
    def _retrieve(self, out: Path, srcs, tgts, metric: str, layer: int | None = None) -> None:
        cache = self.runs / "retr-t1" / "features"
        if cache.is_dir() and not (out / "features").exists():  # encoder states of the last layer: reuse
            out.mkdir(parents=True, exist_ok=True)
            import shutil

            shutil.copytree(cache, out / "features")
        lang = [x for s in srcs for x in ("--src", s)] + [x for t in tgts for x in ("--tgt", t)]
        self.sh([*self.zst, "retrieve", self.runs / "prep-fleurs-test", "-m", self.models / "whisper", *lang,
                 "--metric", metric, *(["--layer", layer] if layer is not None else []), "-o", out, "-q"])

    def whisper_retrieval(self) -> None:
        """Table 1 (SeqSim R@1 among en fr de zh ja), Table 5 (four metrics on en-fr, en-de, de-fr),
        Fig. 4 (SeqSim R@1 by encoder layer on en-fr and de-fr)."""
        self._retrieve(self.runs / "retr-t1", RETRIEVAL_LANGS, RETRIEVAL_LANGS, "seqsim")
        for m in ("avgsim", "dtw", "ot"):
            self._retrieve(self.runs / f"retr-t5-{m}", ("en", "de"), ("fr", "de"), m)
        import json as _json

        layers = _json.loads((self.models / "whisper" / "config.json").read_text())["encoder_layers"]
        for layer in range(layers + 1):
            self._retrieve(self.runs / f"retr-layer-{layer}", ("en", "de"), ("fr",), "seqsim", layer)

    def whisper_st(self) -> None:
        """Table 2: en fr de ja → zh zero-shot with <|zh|><|translate|> and <|zh|><|transcribe|>, then
        after en→zh decoder fine-tuning (encoder frozen); Table 3: held-out ca / af decoded with the
        es / nl token: WER, BLEU into en."""
        n = self.a.eval_per_language or 300
        test = _subset(self.runs / "prep-fleurs-test" / "cuts.jsonl.gz", self.runs / f"fleurs-test-{n}.jsonl.gz", n,
                       ("en", "fr", "de", "ja", "ca", "af"))
        src4 = _subset(test, self.runs / f"fleurs-test-{n}-t2.jsonl.gz", n, ("en", "fr", "de", "ja"))
        whisper, out = self.models / "whisper", self.runs / "whisper-st"
        # (name, model, task, fine-tuning mode, lr): the paper's FT (dec) at 1e-5 and LoRA at 1e-3 (Table 8:
        # also FT (all)); the tiny model takes a larger full-tuning rate
        systems = [("zs-translate", whisper, "translate", None, None),
                   ("zs-transcribe", whisper, "transcribe", None, None),
                   ("ft-transcribe", self.runs / "whisper-ft-en-zh", "transcribe", "decoder", 3e-4),
                   ("lora-transcribe", self.runs / "whisper-lora-en-zh", "transcribe", "lora", 1e-3),
                   ("ftall-transcribe", self.runs / "whisper-ftall-en-zh", "transcribe", "full", 3e-4)]
        for name, model, task, mode, lr in systems:
            if mode:
                self.sh([*self.zst, "train-nll", self.runs / "prep-covost-en-zh-train", "--arch", "whisper",
                         "--speech-encoder", whisper, "--tgt-languages", "zh", "--src-languages", "en",
                         "--finetune", mode, "--max-steps", self.a.whisper_ft_steps, "--lr", lr, "--batch-seconds",
                         self.a.batch_seconds, "--checkpoint-every", max(50, self.a.whisper_ft_steps // 4),
                         "-o", model, "-q", *self._resume(model)])
            self.sh([*self.zst, "translate", src4, "--tgt", "zh", "--task", task, "-m", model, "--beam-size",
                     self.a.beam, "--batch-size", 32, "-o", out / name, "-q"])
            self.sh([*self.zst, "eval", out / name / "predictions" / "predictions.jsonl", "-o", out / f"{name}-scores",
                     "-q"])
        for lang, similar in (("ca", "es"), ("af", "nl")):
            one = _subset(test, self.runs / f"fleurs-test-{n}-{lang}.jsonl.gz", n, (lang,))
            for name, extra in ((f"{lang}-asr", ["--task", "transcribe"]), (f"{lang}-en", ["--tgt", "en"])):
                self.sh([*self.zst, "translate", one, *extra, "--decode-lang", similar, "-m", whisper, "--beam-size",
                         self.a.beam, "--batch-size", 32, "-o", out / name, "-q"])
                self.sh([*self.zst, "eval", out / name / "predictions" / "predictions.jsonl",
                         "-o", out / f"{name}-scores", "-q"])
            self._retrieve(self.runs / f"retr-{lang}-en", (lang,), ("en",), "seqsim")


class StageUnfinished(Exception):
    """A ZeroST training stage stopped at its ``--stage-minutes`` budget; running it again goes on."""


class Rebuild(Studies):
    def __init__(self, args):
        self.a = args
        self.world = args.world.resolve()
        self.models = self.world / "models"
        self.runs = self.world / "runs"
        self.done_dir = self.runs / ".done"
        self.zst = [PY, "-m", "zst.cli.main"]
        self.env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
        if args.threads:
            self.env["OMP_NUM_THREADS"] = str(args.threads)

    # -- plumbing ------------------------------------------------------------------------------
    def sh(self, cmd: list) -> None:
        cmd = [str(c) for c in cmd]
        print("+ " + shlex.join(cmd), flush=True)
        subprocess.run(cmd, check=True, cwd=REPO, env=self.env)

    def done(self, stage: str) -> bool:
        return (self.done_dir / stage).exists()

    def stages(self) -> list[str]:
        rows = list(VARIANTS)
        return ["corpus", *MODELS, "prepare", *[f"zerost-{r}" for r in rows], *[f"eval-{r}" for r in rows],
                "cascade", "cascade-ctc", "topline", "tables", "default-model", "from-bundle", "prepare-studies",
                *[f"slm-{r}" for r in SLM_ROWS], *[f"eval-slm-{r}" for r in SLM_ROWS], "eval-slm-topline",
                "whisper-retrieval", "whisper-st", "samu", "st-samu", "st-plain", "eval-st-samu", "eval-st-plain"]

    def run_stage(self, stage: str) -> None:
        t0 = self.stage_t0 = time.time()
        kind, _, row = stage.partition("-")
        if stage == "corpus":
            self.sh([PY, HERE / "build.py", "--out", self.world])
        elif stage in MODELS:
            script, start, flags = MODEL_RUNS.get(stage, (stage.replace("-", "_"), None, []))
            flags = [self.models / f if isinstance(f, ModelDir) else f for f in flags]
            cmd = [PY, HERE / "models" / f"{script}.py", "--world", self.world, "--out", self.models / stage, *flags]
            if start:
                cmd += ["--from", self.models / start]
            if self.a.device:
                cmd += ["--device", self.a.device]
            if self.a.threads:
                cmd += ["--threads", self.a.threads]
            self.sh(cmd)
        elif stage == "prepare":
            self.prepare()
        elif stage == "prepare-studies":
            self.prepare_studies()
        elif kind == "slm":
            self.train_slm(row)
        elif stage in ("samu", "st-samu", "st-plain"):
            self.train_samu(stage)
        elif stage in ("eval-st-samu", "eval-st-plain"):
            self.evaluate_st(stage.removeprefix("eval-"))
        elif stage == "eval-slm-topline":
            self.slm_topline()
        elif stage.startswith("eval-slm-"):
            self.evaluate_slm(stage.removeprefix("eval-slm-"))
        elif stage == "whisper-retrieval":
            self.whisper_retrieval()
        elif stage == "whisper-st":
            self.whisper_st()
        elif kind == "zerost":
            self.train(row)
        elif kind == "eval":
            self.evaluate(row)
        elif stage in ("cascade", "cascade-ctc", "topline"):
            self.baseline(stage)
        elif stage == "tables":
            self.sh([PY, HERE / "tables.py", "--runs", self.runs, "--out", REPO / "docs" / "results"])
        elif stage == "default-model":
            self.default_model()
        elif stage == "from-bundle":
            self.from_bundle()
        else:
            raise SystemExit(f"unknown stage {stage!r}")
        self.done_dir.mkdir(parents=True, exist_ok=True)
        (self.done_dir / stage).write_text(f"{time.time() - t0:.0f} s\n")
        print(f"== {stage} done in {(time.time() - t0) / 60:.1f} min", flush=True)

    # -- stages --------------------------------------------------------------------------------
    def prepare(self) -> None:
        teacher = ["--text-model", self.models / "nllb"]
        p = self.runs
        self.sh([*self.zst, "prepare", "voxpopuli", self.world / "voxpopuli", "--split", "train", *teacher,
                 "-o", p / "prep-vp-train", "-q"])
        self.sh([*self.zst, "prepare", "voxpopuli", self.world / "voxpopuli", "--split", "train", *teacher,
                 "--languages", ",".join(SEEN_SPEECH), "-o", p / "prep-vp5-train", "-q"])
        self.sh([*self.zst, "prepare", "mls", self.world / "mls", "--split", "train", *teacher,
                 "-o", p / "prep-mls-train", "-q"])
        self.sh([*self.zst, "prepare", "commonvoice", self.world / "commonvoice", "--split", "train", *teacher,
                 "-o", p / "prep-cv-train", "-q"])
        self.sh([*self.zst, "prepare", "mix", p / "prep-vp-train", p / "prep-mls-train", p / "prep-cv-train",
                 "--alpha", "0.5", "-o", p / "prep-big-train", "-q"])
        self.sh([*self.zst, "prepare", "europarl-st", self.world / "europarl-st", "--split", "test", "--no-teacher",
                 "-o", p / "prep-ep-test", "-q"])
        # "all": every transcribed training split (transcripts only: no translation is used), for row rA
        self.sh([*self.zst, "prepare", "europarl-st", self.world / "europarl-st", "--split", "train", "--no-teacher",
                 "--tgt-languages", "en", "-o", p / "prep-ep-train", "-q"])
        self.sh([*self.zst, "prepare", "fleurs", self.world / "fleurs", "--split", "train", "--no-teacher",
                 "-o", p / "prep-fleurs-train", "-q"])
        every = [p / f"prep-{c}-train" for c in ("vp", "mls", "cv", "ep", "fleurs")]
        self.sh([*self.zst, "prepare", "mix", *every, "--alpha", "0.5", "-o", p / "prep-all-train", "-q"])
        self.sh([*self.zst, "prepare", "mix", *every, "--alpha", "0.5", "--languages", ",".join(SEEN_SPEECH),
                 "-o", p / "prep-all5-train", "-q"])

    def _model_flags(self, v: Variant) -> list:
        return ["--speech-encoder", self.models / v.encoder, "--text-model", self.models / "nllb",
                "--qformer", v.qformer, "--queries", v.queries, "--adapter-dim", 32]

    def _train_flags(self, steps: int, run: Path, v: Variant) -> list:
        return ["--max-steps", steps, "--batch-seconds", self.a.batch_seconds, "--lr", v.lr or self.a.lr,
                "--checkpoint-every", min(250, max(50, steps // 4)), "--log-every", 10, "-o", run, "-q",
                "--config", self._config_file(v), *self._budget(run)]

    def _budget(self, run: Path) -> list:
        """``--max-minutes``: what is left of the stage's ``--stage-minutes`` for its next training command
        (none when that is 0). Raises :class:`StageUnfinished` when nothing is left."""
        if not self.a.stage_minutes:
            return []
        left = self.a.stage_minutes - (time.time() - self.stage_t0) / 60
        if left <= 0:
            raise StageUnfinished(f"{run} not started: the stage's {self.a.stage_minutes:g}-minute budget is spent")
        return ["--max-minutes", f"{left:.2f}"]

    def _trained(self, run: Path) -> None:
        """Raise :class:`StageUnfinished` when the training of ``run`` stopped at its time limit."""
        if self.a.stage_minutes and not (run / "model").is_dir():
            raise StageUnfinished(f"{run} stopped at a checkpoint, at the stage's {self.a.stage_minutes:g}-minute "
                                  f"budget")

    def _config_file(self, v: Variant) -> Path:
        """The mini-world's model config, written once per KD Proj and fine-grained KD setting (and once
        more with a top-level ``kd_fine`` for rows with KD beside NLL): Q-Lite narrower than the NLLB
        stand-in (d 192), as the paper's 768-wide Q-Lite is narrower than NLLB-1.3B (d 1024)."""
        aux = "-aux" if v.kd_weight else ""  # with --init, train-nll ignores the model section
        path = self.runs / f"zerost-miniworld-kdproj-{v.kd_proj}-{v.kd_fine}{aux}.yaml"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("model:\n  lite_dim: 128\n  lite_layers: 4\n  lite_heads: 4\n  lite_ffn: 512\n"
                            f"  kd_proj_trainable: {'true' if v.kd_proj == 'trained' else 'false'}\n"
                            f"  kd_fine: {v.kd_fine}\n" + (f"kd_fine: {v.kd_fine}\n" if aux else ""))
        return path

    def _resume(self, run: Path) -> list:
        return ["--resume"] if (run / "checkpoints").is_dir() else []

    def train(self, row: str) -> None:
        v = VARIANTS[row]
        data = self.runs / f"prep-{v.data}-train"
        kd_run = self.runs / f"zerost-{v.kd_from or row}" / "kd"
        if "kd" in v.loss and not (v.kd_from and (kd_run / "model").is_dir()):
            kd_steps = v.kd_steps or self.a.kd_steps
            self.sh([*self.zst, "distill", data, *self._model_flags(v), *self._train_flags(kd_steps, kd_run, v),
                     *self._resume(kd_run)])
            self._trained(kd_run)
        if "nll" in v.loss:
            run = self.runs / f"zerost-{row}" / "nll"
            if v.nll_from:
                init = ["--init", self.runs / f"zerost-{v.nll_from}" / "nll"]
                if VARIANTS[v.nll_from].encoder != v.encoder:  # the bridge goes on over another encoder
                    init += ["--speech-encoder", self.models / v.encoder]
            else:
                init = ["--init", kd_run] if "kd" in v.loss else self._model_flags(v)
            aux = ["--kd-weight", v.kd_weight] if v.kd_weight else []
            self.sh([*self.zst, "train-nll", data, *init, *aux,
                     *self._train_flags(v.nll_steps or self.a.nll_steps, run, v), *self._resume(run)])
            self._trained(run)

    def model_dir(self, row: str) -> Path:
        v = VARIANTS[row]
        base = self.runs / f"zerost-{row}"
        return base / ("nll" if "nll" in v.loss else "kd")

    def _test_manifest(self) -> Path:
        """The Europarl-ST test manifest, cut to ``--eval-per-language`` utterances per source language
        (the same segments in every language: the first N of each language's 301)."""
        full = self.runs / "prep-ep-test" / "cuts.jsonl.gz"
        n = self.a.eval_per_language
        if not n:
            return full
        out = self.runs / f"ep-test-{n}.jsonl.gz"
        if not out.exists():
            from lhotse import CutSet

            cuts = CutSet.from_file(full)
            seen: dict[str, int] = {}
            keep = []
            for c in cuts:
                lang = c.supervisions[0].language
                if seen.get(lang, 0) < n:
                    seen[lang] = seen.get(lang, 0) + 1
                    keep.append(c)
            CutSet.from_cuts(keep).to_file(out)
        return out

    def evaluate(self, row: str) -> None:
        run = self.runs / f"eval-{row}"
        tgts = [x for t in EUROPARL for x in ("--tgt", t)]
        self.sh([*self.zst, "translate", self._test_manifest(), *tgts, "-m", self.model_dir(row), "--beam-size",
                 self.a.beam, "--batch-size", 32, "-o", run, "-q"])
        self.sh([*self.zst, "eval", run / "predictions" / "predictions.jsonl", "--protocol", "europarl-st",
                 "-o", run / "scores", "-q"])
        self.keep_scores(row)

    def keep_scores(self, row: str) -> None:
        """Copy a row's ``europarl-st.json`` to ``docs/results/scores/<row>.json`` (committed), which
        ``tables.py`` reads for rows whose runs are not on the machine. With ``--no-keep-scores`` it only
        says where the run's scores are: a re-check of a published row leaves the committed copy alone."""
        import shutil

        if not self.a.keep_scores:
            print(f"== {row}: scores in {self.runs / f'eval-{row}' / 'scores'}; docs/results/scores/{row}.json "
                  f"left as committed (--no-keep-scores)", flush=True)
            return

        dest = REPO / "docs" / "results" / "scores"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.runs / f"eval-{row}" / "scores" / "europarl-st.json", dest / f"{row}.json")

    def baseline(self, system: str) -> None:
        run = self.runs / f"eval-{system}"
        cmd = [PY, HERE / "baselines.py", system, self._test_manifest(), "--nllb", self.models / "nllb",
               "--beam", self.a.beam, "-o", run]
        if system == "cascade":
            cmd += ["--whisper", self.models / CASCADE_WHISPER]
        elif system == "cascade-ctc":
            cmd += ["--whisper", self.models / CASCADE_CTC_ENCODER]
        if self.a.device:
            cmd += ["--device", self.a.device]
        self.sh(cmd)
        self.sh([*self.zst, "eval", run / "predictions" / "predictions.jsonl", "--protocol", "europarl-st",
                 "-o", run / "scores", "-q"])
        self.keep_scores(system)

    def default_model(self) -> None:
        scored = {}
        for row, v in VARIANTS.items():
            f = self.runs / f"eval-{row}" / "scores" / "europarl-st.json"
            if v.data not in PARTIAL_DATA and f.exists() and (self.runs / f"zerost-{row}").is_dir():
                # any full-language row trained here; the unseen-target model is not a candidate
                scored[row] = json.loads(f.read_text())["average"]
        if not scored:
            raise SystemExit("default-model: no evaluated ZeroST row yet (run zerost-<row> and eval-<row>)")
        best = max(scored, key=scored.get)
        print(f"default model: row {best} (Europarl-ST average BLEU {scored[best]:.1f})", flush=True)
        self.sh([PY, "-c", "import sys; from zst.models.zerost import bundle; "
                 "bundle(sys.argv[1], sys.argv[2], provenance={'miniworld_row': sys.argv[3]})",
                 self.model_dir(best), DEFAULT_MODEL, best])
        self.example_clips()

    def from_bundle(self) -> None:
        """Unpack the shipped default model (see the module docstring) and mark its stages done."""
        import torch
        from transformers import AutoFeatureExtractor, AutoModelForSeq2SeqLM, AutoTokenizer, WhisperModel

        from zst.models.zerost import ZeroST

        row = json.loads((DEFAULT_MODEL / "config.json").read_text()).get("miniworld_row")
        if row not in VARIANTS or "nll" not in VARIANTS[row].loss:
            raise SystemExit(f"from-bundle: {DEFAULT_MODEL / 'config.json'} names no NLL row of VARIANTS "
                             f"(miniworld_row = {row!r})")
        self.done_dir.mkdir(parents=True, exist_ok=True)
        base = {}
        encoder = VARIANTS[row].encoder  # models/whisper, or the one its encoder was trained on into
        for stage, folder, loader, extra in ((encoder, "speech_encoder", WhisperModel, AutoFeatureExtractor),
                                             ("nllb", "text_model", AutoModelForSeq2SeqLM, AutoTokenizer)):
            # the bridge was trained on the bundled base models: where models/<stage> was built here
            # (a retrained model need not equal them), they go beside the run instead
            built_here = self.done(stage)
            dest = self.runs / f"zerost-{row}" / "base" / stage if built_here else self.models / stage
            loader.from_pretrained(DEFAULT_MODEL / folder, dtype=torch.float32).save_pretrained(dest)
            extra.from_pretrained(DEFAULT_MODEL / folder).save_pretrained(dest)
            if not built_here:
                (self.done_dir / stage).write_text(f"unpacked from {DEFAULT_MODEL} (float16 weights as float32)\n")
            base[folder] = str(dest)
        bridge = ZeroST.load(DEFAULT_MODEL, with_decoder=False)  # float32 modules
        bridge.cfg = replace(bridge.cfg, speech_encoder=base["speech_encoder"], text_model=base["text_model"])
        model = bridge.save(self.model_dir(row) / "model")
        (self.done_dir / f"zerost-{row}").write_text(f"unpacked from {DEFAULT_MODEL}\n")
        scores = REPO / "docs" / "results" / "scores" / f"{row}.json"
        if scores.exists():  # its committed evaluation, so default-model weighs new rows against it
            ev = self.runs / f"eval-{row}" / "scores"
            ev.mkdir(parents=True, exist_ok=True)
            (ev / "europarl-st.json").write_text(scores.read_text())
            (self.done_dir / f"eval-{row}").write_text(f"copied from {scores}\n")
        print(f"from-bundle: row {row}'s bridge in {model}", flush=True)

    def example_clips(self) -> None:
        """``examples/audio/<lang>_miniworld.wav`` + ``miniworld_clips.tsv``: one Europarl-ST *test*
        segment per language (held-out speakers and sentences; segment k of speech ``test-000k``
        for the k-th language, so the clips say different sentences), with its translations."""
        import soundfile as sf
        from lhotse import CutSet

        langs = ("en", "fr", "de", "es", "it", "pl")
        cuts = {c.id: c for c in CutSet.from_file(self.runs / "prep-ep-test" / "cuts.jsonl.gz")}
        out = REPO / "examples" / "audio"
        rows = ["file\tlang\ttext\t" + "\t".join(f"text_{t}" for t in EUROPARL)]
        for k, lang in enumerate(langs):
            cut = cuts[f"{lang}_test-{k:04d}_0"]
            sf.write(out / f"{lang}_miniworld.wav", cut.load_audio()[0], 16000, subtype="PCM_16")
            rows.append("\t".join([f"{lang}_miniworld.wav", lang, cut.supervisions[0].text, *_references(cut)]))
        (out / "miniworld_clips.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        self.test_clips(cuts)

    def test_clips(self, cuts: dict, per_language: int = 4) -> None:
        """``examples/audio/miniworld_test/``: a larger held-out sample for the default model's test,
        ``per_language`` Europarl-ST test segments of each of the nine languages (the i-th language
        takes its segments i*per_language ... in manifest order, so the languages say different
        sentences), 16-bit FLAC, with ``clips.tsv`` (file, lang, text_<lang> for all nine)."""
        import soundfile as sf

        out = REPO / "examples" / "audio" / "miniworld_test"
        out.mkdir(parents=True, exist_ok=True)
        rows = ["file\tlang\t" + "\t".join(f"text_{t}" for t in EUROPARL)]
        for i, lang in enumerate(EUROPARL):
            mine = [c for c in cuts.values() if c.supervisions[0].language == lang]
            for cut in mine[i * per_language:(i + 1) * per_language]:
                name = f"{cut.id}.flac"
                sf.write(out / name, cut.load_audio()[0], 16000, subtype="PCM_16")
                rows.append("\t".join([name, lang, *_references(cut)]))
        (out / "clips.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--world", type=Path, default=REPO / "data" / "miniworld")
    ap.add_argument("--only", nargs="+", default=None, help="stages to run (default: all not done)")
    ap.add_argument("--force", action="store_true", help="rerun the selected stages even if done")
    ap.add_argument("--list", action="store_true", help="list the stages and exit")
    ap.add_argument("--device", default=None, help="cpu | cuda for the model scripts (default: cuda if available)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads per job (0: torch's default)")
    ap.add_argument("--kd-steps", type=int, default=500, help="ZeroST KD steps per row")
    ap.add_argument("--nll-steps", type=int, default=500, help="ZeroST NLL steps per row")
    ap.add_argument("--batch-seconds", type=float, default=40.0, help="ZeroST audio seconds per batch")
    ap.add_argument("--lr", type=float, default=1e-3, help="ZeroST peak learning rate")
    ap.add_argument("--slm-steps", type=int, default=800, help="speech-LLM steps per row (issue 6)")
    ap.add_argument("--whisper-ft-steps", type=int, default=400, help="Whisper en→zh fine-tuning steps (issue 5)")
    ap.add_argument("--samu-steps", type=int, default=500, help="SAMU semantic distillation steps (issue 7)")
    ap.add_argument("--st-steps", type=int, default=600, help="ST model steps per encoder init (issue 7)")
    ap.add_argument("--stage-minutes", type=float, default=44.0,
                    help="wall-clock budget of a ZeroST training stage (zerost-<row>): its training stops at a "
                         "checkpoint when the budget is spent, the rebuild exits with status 3, and running the "
                         "stage again goes on from there (0: none)")
    ap.add_argument("--keep-scores", action=argparse.BooleanOptionalAction, default=True,
                    help="copy each evaluated row's europarl-st.json to docs/results/scores/<row>.json, which "
                         "tables.py publishes (--no-keep-scores: re-check a published row without replacing it)")
    ap.add_argument("--beam", type=int, default=4)
    ap.add_argument("--eval-per-language", type=int, default=100,
                    help="Europarl-ST test utterances per source language (0: all 301)")
    args = ap.parse_args(argv)
    rb = Rebuild(args)
    stages = rb.stages()
    if args.list:
        for s in stages:
            print(f"{'done' if rb.done(s) else '    '}  {s}")
        return 0
    selected = args.only or [s for s in stages if s != "from-bundle"]
    unknown = [s for s in selected if s not in stages]
    if unknown:
        ap.error(f"unknown stage(s) {', '.join(unknown)}; see --list")
    for stage in [s for s in stages if s in selected]:
        if rb.done(stage) and not args.force:
            print(f"== {stage}: done, skipped", flush=True)
            continue
        print(f"== {stage}", flush=True)
        try:
            rb.run_stage(stage)
        except StageUnfinished as e:
            print(f"== {stage}: not finished — {e}; run the same command again to go on", flush=True)
            return 3
        except subprocess.CalledProcessError as e:  # its own error is printed above it
            print(f"== {stage} failed: {shlex.join(map(str, e.cmd[:4]))} … exited with status {e.returncode}",
                  flush=True)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
