"""Helpers for tests and demos: tiny random-weight models in the real HF architectures and espeak-ng speech."""
