"""Whisper's architecture in PyTorch, matched to whisper.cpp's arithmetic.

Parameter names equal the tensor names of the ggml file, so export is a
rename-free copy. The details whisper.cpp 1.9.1 computes, and so the
model trains with:
  - GELU is ggml's tanh approximation, not the exact erf form;
  - layer norms are pre-norm with eps 1e-5; the attention key has no bias;
    scores are scaled by 1 / sqrt(head width);
  - the encoder is two convolutions (the second with stride 2) and
    sinusoidal positions; the decoder has learned positions and ties its
    output projection to the token embedding.
The auxiliary heads at the end help training only and are never exported.
"""
import math

import numpy as np
import torch
from torch import nn

from vocabulary import WORDS

LAYER_NORM_EPS = 1e-5


def sinusoids(length, channels, max_timescale=10000.0):
    """Whisper's fixed encoder positions: sines then cosines per position."""
    half = channels // 2
    rates = np.exp(-math.log(max_timescale) / (half - 1) * np.arange(half))
    angles = np.arange(length)[:, None] * rates[None, :]
    table = np.concatenate([np.sin(angles), np.cos(angles)], axis=1)
    return torch.from_numpy(table.astype(np.float32))


class MultiHeadAttention(nn.Module):
    def __init__(self, n_state, n_head):
        super().__init__()
        self.n_head = n_head
        self.query = nn.Linear(n_state, n_state)
        self.key = nn.Linear(n_state, n_state, bias=False)
        self.value = nn.Linear(n_state, n_state)
        self.out = nn.Linear(n_state, n_state)

    def _split_heads(self, x):
        batch, length, width = x.shape
        head_width = width // self.n_head
        return x.view(batch, length, self.n_head, head_width).transpose(1, 2)

    def forward(self, x, source=None, causal=False):
        source = x if source is None else source
        q = self._split_heads(self.query(x))
        k = self._split_heads(self.key(source))
        v = self._split_heads(self.value(source))

        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        if causal:
            future = torch.ones(scores.shape[-2:], dtype=torch.bool).triu(1)
            scores = scores.masked_fill(future, float("-inf"))

        mixed = scores.softmax(dim=-1) @ v
        batch, _, length, _ = mixed.shape
        return self.out(mixed.transpose(1, 2).reshape(batch, length, -1))


class ResidualBlock(nn.Module):
    """Self-attention, optional cross-attention, then the MLP; each pre-norm."""

    def __init__(self, n_state, n_head, with_cross_attention):
        super().__init__()
        self.attn = MultiHeadAttention(n_state, n_head)
        self.attn_ln = nn.LayerNorm(n_state, eps=LAYER_NORM_EPS)

        self.cross_attn = None
        if with_cross_attention:
            self.cross_attn = MultiHeadAttention(n_state, n_head)
            self.cross_attn_ln = nn.LayerNorm(n_state, eps=LAYER_NORM_EPS)

        self.mlp = nn.Sequential(
            nn.Linear(n_state, 4 * n_state),
            nn.GELU(approximate="tanh"),
            nn.Linear(4 * n_state, n_state),
        )
        self.mlp_ln = nn.LayerNorm(n_state, eps=LAYER_NORM_EPS)

    def forward(self, x, audio=None, causal=False):
        x = x + self.attn(self.attn_ln(x), causal=causal)
        if self.cross_attn is not None:
            x = x + self.cross_attn(self.cross_attn_ln(x), audio)
        return x + self.mlp(self.mlp_ln(x))


class AudioEncoder(nn.Module):
    def __init__(self, shape):
        super().__init__()
        n = shape.n_state
        self.conv1 = nn.Conv1d(shape.n_mels, n, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(n, n, kernel_size=3, stride=2, padding=1)
        self.gelu = nn.GELU(approximate="tanh")
        self.register_buffer("positional_embedding", sinusoids(shape.n_audio_ctx, n))
        self.blocks = nn.ModuleList(
            ResidualBlock(n, shape.n_head, False) for _ in range(shape.n_audio_layer)
        )
        self.ln_post = nn.LayerNorm(n, eps=LAYER_NORM_EPS)

    def forward(self, mel):
        """mel [batch, n_mels, 2 * n_audio_ctx] -> [batch, n_audio_ctx, n_state]"""
        x = self.gelu(self.conv1(mel))
        x = self.gelu(self.conv2(x))
        x = x.transpose(1, 2) + self.positional_embedding

        for block in self.blocks:
            x = block(x)
        return self.ln_post(x)


class TextDecoder(nn.Module):
    def __init__(self, shape):
        super().__init__()
        n = shape.n_state
        self.token_embedding = nn.Embedding(shape.n_vocab, n)
        self.positional_embedding = nn.Parameter(torch.randn(shape.n_text_ctx, n) * 0.01)
        self.blocks = nn.ModuleList(
            ResidualBlock(n, shape.n_head, True) for _ in range(shape.n_text_layer)
        )
        self.ln = nn.LayerNorm(n, eps=LAYER_NORM_EPS)

        # Small embeddings keep the tied output logits near zero at the start.
        nn.init.normal_(self.token_embedding.weight, std=0.02)

    def forward(self, tokens, audio):
        """tokens [batch, length], audio [batch, n_audio_ctx, n_state] -> logits"""
        x = self.token_embedding(tokens) + self.positional_embedding[:tokens.shape[1]]

        for block in self.blocks:
            x = block(x, audio, causal=True)
        return self.ln(x) @ self.token_embedding.weight.T


class Whisper(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.shape = shape
        self.encoder = AudioEncoder(shape)
        self.decoder = TextDecoder(shape)

    def forward(self, mel, tokens):
        return self.decoder(tokens, self.encoder(mel))


class AuxiliaryHeads(nn.Module):
    """Word classifiers on the encoder output, for training only.

    Without them the decoder sits on a loss plateau for hundreds of steps
    before cross-attention learns where the words are; a CTC loss and a
    per-position word label pull the encoder into line much sooner.
    Class 0 is "no word" (and the CTC blank); word i is class i + 1.
    """

    def __init__(self, shape):
        super().__init__()
        self.ctc = nn.Linear(shape.n_state, len(WORDS) + 1)
        self.frame = nn.Linear(shape.n_state, len(WORDS) + 1)
