"""Typed errors: one root, one subclass per failure kind, each carrying where and how to fix."""

from __future__ import annotations


class PipelineError(Exception):
    """Root of every error the pipeline raises on purpose."""

    stage = "pipeline"
    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        self.fix = fix

    def location(self) -> str:
        """Return `path:line` (the parts that are known)."""
        parts = [p for p in (self.path, str(self.line) if self.line else None) if p]
        return ":".join(parts)

    def reason(self) -> str:
        """Return the message with the field and fix, without the location."""
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"{text} ({self.fix})" if self.fix else text

    def __str__(self) -> str:
        loc = self.location()
        return f"{loc}: {self.reason()}" if loc else self.reason()


class ConfigError(PipelineError):
    """Bad command line, profile or option: exit code 2."""

    stage = "config"
    kind = "config"


class ExtractError(PipelineError):
    """A file could not be read into a raw document."""

    stage = "extract"
    kind = "extract"


class EncodingError(ExtractError):
    """The bytes are not text in an encoding the pipeline accepts."""

    kind = "encoding"


class FileTooLargeError(ExtractError):
    """The file is larger than the configured limit."""

    kind = "too-large"


class FrontMatterError(ExtractError):
    """The front matter is missing, unclosed or does not parse."""

    kind = "front-matter"


class DuplicateKeyError(FrontMatterError):
    """A mapping in the front matter has the same key twice."""

    kind = "duplicate-key"


class TransformError(PipelineError):
    """A raw document could not become a canonical record."""

    stage = "transform"
    kind = "transform"


class MissingFieldError(TransformError):
    """A field the profile requires is absent or empty."""

    kind = "missing-field"


class FieldTypeError(TransformError):
    """A field has a value of the wrong type."""

    kind = "field-type"


class DateError(TransformError):
    """A date value cannot be read."""

    kind = "date"


class SchemaError(TransformError):
    """The record does not satisfy the JSON Schema in schemas/."""

    kind = "schema"


class LoadError(PipelineError):
    """An output could not be written or read back."""

    stage = "load"
    kind = "load"
