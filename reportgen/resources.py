"""Where the templates live, and the options every writer takes.

An office restyles its cards by editing the files in ``templates/`` (or by
giving ``--templates`` a folder of its own copies), never the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent / "templates"  # a source checkout
_INSTALLED = Path(__file__).resolve().parent / "templates"  # a wheel install (package data)
PACKAGED_TEMPLATES = _CHECKOUT if _CHECKOUT.is_dir() else _INSTALLED


@dataclass(frozen=True)
class WriterOptions:
    """What a writer may be told besides the document.

    ``templates``: a folder holding the office's own copies of template files; a file it does
    not hold is taken from the packaged templates. ``reference``: a .docx whose styles a DOCX
    takes (instead of ``card.docx``).
    """

    templates: Path | None = None
    reference: Path | None = None

    def template(self, name: str) -> Path:
        """Path of a template file by name, e.g. ``card.txt.j2`` or ``hwpx/styles.json``."""
        if self.templates is not None and (self.templates / name).is_file():
            return self.templates / name
        return PACKAGED_TEMPLATES / name


#: the packaged templates, no reference document
DEFAULT_OPTIONS = WriterOptions()


def template_path(name: str, options: WriterOptions | None = None) -> Path:
    """Path of a template file by name (the office's copy when ``options`` names a folder)."""
    return (options or DEFAULT_OPTIONS).template(name)
