"""A TensorFlow checkpoint bundle read with numpy: tensor name -> array, no TensorFlow needed.

A bundle is `<prefix>.index` and `<prefix>.data-00000-of-00001`. The index is an uncompressed
LevelDB-format table (tensorflow/core/lib/io/table_builder.cc): data blocks of prefix-compressed
key/value entries with restart points, an index block naming each data block, and a 48-byte footer
ending in a magic number. Each key is a tensor name and each value a `BundleEntryProto`
(tensorflow/core/protobuf/tensor_bundle.proto): dtype, shape, shard, offset, size. The data file
holds the raw little-endian tensors at those offsets.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from songflow.core.errors import InputError

_MAGIC = 0xDB4775248B80FB57
_FOOTER = 48
_TRAILER = 5  # a block's compression type (1 byte) and crc (4 bytes), after its contents
# tensorflow/core/framework/types.proto DataType -> numpy (little-endian)
_DTYPES = {1: "<f4", 2: "<f8", 3: "<i4", 4: "u1", 5: "<i2", 6: "i1", 9: "<i8", 10: "?", 19: "<f2"}


class CheckpointError(InputError):
    """A checkpoint file that is missing or cannot be read as a tensor bundle."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise CheckpointError("truncated varint in checkpoint index")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes):
    """(field number, wire type, value) of a protobuf message; length-delimited values as bytes."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire == 5:
            value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        else:
            raise CheckpointError(f"unsupported protobuf wire type {wire} in checkpoint index")
        yield number, wire, value


def _block(data: bytes, offset: int, size: int) -> list[tuple[bytes, bytes]]:
    """The key/value entries of one table block."""
    if offset + size + _TRAILER > len(data):
        raise CheckpointError("checkpoint index block runs past the end of the file")
    if data[offset + size] != 0:
        raise CheckpointError("compressed checkpoint index blocks are not supported")
    block = data[offset : offset + size]
    restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end = len(block) - 4 - 4 * restarts
    entries, pos, key = [], 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        length, pos = _varint(block, pos)
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        entries.append((key, block[pos : pos + length]))
        pos += length
    return entries


def _entry(value: bytes) -> tuple[int, tuple[int, ...], int, int, int]:
    """dtype, shape, shard id, offset and size of one BundleEntryProto."""
    dtype, shape, shard, offset, size = 1, [], 0, 0, 0
    for number, _, field in _fields(value):
        if number == 1:
            dtype = field
        elif number == 2:  # TensorShapeProto: repeated Dim dim = 2 {int64 size = 1}
            for n, _, dim in _fields(field):
                if n == 2:
                    shape.append(next((v for k, _, v in _fields(dim) if k == 1), 0))
        elif number == 3:
            shard = field
        elif number == 4:
            offset = field
        elif number == 5:
            size = field
    return dtype, tuple(shape), shard, offset, size


def read_index(prefix: str | Path) -> dict[str, tuple[int, tuple[int, ...], int, int, int]]:
    """Every tensor of the bundle `prefix`: name -> (dtype, shape, shard, offset, size)."""
    path = Path(f"{prefix}.index")
    if not path.is_file():
        raise CheckpointError(f"checkpoint index not found: {path}")
    data = path.read_bytes()
    if len(data) < _FOOTER or struct.unpack_from("<Q", data, len(data) - 8)[0] != _MAGIC:
        raise CheckpointError(f"{path} is not a TensorFlow checkpoint index (no table footer)")
    footer = data[len(data) - _FOOTER :]
    _, pos = _varint(footer, 0)  # metaindex offset
    _, pos = _varint(footer, pos)  # metaindex size
    index_offset, pos = _varint(footer, pos)
    index_size, _ = _varint(footer, pos)
    tensors = {}
    for _, handle in _block(data, index_offset, index_size):
        offset, pos = _varint(handle, 0)
        size, _ = _varint(handle, pos)
        for key, value in _block(data, offset, size):
            if key:  # the empty key holds the bundle's header
                tensors[key.decode()] = _entry(value)
    return tensors


def read_checkpoint(prefix: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of the single-shard bundle `prefix` (`<prefix>.index`, `<prefix>.data-00000-of-00001`)."""
    index = read_index(prefix)
    data_path = Path(f"{prefix}.data-00000-of-00001")
    if not data_path.is_file():
        raise CheckpointError(f"checkpoint data not found: {data_path}")
    blob = data_path.read_bytes()
    out = {}
    for name, (dtype, shape, shard, offset, size) in index.items():
        if dtype not in _DTYPES:
            continue  # strings and the like: not weights
        if shard != 0:
            raise CheckpointError(f"{name}: multi-shard checkpoints are not supported")
        if offset + size > len(blob):
            raise CheckpointError(f"{name}: its bytes run past the end of {data_path}")
        array = np.frombuffer(blob, dtype=_DTYPES[dtype], count=size // np.dtype(_DTYPES[dtype]).itemsize, offset=offset)
        out[name] = array.reshape(shape).copy()
    return out
