"""A greedy transcription in PyTorch, to watch accuracy while training.

It decodes without timestamps, as whisper.cpp's -nt does, but with plain
argmax and none of whisper.cpp's token suppression or fallbacks: a guide,
not the measurement. evaluate.py measures through whisper.cpp itself.
"""
import numpy as np
import torch

from vocabulary import END_OF_TEXT, NO_TIMESTAMPS, START_OF_TRANSCRIPT, word_of_token
from word_errors import Tally

MAX_WORDS = 10
BATCH = 32


@torch.no_grad()
def greedy_words(model, mels):
    """Word lists for a batch of mel windows."""
    audio = model.encoder(mels)
    tokens = torch.tensor([[START_OF_TRANSCRIPT, NO_TIMESTAMPS]] * len(mels))
    words_of = word_of_token()
    hypotheses = [[] for _ in mels]
    finished = [False] * len(mels)

    for _ in range(MAX_WORDS + 1):
        chosen = model.decoder(tokens, audio)[:, -1].argmax(-1)
        for row, token in enumerate(chosen.tolist()):
            if token == END_OF_TEXT:
                finished[row] = True
            if not finished[row]:
                hypotheses[row].append(words_of.get(token, "<?>"))
        if all(finished):
            break
        tokens = torch.cat([tokens, chosen[:, None]], dim=1)
    return hypotheses


def greedy_accuracy(model, test_set, shape, count=None):
    """Tally over the first count utterances of a synthesize.py set (all if None)."""
    mels = test_set["mels"][:, :, :shape.n_mel_frames]
    texts = test_set["text"]
    count = len(mels) if count is None else min(count, len(mels))
    tally = Tally()

    model.eval()
    for start in range(0, count, BATCH):
        end = min(start + BATCH, count)
        batch = torch.from_numpy(mels[start:end].astype(np.float32))
        for text, hypothesis in zip(texts[start:end], greedy_words(model, batch)):
            tally.add(str(text).split(), hypothesis)
    model.train()
    return tally
