"""The training set in memory, and the batches drawn from it.

All randomness of a training step comes from the one numpy generator passed
in, in a fixed order (utterances, masks, prompt modes), which is what makes
a run repeatable and a resumed run exact.
"""
import numpy as np
import torch

import checkpoint
from targets import decoder_batch, decoder_sequence


class TrainingSet:
    def __init__(self, path, n_mel_frames):
        data = np.load(path)
        self.mels = data["mels"][:, :, :n_mel_frames]
        self.words = [str(text).split() for text in data["text"]]
        self.start_s = data["start_s"]
        self.end_s = data["end_s"]
        self.fingerprint = checkpoint.data_fingerprint(
            [str(text) for text in data["text"]], self.mels.shape)

    def __len__(self):
        return len(self.mels)


def mask_frequencies(rng, mels, settings):
    """SpecAugment, lightly: one band of up to 8 mel bins set to the minimum."""
    for mel in mels:
        if rng.random() < settings["mask_share"]:
            low = rng.integers(0, mels.shape[1] - settings["max_mask_bins"])
            width = rng.integers(1, settings["max_mask_bins"] + 1)
            mel[low:low + width, :] = mel.min()
    return mels


def draw_batch(rng, data, settings):
    """Mels, decoder inputs and targets, and the utterance indices."""
    picked = rng.integers(0, len(data), settings["batch_size"])
    mels = torch.from_numpy(data.mels[picked].astype(np.float32))
    mels = mask_frequencies(rng, mels, settings)

    sequences = [
        decoder_sequence(data.words[i], data.start_s[i], data.end_s[i],
                         rng.random() < settings["timestamp_share"])
        for i in picked
    ]
    return mels, *decoder_batch(sequences), picked
