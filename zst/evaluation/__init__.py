"""Evaluation: read predictions, score them per direction, and write score tables."""

from zst.evaluation.scoring import (
    format_table,
    read_predictions,
    read_references,
    score_predictions,
    write_scores,
)

__all__ = ["format_table", "read_predictions", "read_references", "score_predictions", "write_scores"]
