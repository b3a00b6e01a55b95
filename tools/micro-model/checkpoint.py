"""The whole state of a training run, so that a resumed run is exact.

A checkpoint taken after step k holds everything the next step reads: the
weights (exported and auxiliary), AdamW's moments, the step, the numpy
generator that draws batches and augmentation, torch's generator, the
settings and a fingerprint of the training data. Resuming from it replays
steps k+1 .. M exactly as an uninterrupted run would have (on the same
machine, torch build and thread count).
"""
import hashlib
import os

import torch

FORMAT = "micro-whisper-training-v1"


def data_fingerprint(texts, mel_shape):
    """A short hash of the training set, to refuse resuming on other data."""
    digest = hashlib.sha256(repr(tuple(mel_shape)).encode())
    for text in texts:
        digest.update(text.encode() + b"\n")
    return digest.hexdigest()[:16]


def save(path, *, shape, settings, fingerprint, step, model, heads, optimizer,
         rng, smoothed_loss):
    state = {
        "format": FORMAT,
        "shape": shape.as_dict(),
        "settings": settings,
        "data": fingerprint,
        "step": step,
        "model": model.state_dict(),
        "heads": heads.state_dict(),
        "optimizer": optimizer.state_dict(),
        "numpy_rng": rng.bit_generator.state,
        "torch_rng": torch.get_rng_state(),
        "smoothed_loss": smoothed_loss,
    }

    # Written aside and renamed, so a run killed mid-save keeps the last one.
    partial = path + ".partial"
    torch.save(state, partial)
    os.replace(partial, path)


def load(path):
    state = torch.load(path, map_location="cpu")
    if state.get("format") != FORMAT:
        raise ValueError(f"{path} is not a checkpoint written by this train.py")
    return state


def restore(state, *, model, heads, optimizer, rng):
    """Puts a checkpoint's state back into live objects; returns the step."""
    model.load_state_dict(state["model"])
    heads.load_state_dict(state["heads"])
    optimizer.load_state_dict(state["optimizer"])
    rng.bit_generator.state = state["numpy_rng"]
    torch.set_rng_state(state["torch_rng"])
    return state["step"]
