"""Turn a Hangul card (.hwp, or .hwpx via python-hwpx's HWP 5.0 writer) into a flat ODT (.fodt).

LibreOffice cannot open HWP 5.0 or HWPX, so the preview goes
HWP → pyhwp ODT transform → .fodt → LibreOffice PDF → PNG.

Usage: python scripts/hangul_to_fodt.py SOURCE TARGET.fodt
"""

from __future__ import annotations

import io
import logging
import sys
import tempfile
import zipfile
from pathlib import Path


def hwp_bytes(source: Path) -> bytes:
    """The .hwp bytes of a .hwp file, or of a .hwpx converted with python-hwpx."""
    data = source.read_bytes()
    if source.suffix.lower() != ".hwpx":
        return data
    from hwpx.hwp5.writer import write_hwp5

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    return write_hwp5(parts)


def main() -> int:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    logging.disable(logging.WARNING)
    from hwp5.hwp5odt import ODTTransform
    from hwp5.xmlmodel import Hwp5File

    with tempfile.TemporaryDirectory() as tmp:
        hwp = Path(tmp) / "card.hwp"
        hwp.write_bytes(hwp_bytes(source))
        transform = ODTTransform(relaxng_compile=False)
        with open(target, "wb") as out:
            transform.transform_hwp5_to_single_document(Hwp5File(str(hwp)), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
