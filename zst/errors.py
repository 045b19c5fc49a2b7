"""Exceptions for bad user input.

Every error a user can fix (a bad file, row, option or language code) derives from
:class:`ZstError`; the CLI prints its message as one line and exits with code 2.
"""


class ZstError(Exception):
    """Bad user input. ``str(err)`` is one line naming the file, row or option and the problem."""


class AudioError(ZstError):
    """An audio file cannot be decoded, is empty or holds non-finite samples."""


class UnknownLanguageError(ZstError):
    """A language code that zst cannot map to the model's language codes."""


class ConfigError(ZstError):
    """A config file or option value is invalid."""


class ManifestError(ZstError):
    """A manifest or corpus file is missing, empty or malformed."""
