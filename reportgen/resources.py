"""Where the templates live: ``templates/`` beside the package, or ``$REPORTGEN_TEMPLATES``.

An office restyles its cards by editing these files (or pointing the
variable at its own copy), never the code.
"""

from __future__ import annotations

import os
from pathlib import Path

_DEFAULT = Path(__file__).resolve().parent.parent / "templates"


def template_path(name: str) -> Path:
    """Path of a template file by name, e.g. ``card.txt.j2`` or ``card.docx``."""
    folder = Path(os.environ.get("REPORTGEN_TEMPLATES") or _DEFAULT)
    return folder / name
