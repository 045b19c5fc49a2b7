#!/usr/bin/env bash
# The whole ZeroST pipeline on the example clips, then `zst translate` on one of them.
#
# To stay quick and self-contained, this uses tiny random-weight models in the real HF architectures
# (Whisper, M2M100/NLLB) built on the spot, so the *translation printed at the end is not
# meaningful*: the point is that every stage runs (the README's main job uses the embedded default).
# With real checkpoints, replace --speech-encoder/--text-model by e.g. openai/whisper-large-v3 and
# facebook/nllb-200-1.3B and drop the tiny sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
ZST=${ZST:-.venv/bin/zst}
OUT=${OUT:-runs/quickstart}
export TOKENIZERS_PARALLELISM=false

.venv/bin/python -m zst.testing.tiny --models "$OUT/models" >/dev/null 2>&1
MODELS="--speech-encoder $OUT/models/whisper --text-model $OUT/models/nllb --qformer nllb --queries 16 --adapter-dim 16"
TRAIN="--max-steps 30 --batch-seconds 6 --lr 1e-3 --checkpoint-every 15 --log-every 5 --quiet"

$ZST prepare folder examples/audio --tsv examples/audio/clips.tsv --text-model "$OUT/models/nllb" -o "$OUT/prepare" --quiet
$ZST distill "$OUT/prepare" $MODELS $TRAIN -o "$OUT/distill"
$ZST train-nll "$OUT/prepare" --init "$OUT/distill" $TRAIN -o "$OUT/train-nll"
$ZST translate examples/audio/en_cat.wav --src en --tgt de --tgt fr -m "$OUT/train-nll" -o "$OUT/translate" --quiet
echo "predictions: $OUT/translate/predictions/predictions.jsonl"
