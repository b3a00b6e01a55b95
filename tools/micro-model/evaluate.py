#!/usr/bin/python3
"""Word accuracy of a ggml model measured through whisper.cpp's own CLI.

  /usr/bin/python3 evaluate.py --model data/ggml-micro-en.bin \
      --wav-dir data/test_wav --work data/eval

For each input form (the 16 kHz mono WAVs as synthesised, and the same
resampled by sox to 22.05 kHz stereo) and each flag set (default: -nt, and
the CLI's defaults, which decode with timestamps), one whisper-cli call
transcribes every test WAV into a CSV. Results are split between voice
variants training heard and those it never did; with timestamps on, the
mean distance of segment starts and ends from the speech is reported too.
"""
import argparse
import csv
import os
import subprocess
import sys
import time

from synthesize import HELD_OUT_VARIANTS
from word_errors import Tally, normalise

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# Built by `npm run build:reference-cli`.
DEFAULT_CLI = os.path.join(REPO_ROOT, "build-cmake", "cpu", "reference", "whisper-cli")

INPUT_FORMS = {
    "16k": None,  # the WAVs as written
    "22k-stereo": ["-r", "22050", "-c", "2"],
}


def read_references(wav_dir, limit):
    columns = ("name", "text", "voice", "speed", "pitch", "start_s", "end_s")
    with open(os.path.join(wav_dir, "refs.tsv")) as refs:
        rows = [dict(zip(columns, line.rstrip("\n").split("\t"))) for line in refs]
    return rows[:limit] if limit else rows


def prepare_inputs(form, references, wav_dir, work):
    """Paths of the test WAVs in one input form, converting them once."""
    if INPUT_FORMS[form] is None:
        return [os.path.join(wav_dir, ref["name"]) for ref in references]

    folder = os.path.join(work, "wav-" + form)
    os.makedirs(folder, exist_ok=True)
    paths = []
    for ref in references:
        converted = os.path.join(folder, ref["name"])
        if not os.path.exists(converted):
            source = os.path.join(wav_dir, ref["name"])
            subprocess.run(["sox", source, *INPUT_FORMS[form], converted], check=True)
        paths.append(converted)
    return paths


def folder_name(form, flags):
    """A folder per configuration, e.g. 16k_nt or 22k-stereo_defaults."""
    compact = "".join(flags.split()).replace("-", "")
    return f"{form}_{compact or 'defaults'}"


def transcribe_all(args, inputs, flags, out_dir):
    """Runs whisper-cli once over every input; returns one CSV path each."""
    os.makedirs(out_dir, exist_ok=True)
    command = [args.cli, "-m", args.model, "-t", str(args.threads), "-np", "-ocsv", *flags]
    stems = []
    for path in inputs:
        stem = os.path.join(out_dir, os.path.splitext(os.path.basename(path))[0])
        command += ["-f", path, "-of", stem]
        stems.append(stem)

    finished = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if finished.returncode != 0:
        sys.stderr.write(finished.stderr.decode(errors="replace")[-2000:])
        raise SystemExit(f"whisper-cli exited with {finished.returncode}")
    return [stem + ".csv" for stem in stems]


def read_segments(csv_path):
    """(start_s, end_s, text) of each segment whisper-cli wrote."""
    if not os.path.exists(csv_path):
        return []
    with open(csv_path) as f:
        return [(int(row["start"]) / 1000, int(row["end"]) / 1000, row["text"])
                for row in csv.DictReader(f)]


def score(references, csv_paths, with_timestamps):
    tallies = {"all": Tally(), "unheard voices": Tally(), "heard voices": Tally()}
    boundary_errors = []
    mistakes = []

    for ref, csv_path in zip(references, csv_paths):
        segments = read_segments(csv_path)
        expected = ref["text"].split()
        heard = normalise(" ".join(text for _, _, text in segments))

        unheard = ref["voice"].endswith(HELD_OUT_VARIANTS)
        tallies["all"].add(expected, heard)
        tallies["unheard voices" if unheard else "heard voices"].add(expected, heard)
        if heard != expected:
            said = " ".join(heard)
            mistakes.append(f"{ref['name']} {ref['voice']}: '{ref['text']}' -> '{said}'")
        if with_timestamps and segments:
            boundary_errors.append((abs(segments[0][0] - float(ref["start_s"])),
                                    abs(segments[-1][1] - float(ref["end_s"]))))
    return tallies, boundary_errors, mistakes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="ggml .bin to evaluate")
    parser.add_argument("--wav-dir", required=True,
                        help="test WAVs and refs.tsv from synthesize.py")
    parser.add_argument("--work", required=True, help="folder for converted WAVs and CSVs")
    parser.add_argument("--cli", default=DEFAULT_CLI, help=f"whisper-cli (default {DEFAULT_CLI})")
    parser.add_argument("--flags", action="append",
                        help="a whisper-cli flag set, repeatable (default: '-nt' and '')")
    parser.add_argument("--forms", default=",".join(INPUT_FORMS),
                        help="input forms, comma-separated (default 16k,22k-stereo)")
    parser.add_argument("--threads", type=int, default=2, help="whisper-cli -t (default 2)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N utterances")
    parser.add_argument("--show-mistakes", type=int, default=8, help="per configuration")
    args = parser.parse_args()

    if not os.path.exists(args.cli):
        raise SystemExit(f"{args.cli} not found; build it with `npm run build:reference-cli`")
    references = read_references(args.wav_dir, args.limit)
    flag_sets = args.flags if args.flags else ["-nt", ""]

    for form in args.forms.split(","):
        inputs = prepare_inputs(form, references, args.wav_dir, args.work)
        for flags in flag_sets:
            label = f"{form} {flags or '(defaults)'}"
            out_dir = os.path.join(args.work, folder_name(form, flags))

            began = time.time()
            csv_paths = transcribe_all(args, inputs, flags.split(), out_dir)
            seconds = time.time() - began
            with_timestamps = "-nt" not in flags.split()
            tallies, boundaries, mistakes = score(references, csv_paths, with_timestamps)

            print(f"{label}: {seconds:.1f} s", flush=True)
            for group, tally in tallies.items():
                if tally.utterances:
                    print(f"  {group}: {tally.summary()}")
            if boundaries:
                starts = sum(b[0] for b in boundaries) / len(boundaries)
                ends = sum(b[1] for b in boundaries) / len(boundaries)
                print(f"  mean segment error: start {starts:.3f} s, end {ends:.3f} s")
            for mistake in mistakes[:args.show_mistakes]:
                print("   ", mistake)


if __name__ == "__main__":
    main()
