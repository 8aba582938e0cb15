"""French and English texts of realistic length, from the shipped word lists.

Words are drawn with Zipf frequencies (a few very common, a long tail) into pools of
sentences and title halves, rendered in both languages from the same word indices: the
English of a text is its "translation". A text is a few pooled pieces joined, so millions
of distinct texts cost one `str.join` each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.synth.words import WORDS

if TYPE_CHECKING:
    from api.synth.spec import SynthSpec

SENTENCES = 8192
"""Sentences per pool: 8 to 12 words, capitalised, ending with a full stop; a text is 2 to 5 of them."""
HALVES = 4096
"""Title halves per pool: 4 to 7 words; a title is two of them (8 to 14 words)."""
LANGUAGES = ("fr", "en")


class TextPools:
    """Sentence and title-half pools, in French (index 0) and English (index 1)."""

    def __init__(self, spec: SynthSpec) -> None:
        import numpy as np

        rng = spec.rng("texts")
        ranks = np.arange(1, len(WORDS) + 1, dtype=np.float64)
        weights = 1.0 / ranks
        weights /= weights.sum()
        self.sentences: tuple[list[str], list[str]] = ([], [])
        self.halves: tuple[list[str], list[str]] = ([], [])
        self.title_starts: tuple[list[str], list[str]] = ([], [])
        for count, low, high, target in ((SENTENCES, 8, 13, self.sentences), (HALVES, 4, 8, self.halves)):
            lengths = rng.integers(low, high, size=count)
            picks = rng.choice(len(WORDS), size=int(lengths.sum()), p=weights).tolist()
            at = 0
            for length in lengths.tolist():
                indices = picks[at : at + length]
                at += length
                for lang in (0, 1):
                    text = " ".join(WORDS[i][lang] for i in indices)
                    target[lang].append(_capitalised(text) + "." if target is self.sentences else text)
        for lang in (0, 1):
            self.title_starts[lang].extend(_capitalised(h) for h in self.halves[lang])

    def title(self, lang: int, a: int, b: int) -> str:
        return f"{self.title_starts[lang][a]} {self.halves[lang][b]}"

    def text(self, lang: int, picks: list[int]) -> str:
        pool = self.sentences[lang]
        return " ".join([pool[i] for i in picks])


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
