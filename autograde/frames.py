"""The frames on the sandbox's two pipes: a header of two lengths, the JSON text, the safetensors blob.

The wire format under `autograde.transport`'s codec, shared by both ends (`autograde.sandbox` writes
requests and reads answers, `autograde.worker` the other way round). Standard library only: the
worker reads its first frame before it imports torch.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

HEADER = struct.Struct("!QQ")


def write_frame(stream: BinaryIO, text: str, blob: bytes) -> None:
    data = text.encode()
    stream.write(HEADER.pack(len(data), len(blob)) + data + blob)
    stream.flush()


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    """`size` bytes, or fewer at the end of the stream (an unbuffered pipe gives short reads)."""
    chunks, left = [], size
    while left and (chunk := stream.read(left)):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO) -> tuple[str, bytes] | None:
    header = _read_exactly(stream, HEADER.size)
    if len(header) < HEADER.size:
        return None
    text_len, blob_len = HEADER.unpack(header)
    return _read_exactly(stream, text_len).decode(), _read_exactly(stream, blob_len)
