"""whisper.cpp's legacy ggml model file: the writer export needs, and a reader.

Layout read by whisper_model_load() in whisper.cpp 1.9.1, little-endian:
  uint32 magic "ggml" (0x67676d6c)
  int32 x 11 hyperparameters (see ModelShape.hparams)
  int32 n_mels, int32 n_bins, float32[n_mels * n_bins]   the mel bank
  int32 token count; per token int32 length and its bytes
  tensor records to the end of the file: int32 n_dims, int32 name length,
    int32 type (0 f32, 1 f16), int32 ne[n_dims] (the PyTorch shape
    reversed), the name, then the raw data.

With ftype 1 the loader expects f16 for every matrix except the conv biases
and the two positional embeddings, which stay f32 like all 1-D tensors. The
CPU build needs ftype 1: with an f32 conv kernel the first encode aborts.
"""
import struct

import numpy as np

from model_shape import ModelShape

MAGIC = 0x67676D6C
FTYPE_F16 = 1
TYPE_F32 = 0
TYPE_F16 = 1

ALWAYS_F32 = frozenset({
    "encoder.conv1.bias",
    "encoder.conv2.bias",
    "encoder.positional_embedding",
    "decoder.positional_embedding",
})


def _attention(prefix, n):
    return [
        (f"{prefix}.query.weight", (n, n)),
        (f"{prefix}.query.bias", (n,)),
        (f"{prefix}.key.weight", (n, n)),
        (f"{prefix}.value.weight", (n, n)),
        (f"{prefix}.value.bias", (n,)),
        (f"{prefix}.out.weight", (n, n)),
        (f"{prefix}.out.bias", (n,)),
    ]


def _norm(prefix, n):
    return [(f"{prefix}.weight", (n,)), (f"{prefix}.bias", (n,))]


def _mlp(prefix, n):
    return [
        (f"{prefix}.mlp.0.weight", (4 * n, n)),
        (f"{prefix}.mlp.0.bias", (4 * n,)),
        (f"{prefix}.mlp.2.weight", (n, 4 * n)),
        (f"{prefix}.mlp.2.bias", (n,)),
        *_norm(f"{prefix}.mlp_ln", n),
    ]


def tensor_layout(shape):
    """(name, PyTorch shape) of every tensor, in the order the file holds them.

    The names are the PyTorch parameter names of architecture.Whisper; the
    conv biases are [n, 1] because whisper.cpp adds them as 2-D tensors.
    """
    n = shape.n_state
    layout = [
        ("encoder.conv1.weight", (n, shape.n_mels, 3)),
        ("encoder.conv1.bias", (n, 1)),
        ("encoder.conv2.weight", (n, n, 3)),
        ("encoder.conv2.bias", (n, 1)),
        ("encoder.positional_embedding", (shape.n_audio_ctx, n)),
    ]
    for i in range(shape.n_audio_layer):
        block = f"encoder.blocks.{i}"
        layout += _attention(f"{block}.attn", n) + _norm(f"{block}.attn_ln", n)
        layout += _mlp(block, n)
    layout += _norm("encoder.ln_post", n)

    layout += [
        ("decoder.positional_embedding", (shape.n_text_ctx, n)),
        ("decoder.token_embedding.weight", (shape.n_vocab, n)),
    ]
    for i in range(shape.n_text_layer):
        block = f"decoder.blocks.{i}"
        layout += _attention(f"{block}.attn", n) + _norm(f"{block}.attn_ln", n)
        layout += _attention(f"{block}.cross_attn", n)
        layout += _norm(f"{block}.cross_attn_ln", n)
        layout += _mlp(block, n)
    layout += _norm("decoder.ln", n)
    return layout


def stored_as_f16(name, dims):
    return dims >= 2 and name not in ALWAYS_F32


def write_model(path, shape, filters, tokens, tensors):
    """Writes an ftype-1 model; tensors maps names to float arrays."""
    layout = tensor_layout(shape)
    missing = {name for name, _ in layout} ^ set(tensors)
    if missing:
        raise ValueError(f"tensors do not match the layout: {sorted(missing)}")

    with open(path, "wb") as out:
        out.write(struct.pack("<I", MAGIC))
        out.write(struct.pack("<11i", *shape.hparams(FTYPE_F16)))
        out.write(struct.pack("<2i", *filters.shape))
        out.write(np.asarray(filters, dtype="<f4").tobytes())

        out.write(struct.pack("<i", len(tokens)))
        for token in tokens:
            out.write(struct.pack("<i", len(token)) + token)

        for name, torch_shape in layout:
            _write_tensor(out, name, np.asarray(tensors[name]).reshape(torch_shape))


def _write_tensor(out, name, data):
    half = stored_as_f16(name, data.ndim)
    encoded_name = name.encode()

    out.write(struct.pack("<3i", data.ndim, len(encoded_name),
                          TYPE_F16 if half else TYPE_F32))
    out.write(struct.pack(f"<{data.ndim}i", *reversed(data.shape)))
    out.write(encoded_name)
    out.write(data.astype("<f2" if half else "<f4").tobytes())


class _Cursor:
    def __init__(self, data):
        self.data = data
        self.offset = 0

    def take(self, n_bytes):
        chunk = self.data[self.offset:self.offset + n_bytes]
        if len(chunk) != n_bytes:
            raise ValueError(f"file ends inside a record at byte {self.offset}")
        self.offset += n_bytes
        return chunk

    def ints(self, count):
        return list(struct.unpack(f"<{count}i", self.take(4 * count)))

    def at_end(self):
        return self.offset == len(self.data)


def read_model(path):
    """Reads a legacy ggml whisper file into plain Python and numpy values.

    Returns a dict with shape, ftype, filters, tokens and tensors (float32
    arrays in PyTorch shape, in file order).
    """
    with open(path, "rb") as f:
        cursor = _Cursor(f.read())

    (magic,) = struct.unpack("<I", cursor.take(4))
    if magic != MAGIC:
        raise ValueError(f"{path}: not a ggml file (magic {magic:#x})")
    hparams = cursor.ints(11)

    n_mels, n_bins = cursor.ints(2)
    filters = np.frombuffer(cursor.take(4 * n_mels * n_bins), dtype="<f4")
    (n_tokens,) = cursor.ints(1)
    tokens = [cursor.take(cursor.ints(1)[0]) for _ in range(n_tokens)]

    tensors = {}
    while not cursor.at_end():
        name, data = _read_tensor(cursor)
        tensors[name] = data

    return {
        "shape": ModelShape.from_hparams(hparams),
        "ftype": hparams[10],
        "filters": filters.reshape(n_mels, n_bins).copy(),
        "tokens": tokens,
        "tensors": tensors,
    }


def _read_tensor(cursor):
    n_dims, name_length, tensor_type = cursor.ints(3)
    ggml_dims = cursor.ints(n_dims)
    name = cursor.take(name_length).decode()

    dtype = {TYPE_F32: "<f4", TYPE_F16: "<f2"}[tensor_type]
    count = int(np.prod(ggml_dims))
    raw = cursor.take(count * np.dtype(dtype).itemsize)
    data = np.frombuffer(raw, dtype=dtype).astype(np.float32)
    return name, data.reshape(tuple(reversed(ggml_dims)))

