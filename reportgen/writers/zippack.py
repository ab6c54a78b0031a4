"""Deterministic zip packages: built from parts compressed once (the DOCX and HWPX fast
path), or re-packed from what openpyxl and python-docx save (:func:`repack`,
:func:`repack_written`).

A template's unchanging parts are compressed when it is loaded; per card only the
new parts are compressed, and the archive is laid out by hand: members in the
given order, every date 1980-01-01 00:00, no extra fields, so the same parts give
the same bytes.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

STORED, DEFLATED = 0, 8
DOS_TIME, DOS_DATE = 0, (1 << 5) | 1  # 1980-01-01 00:00:00
UTF8_NAMES = 0x800  # general purpose flag bit 11: the name is UTF-8


@dataclass(frozen=True)
class Member:
    """One zip member, compressed once: name, method, CRC-32, raw size and stored bytes."""

    name: str
    method: int
    crc: int
    size: int
    data: bytes

    @classmethod
    def stored(cls, name: str, raw: bytes) -> Member:
        return cls(name, STORED, zlib.crc32(raw), len(raw), raw)

    @classmethod
    def deflated(cls, name: str, raw: bytes, level: int = 6) -> Member:
        return cls.streamed(name, [raw], level)

    @classmethod
    def streamed(cls, name: str, chunks: Iterable[bytes], level: int = 6) -> Member:
        """A deflated member whose bytes come in ``chunks``, compressed as they come."""
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        crc = size = 0
        parts = []
        for chunk in chunks:
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            parts.append(packer.compress(chunk))
        parts.append(packer.flush())
        return cls(name, DEFLATED, crc, size, b"".join(parts))


MADE_BY_UNIX = (3 << 8) | 20  # "version made by": Unix, zip 2.0
FILE_MODE = 0o100644 << 16  # external attributes: a regular file, rw-r--r--


def zip_members(members: Iterable[Member]) -> bytes:
    """A zip archive of ``members`` in order (made by Unix v2.0 with mode 0644, so that Info-ZIP's
    unzip honours the UTF-8 flag of Korean names; no extra fields or comments)."""
    out, central = bytearray(), bytearray()
    count = 0
    for member in members:
        name = member.name.encode("utf-8")
        flags = 0 if name.isascii() else UTF8_NAMES
        fields = struct.pack("<HHHHHIIIHH", 20, flags, member.method, DOS_TIME, DOS_DATE, member.crc,
                             len(member.data), member.size, len(name), 0)
        central += (struct.pack("<IH", 0x02014B50, MADE_BY_UNIX) + fields
                    + struct.pack("<HHHII", 0, 0, 0, FILE_MODE, len(out)) + name)
        out += struct.pack("<I", 0x04034B50) + fields + name + member.data
        count += 1
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)


def _unchanged(_name: str, raw: bytes) -> bytes:
    return raw


def repack(data: bytes, change: Callable[[str, bytes], bytes] = _unchanged) -> bytes:
    """Re-pack a zip (xlsx/docx) with fixed dates and attributes, members in their order.

    ``change(name, raw)`` may rewrite a member's bytes on the way.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            member.create_system = 3  # the same bytes whichever system packs it (see zip_members)
            member.external_attr = FILE_MODE
            target.writestr(member, change(info.filename, source.read(info.filename)))
    return out.getvalue()


def repack_written(write: Callable[[zipfile.ZipFile], None], change: Callable[[str, bytes], bytes] = _unchanged) -> bytes:
    """A zip that a library writes into a :class:`zipfile.ZipFile` (openpyxl's ``ExcelWriter``),
    re-packed by :func:`repack`. Written stored: it is compressed once, when re-packed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        write(archive)
    return repack(buffer.getvalue(), change)
