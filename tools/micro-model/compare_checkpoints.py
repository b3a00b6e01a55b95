#!/usr/bin/python3
"""Says whether two train.py checkpoints hold exactly the same state.

  /usr/bin/python3 compare_checkpoints.py data/straight.pt data/resumed.pt

Used to confirm that a resumed run equals an uninterrupted one: every
tensor, optimizer moment, generator state and setting must match bit for
bit. Exits 1 and names the first differing entries otherwise.
"""
import sys

import torch


def differences(a, b, where=""):
    """Paths at which two nested checkpoint values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where or '/'}: keys {sorted(set(a) ^ set(b))}"]
        return [d for key in a for d in differences(a[key], b[key], f"{where}/{key}")]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [f"{where}: lengths {len(a)} and {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}/{i}")]
    if torch.is_tensor(a) and torch.is_tensor(b):
        return [] if torch.equal(a, b) else [f"{where}: tensors differ"]
    return [] if a == b else [f"{where}: {a!r} and {b!r}"]


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    first, second = (torch.load(path, map_location="cpu") for path in sys.argv[1:])

    found = differences(first, second)
    if found:
        print(f"differ in {len(found)} places, e.g.:", *found[:10], sep="\n  ")
        sys.exit(1)
    print(f"identical: step {first['step']}, smoothed loss {first['smoothed_loss']!r}")


if __name__ == "__main__":
    main()
