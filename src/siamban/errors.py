"""Exceptions raised by siamban. The CLI turns each into one line and a non-zero exit."""

from __future__ import annotations


class SiamBANError(Exception):
    """Base class of every error siamban raises on purpose (bad input, bad files, bad configuration)."""


class ConfigError(SiamBANError):
    """A configuration file or value is malformed or unknown."""


class CheckpointError(SiamBANError):
    """A checkpoint is missing, unreadable, or does not fit the model."""


class InputError(SiamBANError):
    """A video, image, box or other user input is missing or unusable."""


class DatasetError(SiamBANError):
    """A dataset on disk is missing or malformed (the message names the file and line)."""


class DependencyError(SiamBANError):
    """An optional package a feature needs is not installed (the message says which extra to install)."""


class ExportError(SiamBANError):
    """Exporting a network failed, or the exported graph does not reproduce the PyTorch network."""


class OutputError(SiamBANError):
    """An output file or folder cannot be written (a file in the way, no permission, disk full)."""


class SiamBANWarning(UserWarning):
    """Something siamban carried on through but the user should know (the CLI prints it as one line)."""
