"""What the model is taught for one utterance: token sequences and labels.

The decoder learns the two prompts whisper.cpp's whisper_full() gives an
English-only model:
  without timestamps  [sot, notimestamps] -> w1 .. wn, eot
  with timestamps     [sot] -> <|start|>, w1 .. wn, <|end|>, eot
The encoder's auxiliary heads learn the word sequence (CTC) and, for every
20 ms position, which word is being spoken (frame labels).
"""
import math

import numpy as np
import torch

from model_shape import ModelShape
from vocabulary import (END_OF_TEXT, FIRST_TIMESTAMP, NO_TIMESTAMPS,
                        SECONDS_PER_TIMESTAMP, START_OF_TRANSCRIPT, WORDS,
                        spoken_token)

IGNORED = -100  # cross_entropy's ignore_index

# whisper.cpp caps the first timestamp at max_initial_ts (1 s by default)
# counted in steps of 30 s / n_audio_ctx, not of 20 ms: round(1.0 / 0.075)
# = 13 tokens, 0.26 s, for this model. A later first timestamp could never
# be sampled, so the targets are capped the same way.
MAX_INITIAL_TS_S = 1.0
WHISPER_CHUNK_S = 30.0
MAX_FIRST_TIMESTAMP = round(MAX_INITIAL_TS_S / (WHISPER_CHUNK_S / ModelShape().n_audio_ctx))

# Positions of the encoder output: 2 mel frames, 20 ms each.
SECONDS_PER_POSITION = 0.02


def decoder_sequence(words, start_s, end_s, with_timestamps):
    """(tokens, index of the first token that is a target)."""
    spoken = [spoken_token(word) for word in words]
    if not with_timestamps:
        # The notimestamps token is prompt, not prediction.
        return [START_OF_TRANSCRIPT, NO_TIMESTAMPS, *spoken, END_OF_TEXT], 1

    first = min(round(start_s / SECONDS_PER_TIMESTAMP), MAX_FIRST_TIMESTAMP)
    last = max(math.ceil(end_s / SECONDS_PER_TIMESTAMP), first + 1)
    tokens = [START_OF_TRANSCRIPT, FIRST_TIMESTAMP + first, *spoken,
              FIRST_TIMESTAMP + last, END_OF_TEXT]
    return tokens, 0


def decoder_batch(sequences):
    """Inputs and shifted targets, padded; untaught positions are IGNORED."""
    length = max(len(tokens) for tokens, _ in sequences) - 1
    inputs = torch.full((len(sequences), length), END_OF_TEXT, dtype=torch.long)
    targets = torch.full((len(sequences), length), IGNORED, dtype=torch.long)

    for row, (tokens, first_taught) in enumerate(sequences):
        n = len(tokens) - 1
        inputs[row, :n] = torch.tensor(tokens[:-1])
        targets[row, first_taught:n] = torch.tensor(tokens[1 + first_taught:])
    return inputs, targets


def word_class(word):
    """Class of a word for the auxiliary heads; 0 is blank / no word."""
    return WORDS.index(word) + 1


def frame_labels(words, start_s, end_s, n_positions):
    """The word spoken at each encoder position, 0 where none is.

    espeak gives no word timings, so the speech span is shared among the
    words in proportion to their length plus two letters: rough, but
    enough to teach the encoder where words are.
    """
    weights = np.array([len(word) + 2.0 for word in words])
    shares = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    edges = start_s + (end_s - start_s) * shares
    centres = (np.arange(n_positions) + 0.5) * SECONDS_PER_POSITION

    labels = np.zeros(n_positions, dtype=np.int64)
    for k, word in enumerate(words):
        labels[(centres >= edges[k]) & (centres < edges[k + 1])] = word_class(word)
    return labels


def ctc_targets(word_lists):
    """Concatenated word classes and the length of each utterance's part."""
    flat = [word_class(word) for words in word_lists for word in words]
    lengths = [len(words) for words in word_lists]
    return torch.tensor(flat, dtype=torch.long), torch.tensor(lengths, dtype=torch.long)
