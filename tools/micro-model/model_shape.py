"""The shape of the micro model, shared by training, export and the reader.

Two of its numbers carry facts about whisper.cpp 1.9.1:
  n_audio_ctx 400  whisper.cpp accepts any context below 1500 and feeds the
                   encoder 2 * n_audio_ctx mel frames: an 8 s window. It
                   still advances 30 s per window when decoding without
                   timestamps, so audio past 8 s in one chunk is never heard.
  n_text_layer 3   a model with exactly 2 decoder layers is taken for an
                   early distilled one, and whisper.cpp turns timestamps off.
"""
from dataclasses import asdict, dataclass

from vocabulary import ENGLISH_N_VOCAB
from log_mel import N_MELS


@dataclass(frozen=True)
class ModelShape:
    n_state: int = 128
    n_head: int = 4
    n_audio_layer: int = 2
    n_text_layer: int = 3
    n_audio_ctx: int = 400
    n_text_ctx: int = 448
    n_vocab: int = ENGLISH_N_VOCAB
    n_mels: int = N_MELS

    @property
    def n_mel_frames(self):
        """Mel frames per encoder window (the stride-2 conv halves them)."""
        return 2 * self.n_audio_ctx

    def hparams(self, ftype):
        """The 11 integers of the file header, in whisper.cpp's order.

        Audio and text share one width and one head count in this model.
        """
        return [
            self.n_vocab, self.n_audio_ctx, self.n_state, self.n_head,
            self.n_audio_layer, self.n_text_ctx, self.n_state, self.n_head,
            self.n_text_layer, self.n_mels, ftype,
        ]

    @staticmethod
    def from_hparams(hparams):
        (n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer,
         n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels,
         _ftype) = hparams
        if (n_audio_state, n_audio_head) != (n_text_state, n_text_head):
            raise ValueError("audio and text widths differ; this tool assumes one")
        return ModelShape(
            n_state=n_audio_state, n_head=n_audio_head,
            n_audio_layer=n_audio_layer, n_text_layer=n_text_layer,
            n_audio_ctx=n_audio_ctx, n_text_ctx=n_text_ctx,
            n_vocab=n_vocab, n_mels=n_mels,
        )

    def as_dict(self):
        return asdict(self)
