"""Where the templates live: ``templates/`` beside the package, or ``$REPORTGEN_TEMPLATES``.

An office restyles its cards by editing these files (or pointing the
variable at its own copy), never the code.
"""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent / "templates"  # a source checkout
_INSTALLED = Path(__file__).resolve().parent / "templates"  # a wheel install (package data)


def template_path(name: str) -> Path:
    """Path of a template file by name, e.g. ``card.txt.j2`` or ``card.docx``."""
    chosen = os.environ.get("REPORTGEN_TEMPLATES")
    folder = Path(chosen) if chosen else _CHECKOUT if _CHECKOUT.is_dir() else _INSTALLED
    return folder / name
