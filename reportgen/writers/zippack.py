"""Deterministic zip packages: built from parts compressed once (the DOCX and HWPX fast
path), or re-packed from what openpyxl and python-docx save (:func:`repack`,
:func:`repack_written`).

A template's unchanging parts are compressed when it is loaded; per card only the
new parts are compressed, and the archive is laid out by hand: members in the
given order, every date 1980-01-01 00:00, no extra fields, so the same parts give
the same bytes.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Protocol

STORED, DEFLATED = 0, 8
DOS_TIME, DOS_DATE = 0, (1 << 5) | 1  # 1980-01-01 00:00:00
UTF8_NAMES = 0x800  # general purpose flag bit 11: the name is UTF-8


class Writable(Protocol):
    """Where bytes are written (a binary file, a :class:`MemberSink`, a counting wrapper)."""

    def write(self, data: bytes, /) -> int: ...


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
        local, record = _headers(member.name, member.method, member.crc, len(member.data), member.size, len(out))
        central += record
        out += local + member.data
        count += 1
    return bytes(out + central + _end_record(count, len(central), len(out)))


def _headers(name: str, method: int, crc: int, length: int, size: int, offset: int) -> tuple[bytes, bytes]:
    """A member's local header and its central directory record (``length``: its stored bytes,
    ``size``: raw, ``offset``: where its local header starts)."""
    encoded = name.encode("utf-8")
    flags = 0 if encoded.isascii() else UTF8_NAMES
    fields = struct.pack("<HHHHHIIIHH", 20, flags, method, DOS_TIME, DOS_DATE, crc, length, size, len(encoded), 0)
    local = struct.pack("<I", 0x04034B50) + fields + encoded
    record = (struct.pack("<IH", 0x02014B50, MADE_BY_UNIX) + fields
              + struct.pack("<HHHII", 0, 0, 0, FILE_MODE, offset) + encoded)
    return local, record


def _end_record(count: int, central: int, offset: int) -> bytes:
    """The end of central directory record: ``count`` members, a directory of ``central`` bytes at ``offset``."""
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, central, offset, 0)


@dataclass(frozen=True)
class Spooled:
    """A member whose stored bytes wait in a :class:`ZipSpool`'s temp file: where, and its header fields."""

    name: str
    method: int
    crc: int
    size: int
    length: int
    offset: int


COPY_CHUNK = 1 << 20  # bytes copied from the spool at a time


class ZipSpool:
    """Zip members written to disk as they come (any order, from any thread), then laid out by
    :meth:`write_zip` in name order (or an order given): the bytes :func:`zip_members` gives for
    the members so ordered, while memory holds only each member's name and header fields.

    A member goes in whole (:meth:`add`) or written piece by piece (:meth:`deflating`,
    :meth:`storing`: a part of tens of MB, compressed as it is drawn, never held whole).

    The spool is an unnamed temp file (``tempfile.TemporaryFile`` in ``folder``): nothing of it
    is left after a crash, even a ``kill -9``. A zip over 4 GiB (no Zip64) raises ValueError.
    """

    def __init__(self, folder: str | None = None) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)
        self._lock = threading.Lock()
        self._spooled: list[Spooled] = []
        self._end = 0

    def __enter__(self) -> ZipSpool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the temp file (what was not written out yet is gone)."""
        with self._lock:
            self._file.close()

    def add(self, member: Member) -> Spooled:
        """Append ``member``'s stored bytes to the spool; where they went."""
        with self._lock:
            self._file.write(member.data)
            return self._register(member.name, member.method, member.crc, member.size, len(member.data))

    def _register(self, name: str, method: int, crc: int, size: int, length: int) -> Spooled:
        """The member of ``length`` stored bytes just written at the spool's end, recorded."""
        spooled = Spooled(name, method, crc, size, length, self._end)
        self._spooled.append(spooled)
        self._end += length
        return spooled

    @contextlib.contextmanager
    def deflating(self, name: str, level: int = 6) -> Iterator[MemberSink]:
        """A deflated member written piece by piece: the block's sink takes its raw bytes
        (``sink.write``), compressed as they come (the bytes :meth:`Member.deflated` gives for
        them joined); recorded when the block ends, dropped when it raises. The spool takes no
        other member meanwhile."""
        with self._lock, self._writing() as start:
            sink = MemberSink(self._file, zlib.compressobj(level, zlib.DEFLATED, -15))
            yield sink
            self._file.write(sink.packer.flush() if sink.packer else b"")
            sink.spooled = self._register(name, DEFLATED, sink.crc, sink.size, self._file.tell() - start)

    @contextlib.contextmanager
    def storing(self, name: str) -> Iterator[MemberSink]:
        """A stored member (a zip package, a PDF) written piece by piece into the spool, as
        :meth:`deflating` but not compressed."""
        with self._lock, self._writing() as start:
            sink = MemberSink(self._file, None)
            yield sink
            sink.spooled = self._register(name, STORED, sink.crc, sink.size, self._file.tell() - start)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[int]:
        """The spool's end, where a member is written; cut back to it when the writing raises."""
        start = self._end
        self._file.seek(start)
        try:
            yield start
        except BaseException:
            self._file.seek(start)
            self._file.truncate()
            raise

    def __len__(self) -> int:
        return len(self._spooled)

    def write_zip(self, out: Writable, order: Sequence[Spooled] | None = None) -> int:
        """The zip of every member added, in name order, written to ``out``; the number of members.
        ``order``: the members to lay out instead, in that order (records :meth:`add` and the
        sinks gave, renamed with ``dataclasses.replace`` where a name is known only at the end)."""
        with self._lock:
            self._file.flush()
            fd, central, offset = self._file.fileno(), bytearray(), 0
            members = sorted(self._spooled, key=lambda spooled: spooled.name) if order is None else order
            for spooled in members:
                local, record = _headers(spooled.name, spooled.method, spooled.crc, spooled.length, spooled.size,
                                         offset)
                central += record
                out.write(local)
                copy_into(out, fd, spooled.offset, spooled.length)
                offset += len(local) + spooled.length
            if offset + len(central) >= 1 << 32:
                raise ValueError("zip larger than 4 GiB")
            out.write(central + _end_record(len(members), len(central), offset))
            return len(members)


class MemberSink:
    """What a member written piece by piece takes (:meth:`ZipSpool.deflating`, :meth:`ZipSpool.storing`):
    ``write(raw)``; its CRC-32 and raw size kept as it goes, ``spooled`` its record once done."""

    def __init__(self, file: BinaryIO, packer: zlib._Compress | None) -> None:
        self._file = file
        self.packer = packer
        self.crc = self.size = 0
        self.spooled: Spooled | None = None

    def write(self, raw: bytes) -> int:
        """Add ``raw`` to the member (compressed when it is deflated); its length."""
        self.crc, self.size = zlib.crc32(raw, self.crc), self.size + len(raw)
        self._file.write(self.packer.compress(raw) if self.packer else raw)
        return len(raw)


def copy_into(sink: Writable, fd: int, offset: int, length: int) -> None:
    """``length`` bytes of the file ``fd`` from ``offset`` written to ``sink``, COPY_CHUNK at a time."""
    while length:
        chunk = os.pread(fd, min(length, COPY_CHUNK), offset)
        if not chunk:
            raise OSError(f"the zip spool ended early at {offset}")
        sink.write(chunk)
        offset, length = offset + len(chunk), length - len(chunk)


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
