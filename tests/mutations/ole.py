"""A minimal OLE compound file (CFB v3) writer, for fake .xls and password-protected workbooks.

Excel saves an old .xls and a password-protected .xlsx as OLE compound files:
a ``Workbook`` stream, or ``EncryptionInfo`` + ``EncryptedPackage``. This writer
makes files of that shape (olefile reads them) so the reader's answer can be tested.
Streams are padded to 4096 bytes so that no mini stream is needed.
"""

from __future__ import annotations

import struct

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512
MINI_CUTOFF = 4096
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
ROOT, STREAM, BLACK = 5, 2, 1


def _entry(name: str, kind: int, start: int, size: int, child: int = NO_STREAM, right: int = NO_STREAM) -> bytes:
    """One 128-byte directory entry."""
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, BLACK, NO_STREAM, right, child,
                       b"\0" * 16, 0, 0, 0, start, size)


def _sort_key(name: str) -> tuple[int, str]:
    """CFB sibling order: shorter names first, then by upper case."""
    return len(name), name.upper()


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A CFB file holding ``streams`` (at most three, each padded to at least 4096 bytes)."""
    names = sorted(streams, key=_sort_key)
    assert 1 <= len(names) <= 3
    data = {name: streams[name].ljust(MINI_CUTOFF, b"\0") for name in names}
    chains: list[int] = [FAT_SECTOR, END]  # sector 0 = FAT, sector 1 = directory
    starts, body = {}, b""
    for name in names:
        padded = data[name] + b"\0" * (-len(data[name]) % SECTOR)
        first, count = len(chains), len(padded) // SECTOR
        starts[name] = first
        chains += [first + i + 1 for i in range(count - 1)] + [END]
        body += padded
    assert len(chains) <= SECTOR // 4, "one FAT sector only"
    fat = struct.pack(f"<{SECTOR // 4}I", *(chains + [FREE] * (SECTOR // 4 - len(chains))))
    entries = [_entry("Root Entry", ROOT, END, 0, child=1)]
    for index, name in enumerate(names, start=1):
        right = index + 1 if index < len(names) else NO_STREAM
        entries.append(_entry(name, STREAM, starts[name], len(data[name]), right=right))
    directory = b"".join(entries).ljust(SECTOR, b"\0")
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", SIGNATURE, b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
                         0, 1, 1, 0, MINI_CUTOFF, END, 0, END, 0)
    header += struct.pack("<109I", 0, *([FREE] * 108))
    return header + fat + directory + body


def old_xls() -> bytes:
    """The shape of an Excel 97-2003 .xls: a BIFF8 ``Workbook`` stream (BOF record first)."""
    bof = struct.pack("<HHHHII", 0x0809, 16, 0x0600, 0x0005, 0, 0)
    return compound_file({"Workbook": bof + b"\0" * 64})


def encrypted_xlsx() -> bytes:
    """The shape of a password-protected .xlsx: ``EncryptionInfo`` (agile, v4.4) + ``EncryptedPackage``."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    package = struct.pack("<Q", 10_000) + bytes(range(256)) * 8
    return compound_file({"EncryptionInfo": info, "EncryptedPackage": package})
