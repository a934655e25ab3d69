"""Choosing instead of writing: a small base model ranks options by likelihood; code writes the words.

The prompt is a plain document the model continues (a treatment sheet: "Mood of the song:"), not a
chat. Each option is scored by its log-probability after the document minus its log-probability
after the question alone (domain-conditional PMI), so an option wins because the song makes it
likely, not because it is a common phrase. Models without likelihoods pick one option per call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

from backends.base import TextModel

log = logging.getLogger(__name__)

ARTICLE = re.compile(r"^(the|an|a) ")


class Chooser:
    """Asks `model` about one document: `pick` continues it with each field's question."""

    def __init__(self, model: TextModel, document: str, *, seed: int = 0):
        self.model = model
        self.document = document.rstrip() + "\n"
        self.seed = seed

    def ranked(self, question: str, options: Sequence[str], *, exclude: Sequence[str] = ()) -> list[str]:
        """All `options` (less `exclude`), best first."""
        options = list(dict.fromkeys(o for o in options if o not in set(exclude))) or list(options)
        if len(options) == 1:
            return options
        spaced = [" " + o for o in options]
        if not self.model.scores_likelihood:
            return self._ranked_by_picks(question, options)
        scores = self.model.score_options(self.document + question, spaced, seed=self.seed)
        priors = _PRIORS.setdefault((self.model.id, question), {})
        missing = [o for o in spaced if o not in priors]
        if missing:
            priors.update(zip(missing, self.model.score_options(question, missing, seed=self.seed)))
        prior = [priors[o] for o in spaced]
        order = sorted(range(len(options)), key=lambda i: scores[i] - prior[i], reverse=True)
        return [options[i] for i in order]

    def _ranked_by_picks(self, question: str, options: list[str]) -> list[str]:
        """A model that only picks: its pick first, the rest in the given order."""
        scores = self.model.score_options(self.document + question, options, seed=self.seed)
        best = max(range(len(options)), key=lambda i: scores[i])
        return [options[best]] + [o for i, o in enumerate(options) if i != best]

    def pick(self, question: str, options: Sequence[str], *, exclude: Sequence[str] = ()) -> str:
        """The best of `options` (less `exclude`)."""
        return self.ranked(question, options, exclude=exclude)[0]

    def pick_phrase(self, question: str, phrases: Mapping[str, str] | Sequence[str], *, exclude: Sequence[str] = ()) -> str:
        """The best phrase, scored by a short key: a mapping's keys, or each phrase without its
        article ("the bay" is scored as "bay"). Keys that start differently are told apart by
        their first token, which is what makes a question cheap."""
        if not isinstance(phrases, Mapping):
            phrases = {ARTICLE.sub("", p): p for p in phrases}
        keys = [k for k, v in phrases.items() if v not in set(exclude)] or list(phrases)
        return phrases[self.pick(question, keys)]

    def top(self, question: str, options: Sequence[str], k: int) -> list[str]:
        """The `k` best of `options`."""
        return self.ranked(question, options)[:k]


# Priors (an option's score after the question alone) depend only on the model, question and option.
_PRIORS: dict[tuple[str, str], dict[str, float]] = {}


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
