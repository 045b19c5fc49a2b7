"""zst: zero-shot and cross-lingual speech-to-text translation from pretrained foundation models."""

__version__ = "0.1.0"
