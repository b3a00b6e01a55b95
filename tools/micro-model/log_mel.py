"""The log-mel spectrogram exactly as whisper.cpp 1.9.1 computes it.

The model never sees audio, only these features, so training must feed it
the very numbers whisper.cpp will compute at inference time. Steps, as in
log_mel_spectrogram() of whisper.cpp:
  1. pad: the 200 samples after the first one, mirrored, in front; zeros
     behind (whisper.cpp appends 30 s of silence);
  2. frames of 400 samples every 160 (10 ms), periodic Hann window;
  3. power spectrum of 201 bins, times the slaney mel bank that is stored
     in the model file;
  4. log10 of max(x, 1e-10), floored at the loudest value minus 8, then
     mapped by (x + 4) / 4.
"""
import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400
HOP_LENGTH = 160
N_MELS = 80
FRAMES_PER_SECOND = SAMPLE_RATE // HOP_LENGTH

SILENT_LOG_POWER = -10.0  # log10 of the 1e-10 floor
DYNAMIC_RANGE = 8.0  # decades kept below the loudest bin


def _hz_to_slaney_mel(hz):
    # Linear below 1 kHz (3 mels per 200 Hz), logarithmic above.
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz * 3.0 / 200.0
    log_step = np.log(6.4) / 27.0
    logarithmic = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / log_step
    return np.where(hz >= 1000.0, logarithmic, linear)


def _slaney_mel_to_hz(mel):
    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * 200.0 / 3.0
    log_step = np.log(6.4) / 27.0
    logarithmic = 1000.0 * np.exp(log_step * (mel - 15.0))
    return np.where(mel >= 15.0, logarithmic, linear)


def mel_filters(n_mels=N_MELS, sample_rate=SAMPLE_RATE, n_fft=N_FFT):
    """The slaney-normalised triangular bank whisper uses, float32 [n_mels, bins].

    The same numbers as librosa.filters.mel(htk=False, norm="slaney"), which
    OpenAI's mel_filters.npz holds and every ggml whisper file carries.
    """
    n_bins = n_fft // 2 + 1
    bin_hz = np.linspace(0.0, sample_rate / 2.0, n_bins)
    top_mel = _hz_to_slaney_mel(sample_rate / 2.0)
    edges_hz = _slaney_mel_to_hz(np.linspace(0.0, top_mel, n_mels + 2))

    widths_hz = np.diff(edges_hz)
    offsets = edges_hz[:, None] - bin_hz[None, :]
    bank = np.zeros((n_mels, n_bins), dtype=np.float64)
    for m in range(n_mels):
        rising = -offsets[m] / widths_hz[m]
        falling = offsets[m + 2] / widths_hz[m + 1]
        bank[m] = np.maximum(0.0, np.minimum(rising, falling))

    # Slaney normalisation: each triangle has unit area.
    bank *= (2.0 / (edges_hz[2:] - edges_hz[:-2]))[:, None]
    return bank.astype(np.float32)


FILTERS = mel_filters()


def log_mel(samples, n_frames):
    """Features of mono 16 kHz float samples: float32 [N_MELS, n_frames].

    Only the first n_frames frames are returned; the clips this tool makes
    are shorter than that window, so the loudest value, which sets the
    floor, lies inside it as it does in whisper.cpp.
    """
    samples = np.asarray(samples, dtype=np.float32)
    half = N_FFT // 2

    needed = (n_frames - 1) * HOP_LENGTH + N_FFT
    padded = np.zeros(max(needed, len(samples) + 2 * half), dtype=np.float32)
    padded[:half] = samples[1:half + 1][::-1]
    padded[half:half + len(samples)] = samples

    starts = HOP_LENGTH * np.arange(n_frames)
    frames = padded[starts[:, None] + np.arange(N_FFT)[None, :]]
    hann = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)
    spectrum = np.fft.rfft(frames * hann.astype(np.float32), axis=1)
    power = (np.abs(spectrum) ** 2).astype(np.float32)

    mel = np.log10(np.maximum(power @ FILTERS.T, 1e-10).astype(np.float64))
    # whisper.cpp skips the FFT of frames past the audio and writes the
    # floor directly; float noise in our FFT must not lift them above it.
    frames_with_audio = min((len(samples) + half) // HOP_LENGTH + 1, n_frames)
    mel[frames_with_audio:] = SILENT_LOG_POWER

    floor = max(mel.max(), SILENT_LOG_POWER) - DYNAMIC_RANGE
    mel = (np.maximum(mel, floor) + 4.0) / 4.0
    return mel.T.astype(np.float32)
