"""A checker of the words the models wrote: does every stage's JSON read as meant for a viewer?

It reads the hand-offs only (analysis, scene plan, shot list), so it judges any model the same
way: fragments (a phrase field of fewer than two words, leading or trailing punctuation, a lyric
line or a run of 5 lyric words copied), prompts that repeat inside a scene, prompts missing a
subject, a setting, a shot size or the light, a scene set where the scene before it was, words that
contradict each other (agreement.py: sun at midnight, a strobe in a wheat field, rain indoors, a
forest inside a diner), and how much of what was written comes from this song rather than another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, Field

from schemas.analysis import SongAnalysis
from schemas.scenes import ScenePlan
from schemas.shots import ShotList
from songflow.words.agreement import clashes, light_clash
from songflow.words.vocab import content_words, words

MIN_PROMPT_WORDS = 8
COPY_RUN = 5  # this many lyric words in a row is a copied line, not an image
MAX_REPEATED_SHARE = 0.10
# Words a phrase cannot end on: it was cut off mid-line ("stay, my").
DANGLING = frozenset(
    "a an the my your his her its our their this that and or but nor of in on at to for from with into onto by "
    "as than i we you he she they is are was were be".split()
)

# How a prompt names its framing and its light (any model's wording, not only our vocabulary).
SHOT_SIZE = re.compile(
    r"\b(shot|close-?ups?|closeup|wide|aerial|overhead|bird's-eye|long shot|full shot|portrait|"
    r"two-shot|establishing|panorama|panoramic|macro|low[- ]angle|high[- ]angle|framing|framed)\b",
    re.I,
)
LIGHT = re.compile(
    r"\b(light|lights|lit|lighting|glow|glowing|sunlight|moonlight|sunlit|moonlit|neon|shadows?|"
    r"dawn|dusk|sunset|sunrise|twilight|golden hour|blue hour|noon|candlelight|firelight|lamp|"
    r"lamplight|backlit|backlight|haze|hazy|overcast|daylight|silhouetted|strobe|bright|dim|dark)\b",
    re.I,
)


class Problem(BaseModel):
    where: str = Field(description="Which field, e.g. 'shots[3].prompt'.")
    text: str
    why: str


class Overlap(BaseModel):
    """Share of the content words written (settings, subjects, prompts) found in a reference text."""

    own: float = Field(description="Share found in this song's lyrics and imagery.")
    other: float | None = Field(None, description="Share found in another song's lyrics, when given.")


class WordReport(BaseModel):
    fragments: list[Problem]
    prompt_problems: list[Problem]
    repeated_prompts: int
    shots: int
    repeated_share: float
    setting_repeats: list[Problem]
    contradictions: list[Problem] = Field(default_factory=list)
    overlap: Overlap
    passed: bool
    failures: list[str]


def _norm(text: str) -> str:
    return " ".join(words(text))


def _lyric_runs(lines: Iterable[str], n: int = COPY_RUN) -> set[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for line in lines:
        w = words(line)
        runs |= {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}
    return runs


def phrase_problem(text: str, lyric_lines: set[str], runs: set[tuple[str, ...]], *, sentence: bool = False) -> str | None:
    """Why `text` is not a phrase for a viewer, or None. A `sentence` may end with a full stop."""
    stripped = text.strip()
    letters = [w for w in words(stripped) if re.search(r"[a-z]", w)]
    if len(letters) < 2:
        return "fewer than two words"
    if not re.match(r"[A-Za-z0-9\"'(]", stripped):
        return "leading punctuation"
    body = stripped[:-1] if sentence and stripped.endswith((".", "!")) else stripped
    if not re.search(r"[A-Za-z0-9)\"']$", body):
        return "trailing punctuation"
    if _norm(stripped) in lyric_lines:
        return "a lyric line"
    w = words(stripped)
    if any(tuple(w[i : i + COPY_RUN]) in runs for i in range(len(w) - COPY_RUN + 1)):
        return f"{COPY_RUN} or more words copied from the lyrics"
    if letters[-1] in DANGLING:
        return f"ends on {letters[-1]!r}"
    return None


def _phrases(analysis: SongAnalysis, plan: ScenePlan) -> list[tuple[str, str]]:
    interp = analysis.interpretation
    out = [("analysis.mood", interp.mood)]
    if interp.genre:
        out.append(("analysis.genre", interp.genre))
    out += [(f"analysis.themes[{i}]", t) for i, t in enumerate(interp.themes)]
    out += [(f"analysis.imagery[{i}]", t) for i, t in enumerate(interp.imagery)]
    out += [(f"analysis.sections[{i}].description", n.description) for i, n in enumerate(interp.sections)]
    style = plan.style
    out += [("plan.style.medium", style.medium), ("plan.style.lighting", style.lighting), ("plan.style.recurring_motif", style.recurring_motif)]
    for s in plan.scenes:
        out += [(f"plan.scenes[{s.index}].setting", s.setting), (f"plan.scenes[{s.index}].subject", s.subject)]
        if s.light:
            out.append((f"plan.scenes[{s.index}].light", s.light))
    return out


def written_words(plan: ScenePlan, shots: ShotList) -> set[str]:
    """Content words of the settings, subjects and shot prompts."""
    text = " ".join([s.setting + " " + s.subject for s in plan.scenes] + [s.prompt for s in shots.shots])
    return content_words(text)


def overlap_share(written: set[str], reference: str) -> float:
    """Share of `written` content words that occur in `reference`."""
    ref = content_words(reference)
    return len(written & ref) / len(written) if written else 0.0


def check_words(analysis: SongAnalysis, plan: ScenePlan, shots: ShotList, *, other_lyrics: str | None = None) -> WordReport:
    """Every check above on one song's hand-offs; `other_lyrics` adds the other-song overlap."""
    lines = [line.text for line in analysis.lyrics]
    lyric_lines = {_norm(t) for t in lines}
    runs = _lyric_runs(lines)
    fragments = []
    for where, text in _phrases(analysis, plan):
        why = phrase_problem(text, lyric_lines, runs)
        if why:
            fragments.append(Problem(where=where, text=text, why=why))
    prompt_problems = []
    for shot in shots.shots:
        where = f"shots[{shot.index}].prompt"
        why = phrase_problem(shot.prompt, lyric_lines, runs, sentence=True)
        if why:
            fragments.append(Problem(where=where, text=shot.prompt, why=why))
        n_words = len(words(shot.prompt))
        have = content_words(shot.prompt)
        missing = []
        if n_words < MIN_PROMPT_WORDS:
            missing.append(f"{n_words} words (< {MIN_PROMPT_WORDS})")
        if not content_words(shot.subject) & have:
            missing.append(f"no subject ({shot.subject!r})")
        if not content_words(shot.setting) & have:
            missing.append(f"no setting ({shot.setting!r})")
        if not SHOT_SIZE.search(shot.prompt):
            missing.append("no shot size")
        if not LIGHT.search(shot.prompt):
            missing.append("no light")
        if missing:
            prompt_problems.append(Problem(where=where, text=shot.prompt, why="; ".join(missing)))
    seen: dict[tuple[int, str], int] = {}
    repeated = 0
    for shot in shots.shots:
        key = (shot.scene_index, _norm(shot.prompt))
        repeated += key in seen
        seen.setdefault(key, shot.index)
    setting_repeats = [
        Problem(where=f"plan.scenes[{b.index}].setting", text=b.setting, why=f"same setting as scene {a.index}")
        for a, b in zip(plan.scenes, plan.scenes[1:])
        if _norm(a.setting) == _norm(b.setting)
    ]
    contradictions = contradictions_in(plan, shots)
    written = written_words(plan, shots)
    own_text = " ".join(lines + list(analysis.interpretation.imagery) + [analysis.title])
    overlap = Overlap(
        own=round(overlap_share(written, own_text), 3),
        other=round(overlap_share(written, other_lyrics), 3) if other_lyrics is not None else None,
    )
    share = repeated / len(shots.shots)
    failures = []
    if fragments:
        failures.append(f"{len(fragments)} fragments, first {fragments[0].where}: {fragments[0].text!r} ({fragments[0].why})")
    if prompt_problems:
        failures.append(f"{len(prompt_problems)} prompts lack parts, first {prompt_problems[0].where}: {prompt_problems[0].why}")
    if share > MAX_REPEATED_SHARE:
        failures.append(f"{share:.0%} of prompts repeat within their scene (limit {MAX_REPEATED_SHARE:.0%})")
    if setting_repeats:
        failures.append(f"{len(setting_repeats)} scenes keep the setting of the scene before")
    if contradictions:
        first = contradictions[0]
        failures.append(f"{len(contradictions)} contradictions, first {first.where}: {first.text!r} ({first.why})")
    return WordReport(
        fragments=fragments,
        prompt_problems=prompt_problems,
        repeated_prompts=repeated,
        shots=len(shots.shots),
        repeated_share=round(share, 3),
        setting_repeats=setting_repeats,
        contradictions=contradictions,
        overlap=overlap,
        passed=not failures,
        failures=failures,
    )


def contradictions_in(plan: ScenePlan, shots: ShotList) -> list[Problem]:
    """Each scene's setting against its subject, its light and the style's lighting; each shot's
    setting against its subject and what its prompt says of the light."""
    out = []
    for s in plan.scenes:
        where = f"plan.scenes[{s.index}]"
        for why in clashes(s.setting, s.subject, s.light or ""):
            out.append(Problem(where=where, text=f"{s.subject} in {s.setting}" + (f", {s.light}" if s.light else ""), why=why))
        why = light_clash(plan.style.lighting, s.setting)
        if why:
            out.append(Problem(where=f"plan.style.lighting / {where}", text=f"{plan.style.lighting} for {s.setting}", why=why))
    for shot in shots.shots:
        # What a prompt puts in front of its setting is in it ("a singer and the forest in an empty diner").
        shown = shot.prompt.split(shot.setting, 1)[0] if shot.setting in shot.prompt else shot.subject
        found = clashes(shot.setting, shown) + [w for w in [light_clash(shot.prompt, shot.setting, lamps=False)] if w]
        out += [Problem(where=f"shots[{shot.index}].prompt", text=shot.prompt, why=why) for why in found]
    return out
