"""Test helper: is a file in an output folder complete?"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from reportgen.readers.text import read_text


def assert_complete(path: Path) -> None:
    """A finished output file: a text card that parses, JSON that loads, or a zip whose members check out."""
    if path.suffix == ".txt":
        read_text(path)
    elif path.suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    else:
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None, path
