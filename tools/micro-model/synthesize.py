#!/usr/bin/python3
"""Makes utterances of the vocabulary's words with espeak-ng and sox.

  /usr/bin/python3 synthesize.py --count 8000 --seed 1 --out data/train.npz
  /usr/bin/python3 synthesize.py --count 400 --seed 777 --out data/test.npz \
      --wav-dir data/test_wav

Each utterance is 1 to 6 random words in a random accent, voice variant,
speed and pitch, trimmed of espeak's own silence, then padded with random
silence, scaled to a random level and (mostly) given light noise. It is
quantised to 16-bit as a WAV file would carry it, and its log-mel window is
stored with the words and the time the speech starts and ends.

Utterance i depends only on (seed, i), so a set is the same whatever the
number of worker processes. --wav-dir marks a test set: half of it uses
voice variants training never hears, and the 16 kHz WAVs and refs.tsv that
evaluate.py reads are written there.
"""
import argparse
import os
import subprocess
import wave
from multiprocessing import Pool

import numpy as np

from log_mel import FRAMES_PER_SECOND, SAMPLE_RATE, log_mel
from model_shape import ModelShape
from vocabulary import WORDS

ACCENTS = ("en-us", "en", "en-gb-x-rp", "en-029", "en-gb-scotland", "en-gb-x-gbclan")
TRAINING_VARIANTS = ("", "+m1", "+m2", "+m3", "+m4", "+m5", "+m6", "+f1", "+f2", "+f3")
HELD_OUT_VARIANTS = ("+m7", "+f4")

WORDS_PER_UTTERANCE = (1, 2, 3, 4, 5, 6)
WORDS_PER_UTTERANCE_ODDS = (0.14, 0.2, 0.2, 0.18, 0.15, 0.13)
WORD_GAPS_10MS = (0, 0, 0, 2, 5, 10, 20)  # espeak -g: extra pause between words

N_MEL_FRAMES = ModelShape().n_mel_frames
# Half a second of margin inside the window, so the speech always ends in it.
MAX_CLIP_SECONDS = N_MEL_FRAMES / FRAMES_PER_SECOND - 0.5
SPEECH_FLOOR_DB = -35.0


def speak(text, voice, words_per_minute, pitch, gap):
    """espeak-ng's speech (22.05 kHz) resampled by sox to 16 kHz float32."""
    espeak = ["espeak-ng", "-v", voice, "-s", str(words_per_minute),
              "-p", str(pitch), "-g", str(gap), "--stdout", text]
    wav = subprocess.run(espeak, stdout=subprocess.PIPE, check=True).stdout

    to_float = ["sox", "-G", "-t", "wav", "-", "-t", "raw", "-e", "float", "-b", "32",
                "-c", "1", "-r", str(SAMPLE_RATE), "-"]
    raw = subprocess.run(to_float, input=wav, stdout=subprocess.PIPE, check=True).stdout
    return np.frombuffer(raw, dtype="<f4").copy()


def trim_to_speech(samples):
    """Cuts leading and trailing 10 ms frames quieter than the speech floor."""
    frame = SAMPLE_RATE // FRAMES_PER_SECOND
    n_frames = len(samples) // frame
    if n_frames == 0:
        return samples

    rms = np.sqrt((samples[:n_frames * frame].reshape(n_frames, frame) ** 2).mean(axis=1))
    loud = np.nonzero(rms > rms.max() * 10 ** (SPEECH_FLOOR_DB / 20))[0]
    return samples[loud[0] * frame:(loud[-1] + 1) * frame]


def choose_silences(rng, speech_seconds):
    """Seconds of silence before and after the speech, within the window."""
    # Mostly up to a second of lead-in; sometimes almost none, as in a
    # chunk cut right at the start of speech.
    lead = rng.uniform(0.0, 1.0) if rng.random() < 0.85 else rng.uniform(0.0, 0.1)
    trail = rng.uniform(0.05, 1.0)

    spare = MAX_CLIP_SECONDS - speech_seconds
    if lead + trail > spare:
        lead = min(lead, max(0.0, spare / 2))
        trail = min(trail, max(0.0, spare - lead))
    return lead, trail


