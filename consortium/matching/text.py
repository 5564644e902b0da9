"""Text relevance: TF-IDF over tender texts, with the words two texts share.

    model = TextModel.build(tender_texts)
    score, words = model.similarity(model.vector(partner_text), model.vector(tender_text))

Words are lower-cased, common words dropped, and reduced to a crude stem so "counselling",
"counsellor" and "counsel" meet. Pure Python; the ranking engine uses the same vocabulary and
weights in sparse matrices.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

_WORD = re.compile(r"[a-z]+")
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "across",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "etc",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "may",
        "me",
        "might",
        "more",
        "most",
        "must",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "per",
        "same",
        "shall",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "you",
        "your",
        "yours",
        "service",
        "services",
        "provide",
        "provision",
        "provider",
        "providers",
        "deliver",
        "delivery",
        "delivering",
        "contract",
        "contracts",
        "contracting",
        "council",
        "councils",
        "authority",
        "tender",
        "tenders",
        "tendering",
        "procurement",
        "lot",
        "lots",
        "including",
        "include",
        "includes",
        "new",
        "requirement",
        "requirements",
        "opportunity",
        "support",
        "supporting",
        "based",
        "across",
        "ltd",
        "limited",
        "uk",
        "local",
        "area",
        "areas",
        "people",
    ]
)
_SUFFIXES = (
    "ational",
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "ness",
    "ities",
    "ity",
    "ies",
    "ied",
    "ers",
    "er",
    "ors",
    "or",
    "ed",
    "es",
    "s",
    "ly",
    "al",
)


@lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    """A deliberately crude stem: enough for 'counselling' ~ 'counsellor' ~ 'counsel'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word[-1] == word[-2]:  # counsell -> counsel
        word = word[:-1]
    return word


# Bytes that are not a-z become spaces: the words of the UTF-8 bytes of a lower-cased text
# are exactly _WORD's matches in it (a non-ASCII character, every byte of it 0x80 or above,
# parts words as it does in the pattern), found several times faster.
_NOT_LETTERS = bytes(b if 97 <= b <= 122 else 32 for b in range(256))


class _Tokens(dict):
    """A word (as bytes) -> its stem, or "" for a word that is no token (a common word, or two
    letters or fewer): each word is worked out once, then looked up."""

    def __missing__(self, word: bytes) -> str:
        text = word.decode("ascii")
        found = "" if text in STOPWORDS or len(text) <= 2 else stem(text)
        if len(self) < 500_000:
            self[word] = found
        return found


_TOKEN_OF = _Tokens()


def _words(text: str) -> list[bytes]:
    return text.lower().encode("utf-8", "surrogatepass").translate(_NOT_LETTERS).split()


def tokens(text: str) -> list[str]:
    return list(filter(None, map(_TOKEN_OF.__getitem__, _words(text))))


def counts(text: str) -> Counter:
    """How often each token occurs in ``text``, in the order the tokens first occur."""
    found = Counter(map(_TOKEN_OF.__getitem__, _words(text)))
    found.pop("", None)
    return found


_TF = [0.0] + [1 + math.log(c) for c in range(1, 64)]


def tf(count: int) -> float:
    """The sub-linear term frequency of a token that occurs ``count`` times."""
    return _TF[count] if count < 64 else 1 + math.log(count)


@dataclass
class TextModel:
    """Inverse document frequencies learnt from a corpus (the tenders), plus a display word for
    each stem so explanations show real words."""

    documents: int = 0
    df: Counter = field(default_factory=Counter)
    display: dict[str, str] = field(default_factory=dict)
    _vectors: dict[str, dict[str, float]] = field(default_factory=dict, repr=False, compare=False)
    _idf: dict[str, float] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, texts: Iterable[str]) -> TextModel:
        model = cls()
        for text in texts:
            model.documents += 1
            seen = set()
            for word in _WORD.findall(text.lower()):
                if word in STOPWORDS or len(word) <= 2:
                    continue
                s = stem(word)
                seen.add(s)
                if s not in model.display or len(word) < len(model.display[s]):
                    model.display[s] = word
            model.df.update(seen)
        return model

    def idf(self, term: str) -> float:
        found = self._idf.get(term)
        if found is None:  # remembered: ranking thousands of tenders asks for each word often
            found = self._idf[term] = (
                math.log((self.documents + 1) / (self.df.get(term, 0) + 1)) + 1.0
            )
        return found

    def vector(self, text: str) -> dict[str, float]:
        """Unit-length TF-IDF vector (sub-linear term frequency); remembered per text, since the
        same tender texts are scored again and again."""
        found = self._vectors.get(text)
        if found is not None:
            return found
        idf = self._idf
        found_counts = counts(text)
        for term in [t for t in found_counts if t not in idf]:
            self.idf(term)
        weights = {t: tf(c) * idf[t] for t, c in found_counts.items()}
        norm = math.sqrt(sum([w * w for w in weights.values()])) or 1.0
        vector = {t: w / norm for t, w in weights.items()}
        if len(self._vectors) > 300_000:
            self._vectors.clear()
        self._vectors[text] = vector
        return vector

    def similarity(
        self, a: dict[str, float], b: dict[str, float], top: int = 6
    ) -> tuple[float, list[str]]:
        """Cosine similarity and the shared words that contribute most, most first."""
        if len(a) > len(b):
            a, b = b, a
        shared = [(a[t] * b[t], t) for t in a if t in b]
        shared.sort(key=lambda pair: (-pair[0], pair[1]))
        score = sum(value for value, _ in shared)
        return min(score, 1.0), [self.display.get(t, t) for _, t in shared[:top]]
