"""Word accuracy: 1 - (substitutions + deletions + insertions) / reference words."""
import re


def edit_distance(reference, hypothesis):
    """Levenshtein distance between two word lists."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (ref_word != hyp_word),
            ))
        previous = current
    return previous[-1]


def normalise(text):
    """Lowercase words, punctuation dropped, as references are written."""
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


class Tally:
    """Running word and utterance counts for one group of utterances."""

    def __init__(self):
        self.words = 0
        self.errors = 0
        self.utterances = 0
        self.exact = 0

    def add(self, reference, hypothesis):
        self.words += len(reference)
        self.errors += edit_distance(reference, hypothesis)
        self.utterances += 1
        self.exact += reference == hypothesis

    def word_accuracy(self):
        return 1.0 - self.errors / max(self.words, 1)

    def exact_share(self):
        return self.exact / max(self.utterances, 1)

    def summary(self):
        return (f"word_acc={self.word_accuracy():.4f} exact={self.exact_share():.4f} "
                f"({self.utterances} utterances, {self.words} words)")