def add_noise(rng, clip, speech):
    """White or low-passed noise at 15-45 dB below the speech."""
    snr_db = rng.uniform(15, 45)
    speech_rms = np.sqrt((speech ** 2).mean() + 1e-12)

    noise = rng.standard_normal(len(clip)).astype(np.float32)
    if rng.random() < 0.5:
        noise = np.convolve(noise, np.ones(8, np.float32) / 8, mode="same")
    noise *= speech_rms / (np.sqrt((noise ** 2).mean()) + 1e-12) * 10 ** (-snr_db / 20)
    return clip + noise


def make_utterance(job):
    seed, index, variants = job
    rng = np.random.default_rng([seed, index])

    n_words = int(rng.choice(WORDS_PER_UTTERANCE, p=WORDS_PER_UTTERANCE_ODDS))
    words = [WORDS[i] for i in rng.integers(0, len(WORDS), n_words)]
    voice = ACCENTS[rng.integers(len(ACCENTS))] + variants[rng.integers(len(variants))]
    speed = int(rng.integers(120, 221))
    pitch = int(rng.integers(20, 81))
    gap = int(rng.choice(WORD_GAPS_10MS))

    speech = trim_to_speech(speak(" ".join(words), voice, speed, pitch, gap))
    speech_seconds = len(speech) / SAMPLE_RATE
    lead, trail = choose_silences(rng, speech_seconds)

    clip = np.concatenate([
        np.zeros(int(lead * SAMPLE_RATE), np.float32),
        speech,
        np.zeros(int(trail * SAMPLE_RATE), np.float32),
    ])[:int(MAX_CLIP_SECONDS * SAMPLE_RATE)]
    level_db = rng.uniform(-28, -1)
    clip *= 10 ** (level_db / 20) / (np.abs(clip).max() + 1e-9)
    if rng.random() < 0.7:
        start = int(lead * SAMPLE_RATE)
        clip = add_noise(rng, clip, clip[start:start + len(speech)])

    # whisper.cpp reads 16-bit WAV samples as s16 / 32768.
    pcm = np.round(np.clip(clip, -1.0, 1.0) * 32767).astype(np.int16)
    mel = log_mel(pcm.astype(np.float32) / 32768.0, N_MEL_FRAMES)
    return {
        "mel": mel.astype(np.float16),
        "text": " ".join(words),
        "voice": voice,
        "speed": speed,
        "pitch": pitch,
        "start_s": lead,
        "end_s": min(lead + speech_seconds, len(pcm) / SAMPLE_RATE),
        "pcm": pcm,
    }


def write_test_wavs(utterances, wav_dir):
    os.makedirs(wav_dir, exist_ok=True)
    with open(os.path.join(wav_dir, "refs.tsv"), "w") as refs:
        for i, u in enumerate(utterances):
            name = f"utt{i:04d}.wav"
            with wave.open(os.path.join(wav_dir, name), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(SAMPLE_RATE)
                wav.writeframes(u["pcm"].tobytes())

            fields = [name, u["text"], u["voice"], str(u["speed"]), str(u["pitch"]),
                      f"{u['start_s']:.2f}", f"{u['end_s']:.2f}"]
            refs.write("\t".join(fields) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, required=True, help="utterances to make")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", required=True, help=".npz file of mel windows and targets")
    parser.add_argument("--wav-dir", help="make a test set and write its WAVs here")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args()

    def variants_of(i):
        held_out = args.wav_dir is not None and i % 2 == 0
        return HELD_OUT_VARIANTS if held_out else TRAINING_VARIANTS

    jobs = [(args.seed, i, variants_of(i)) for i in range(args.count)]
    with Pool(args.jobs) as pool:
        utterances = pool.map(make_utterance, jobs, chunksize=8)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    np.savez(
        args.out,
        mels=np.stack([u["mel"] for u in utterances]),
        text=np.array([u["text"] for u in utterances]),
        voice=np.array([u["voice"] for u in utterances]),
        start_s=np.array([u["start_s"] for u in utterances]),
        end_s=np.array([u["end_s"] for u in utterances]),
    )
    if args.wav_dir:
        write_test_wavs(utterances, args.wav_dir)
    print(f"wrote {args.out}: {len(utterances)} utterances")


if __name__ == "__main__":
    main()
