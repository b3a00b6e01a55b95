#!/usr/bin/python3
"""Writes a trained checkpoint as a whisper.cpp ggml model (f16 matrices).

  /usr/bin/python3 export.py data/ckpt.pt data/ggml-micro-en.bin
  /usr/bin/python3 export.py --check-roundtrip [path/to/ggml-micro-en.bin]

--check-roundtrip proves the exporter against a model already shipped (by
default the project's models/ggml-micro-en.bin): it reads the file's
weights into the PyTorch model, exports them with this tool's own mel bank
and vocabulary, and compares the bytes. f16 survives the trip through
float32 unchanged, so any difference is a layout, vocabulary or
architecture mismatch.
"""
import argparse
import filecmp
import os
import sys
import tempfile

import numpy as np
import torch

from architecture import Whisper, sinusoids
from ggml_format import read_model, write_model
from log_mel import FILTERS
from model_shape import ModelShape
from vocabulary import ordinary_tokens

BUNDLED_MODEL = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "ggml-micro-en.bin"))


def export_state(shape, state_dict, path):
    tensors = {name: value.detach().float().numpy() for name, value in state_dict.items()}
    write_model(path, shape, FILTERS, ordinary_tokens(), tensors)


def export_checkpoint(checkpoint_path, model_path):
    checkpoint = torch.load(checkpoint_path, map_location="cpu")
    shape = ModelShape(**checkpoint["shape"])

    export_state(shape, checkpoint["model"], model_path)
    size_mb = os.path.getsize(model_path) / 1e6
    print(f"wrote {model_path}: {size_mb:.1f} MB, step {checkpoint['step']}, {shape}")


def whisper_from_ggml(path):
    """A Whisper module holding the weights of a ggml file."""
    stored = read_model(path)
    model = Whisper(stored["shape"])

    own = model.state_dict()
    if set(own) != set(stored["tensors"]):
        raise ValueError(f"tensor names differ: {sorted(set(own) ^ set(stored['tensors']))}")
    model.load_state_dict({
        name: torch.from_numpy(stored["tensors"][name]).reshape(own[name].shape)
        for name in own
    })
    return model, stored


def check_roundtrip(shipped_path):
    model, stored = whisper_from_ggml(shipped_path)
    positions = stored["tensors"]["encoder.positional_embedding"]
    own_positions = sinusoids(*positions.shape).numpy()
    print("encoder positions equal to this tool's sinusoids:",
          np.array_equal(positions, own_positions),
          f"(max difference {np.abs(positions - own_positions).max():.2e})")

    with tempfile.TemporaryDirectory() as scratch:
        rewritten = os.path.join(scratch, "rewritten.bin")
        export_state(stored["shape"], model.state_dict(), rewritten)
        identical = filecmp.cmp(shipped_path, rewritten, shallow=False)

    print("re-exported file byte-identical to", shipped_path + ":", identical)
    return identical


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint", nargs="?", help="a checkpoint written by train.py")
    parser.add_argument("model", nargs="?", help="the .bin file to write")
    parser.add_argument("--check-roundtrip", metavar="MODEL_BIN", nargs="?",
                        const=BUNDLED_MODEL,
                        help=f"re-export a shipped model and compare the bytes "
                             f"(default {BUNDLED_MODEL})")
    args = parser.parse_args()

    if args.check_roundtrip:
        sys.exit(0 if check_roundtrip(args.check_roundtrip) else 1)
    if not (args.checkpoint and args.model):
        parser.error("give a checkpoint and an output path, or --check-roundtrip")
    export_checkpoint(args.checkpoint, args.model)


if __name__ == "__main__":
    main()
