"""The frames on the sandbox's two pipes: a header of two lengths, the JSON text, the safetensors blob.

The wire format under `autograde.wire.transport`'s codec, shared by both ends (`autograde.spec.sandbox` writes
requests and reads answers, `autograde.worker.serve` the other way round). Standard library only: the
worker reads its first frame before it imports torch.
"""

from __future__ import annotations

import select
import struct
import time
from typing import BinaryIO

HEADER = struct.Struct("!QQ")


class FrameError(Exception):
    """A frame that breaks the wire's rules: over the reader's size cap, or not all there by its deadline
    (the worker runs untrusted code, which may write to its end of the pipe)."""


def write_frame(stream: BinaryIO, text: str, blob: bytes) -> None:
    data = text.encode()
    stream.write(HEADER.pack(len(data), len(blob)) + data + blob)
    stream.flush()


def _read_exactly(stream: BinaryIO, size: int, deadline: float | None) -> bytes:
    """`size` bytes, or fewer at the end of the stream (an unbuffered pipe gives short reads); with a
    `deadline` (time.monotonic), each read waits at most until then."""
    chunks, left = [], size
    while left:
        if deadline is not None and not select.select([stream], [], [], max(0.0, deadline - time.monotonic()))[0]:
            raise FrameError(f"a frame stopped after {size - left:,} of its {size:,} bytes")
        if not (chunk := stream.read(left)):
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO, limit: int | None = None, deadline: float | None = None) -> tuple[str, bytes] | None:
    """The next frame, or None at the end of the stream. `limit`: the most bytes a frame may announce;
    `deadline`: when all of it must have come (a reader of untrusted frames gives both)."""
    header = _read_exactly(stream, HEADER.size, deadline)
    if len(header) < HEADER.size:
        return None
    text_len, blob_len = HEADER.unpack(header)
    if limit is not None and text_len + blob_len > limit:
        raise FrameError(f"a frame announced {text_len + blob_len:,} bytes, over the cap of {limit:,}")
    return _read_exactly(stream, text_len, deadline).decode(), _read_exactly(stream, blob_len, deadline)
