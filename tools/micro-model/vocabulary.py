"""The words the micro model knows and the token ids whisper.cpp expects.

whisper.cpp 1.9.1 derives its special-token ids from n_vocab alone. With the
English-only n_vocab of 51864 they sit at fixed ids (end of text 50256, start
of transcript 50257, ...), so the file only has to carry the 50256 ordinary
tokens; the loader invents names for the rest.

The ordinary tokens are laid out as follows:
  0-255    the 256 single bytes in GPT-2 order. whisper.cpp looks up the
           token " " (id 220) while sampling and aborts when it is missing;
           with every byte present it can also tokenise any prompt.
  256-335  each word twice: " word" (what the model emits, since whisper
           separates words by a leading space) at 256 + 2i, and "word" at
           257 + 2i, i being the word's place in WORDS.
  336-     filler tokens with unique names, up to 50255.
"""

WORDS = (
    "zero", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine",
    "start", "stop", "yes", "no", "hello",
    "world", "red", "green", "blue", "yellow",
    "white", "black", "left", "right", "up",
    "down", "go", "on", "off", "open",
    "close", "play", "pause", "next", "back",
    "light", "music", "call", "home", "help",
)

ENGLISH_N_VOCAB = 51864
N_ORDINARY_TOKENS = 50256
FIRST_WORD_TOKEN = 256

# Special ids of an English-only model, as whisper.cpp assigns them.
END_OF_TEXT = 50256
START_OF_TRANSCRIPT = 50257
NO_TIMESTAMPS = 50362
FIRST_TIMESTAMP = 50363  # <|0.00|>; each later id adds 20 ms

SECONDS_PER_TIMESTAMP = 0.02


def spoken_token(word):
    """The id of " word", the token the model emits for a word."""
    return FIRST_WORD_TOKEN + 2 * WORDS.index(word)


def word_of_token():
    """Maps each spoken-word token id back to its word."""
    return {spoken_token(word): word for word in WORDS}


def gpt2_byte_order():
    """The 256 byte values in the order GPT-2's byte-level BPE numbers them.

    Printable bytes come first in three ranges; the rest follow in
    ascending order, so the space (0x20) lands on id 220.
    """
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(0xA1, 0xAC + 1),
        *range(0xAE, 0xFF + 1),
    ]
    others = [b for b in range(256) if b not in printable]
    return printable + others


def ordinary_tokens():
    """The byte strings of ids 0 .. 50255, as written into the model file."""
    tokens = [bytes([value]) for value in gpt2_byte_order()]

    for word in WORDS:
        tokens.append(b" " + word.encode())
        tokens.append(word.encode())

    while len(tokens) < N_ORDINARY_TOKENS:
        tokens.append(b"<x%d>" % len(tokens))

    if len(set(tokens)) != len(tokens):
        raise ValueError("two tokens share a spelling; whisper.cpp would merge them")
    return tokens
