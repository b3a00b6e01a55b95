#!/usr/bin/python3
"""Trains the micro whisper model on a set made by synthesize.py.

  /usr/bin/python3 train.py --train data/train.npz --test data/test.npz \
      --out data/ckpt.pt --steps 2400

Every step draws a batch with one numpy generator seeded by --seed, so a
run is a function of its settings and data. The learning rate warms up
linearly for --warmup-steps, then follows a cosine down to 5% at --steps.
--resume continues a checkpoint exactly (stopping at step N and resuming to
M equals running to M); --stop-at ends a run early without changing its
schedule; --init-from starts a new run (schedule, optimizer) from another
run's weights (a checkpoint, or a ggml .bin such as the shipped model), for
a second, gentler phase or a fine-tune on a larger vocabulary.
"""
import argparse
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

import checkpoint
from architecture import AuxiliaryHeads, Whisper
from export import whisper_from_ggml
from model_shape import ModelShape
from quick_accuracy import greedy_accuracy
from targets import IGNORED, ctc_targets, frame_labels
from training_data import TrainingSet, draw_batch

# Settings that shape the result; a resumed run must keep every one.
DEFAULT_SETTINGS = {
    "seed": 0,
    "steps": 2400,
    "batch_size": 16,
    "lr": 1e-3,
    "warmup_steps": 150,
    "final_lr_fraction": 0.05,
    "weight_decay": 0.01,
    "timestamp_share": 0.35,
    "ctc_weight": 0.2,
    "frame_weight": 0.5,
    "mask_share": 0.5,
    "max_mask_bins": 8,
}


def learning_rate(settings, step):
    """Linear warm-up, then a cosine from lr down to final_lr_fraction * lr."""
    warm = min(1.0, (step + 1) / settings["warmup_steps"])
    progress = min(step / settings["steps"], 1.0)
    floor = settings["final_lr_fraction"]
    cosine = floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
    return settings["lr"] * warm * cosine


def losses(model, heads, data, batch):
    """Decoder cross-entropy and the two auxiliary encoder losses."""
    mels, inputs, targets, picked = batch
    audio = model.encoder(mels)
    logits = model.decoder(inputs, audio)
    decoder = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORED)

    log_probs = heads.ctc(audio).log_softmax(-1).transpose(0, 1)
    flat_words, word_counts = ctc_targets([data.words[i] for i in picked])
    positions = torch.full((len(picked),), audio.shape[1], dtype=torch.long)
    ctc = F.ctc_loss(log_probs, flat_words, positions, word_counts, zero_infinity=True)

    labels = np.stack([
        frame_labels(data.words[i], data.start_s[i], data.end_s[i], audio.shape[1])
        for i in picked
    ])
    frame = F.cross_entropy(heads.frame(audio).flatten(0, 1),
                            torch.from_numpy(labels).flatten())
    return decoder, ctc, frame


def make_optimizer(model, heads, settings):
    """AdamW; no weight decay on biases, norms and positional embeddings."""
    decayed, kept = [], []
    for module in (model, heads):
        for name, parameter in module.named_parameters():
            plain_matrix = parameter.dim() >= 2 and "positional" not in name
            (decayed if plain_matrix else kept).append(parameter)

    groups = [
        {"params": decayed, "weight_decay": settings["weight_decay"]},
        {"params": kept, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=settings["lr"], betas=(0.9, 0.98), eps=1e-8)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", required=True, help=".npz from synthesize.py")
    parser.add_argument("--test", help=".npz for the greedy accuracy printed while training")
    parser.add_argument("--out", required=True, help="checkpoint to write")
    parser.add_argument("--resume", help="continue this checkpoint exactly")
    parser.add_argument("--init-from",
                        help="start from the weights of this checkpoint or ggml .bin")
    parser.add_argument("--stop-at", type=int, help="stop after this step (schedule unchanged)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--save-every", type=int, default=100, help="steps (default 100)")
    parser.add_argument("--eval-every", type=int, default=250, help="steps (default 250)")
    parser.add_argument("--log-every", type=int, default=25, help="steps (default 25)")
    for key, value in DEFAULT_SETTINGS.items():
        parser.add_argument("--" + key.replace("_", "-"), type=type(value),
                            help=f"default {value}")
    return parser.parse_args()


def settle_settings(args, resumed):
    """Defaults, then the command line; on resume, the checkpoint's.

    A resumed run keeps every stored setting. One given again on the command
    line must repeat the stored value: even a longer --steps would stretch
    the schedule under the steps already taken.
    """
    given = {key: getattr(args, key) for key in DEFAULT_SETTINGS
             if getattr(args, key) is not None}
    if resumed is None:
        return {**DEFAULT_SETTINGS, **given}

    stored = resumed["settings"]
    changed = {key: (stored[key], value) for key, value in given.items()
               if stored[key] != value}
    if changed:
        described = ", ".join(f"--{k.replace('_', '-')}: checkpoint {old}, given {new}"
                              for k, (old, new) in changed.items())
        raise SystemExit(f"--resume keeps the checkpoint's settings; these differ: {described}")
    return stored


def build(settings, shape, args, data, resumed):
    """Model, heads, optimizer and generator: fresh, resumed or initialised."""
    torch.manual_seed(settings["seed"])
    rng = np.random.default_rng(settings["seed"])
    model = Whisper(shape)
    heads = AuxiliaryHeads(shape)

    if args.init_from and args.init_from.endswith(".bin"):
        # A shipped model carries no auxiliary heads; they start afresh.
        model.load_state_dict(whisper_from_ggml(args.init_from)[0].state_dict())
    elif args.init_from:
        source = checkpoint.load(args.init_from)
        model.load_state_dict(source["model"])
        heads.load_state_dict(source["heads"])
    optimizer = make_optimizer(model, heads, settings)

    step, smoothed_loss = 0, None
    if resumed is not None:
        if resumed["data"] != data.fingerprint:
            raise SystemExit(f"{args.train} is not the training set {args.resume} was trained on")
        step = checkpoint.restore(resumed, model=model, heads=heads,
                                  optimizer=optimizer, rng=rng)
        smoothed_loss = resumed["smoothed_loss"]
    return model, heads, optimizer, rng, step, smoothed_loss


def train_step(model, heads, optimizer, rng, data, settings, step):
    lr = learning_rate(settings, step)
    for group in optimizer.param_groups:
        group["lr"] = lr

    batch = draw_batch(rng, data, settings)
    decoder, ctc, frame = losses(model, heads, data, batch)
    total = decoder + settings["ctc_weight"] * ctc + settings["frame_weight"] * frame

    optimizer.zero_grad(set_to_none=True)
    total.backward()
    torch.nn.utils.clip_grad_norm_([*model.parameters(), *heads.parameters()], 1.0)
    optimizer.step()
    return lr, total.item(), decoder.item(), ctc.item(), frame.item()


def main():
    args = parse_args()
    if args.resume and args.init_from:
        raise SystemExit("--resume and --init-from exclude each other")
    torch.set_num_threads(args.threads)

    resumed = checkpoint.load(args.resume) if args.resume else None
    settings = settle_settings(args, resumed)
    shape = ModelShape(**resumed["shape"]) if resumed else ModelShape()
    data = TrainingSet(args.train, shape.n_mel_frames)
    test = np.load(args.test) if args.test else None
    model, heads, optimizer, rng, step, smoothed = build(settings, shape, args, data, resumed)

    def save():
        checkpoint.save(args.out, shape=shape, settings=settings,
                        fingerprint=data.fingerprint, step=step, model=model,
                        heads=heads, optimizer=optimizer, rng=rng,
                        smoothed_loss=smoothed)

    def report_accuracy(label, count):
        if test is not None:
            accuracy = greedy_accuracy(model, test, shape, count)
            print(f"{label} step {step}: greedy {accuracy.summary()}", flush=True)

    last_step = min(settings["steps"], args.stop_at or settings["steps"])
    print(f"{len(data)} utterances, step {step} -> {last_step} of {settings['steps']}, "
          f"settings {settings}", flush=True)
    began = time.time()
    first_step = step

    while step < last_step:
        lr, total, decoder, ctc, frame = train_step(
            model, heads, optimizer, rng, data, settings, step)
        step += 1
        smoothed = total if smoothed is None else 0.95 * smoothed + 0.05 * total

        if step % args.log_every == 0 or step == last_step:
            per_step = (time.time() - began) / (step - first_step)
            print(f"step {step} lr {lr:.2e} loss {total:.4f} (decoder {decoder:.4f} "
                  f"ctc {ctc:.3f} frame {frame:.3f}) smoothed {smoothed:.4f} "
                  f"{per_step:.2f} s/step", flush=True)
        if step % args.save_every == 0:
            save()
        if step % args.eval_every == 0 and step < last_step:
            report_accuracy("eval", 96)

    save()
    report_accuracy("final", None)


if __name__ == "__main__":
    main()
