"""Stage 4: a verdict per keyframe against its prompt; failed shots are re-rendered with new seeds.

Evidence depends on the model: a vision model sees the image itself; a text-only model (the
embedded default) reads measurements taken here from the pixels. The report says which was used.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from backends.base import TextModel
from backends.structured import generate_structured
from renderers.base import COMPOSITION_WORDS, drawing_of, try_of
from renderers.drawing.camera import ANCHOR_X
from renderers.drawing.canvas import hex_rgb
from schemas.qa import Check, Evidence, KeyframeVerdict, PromptRewrite, QAAttempt, QAReport, SeenVerdict, ShotQA
from schemas.clips import FrameReview
from schemas.scenes import COLOUR_NAMES
from renderers.safety import SafetyGate
from schemas.shots import PROMPT_LENGTH, Shot, ShotList
from songflow.core.config import ModelConfig, QAConfig
from songflow.words.choose import Chooser
from stages._prompts import render_prompt, render_text

log = logging.getLogger(__name__)

# Thresholds of the measured checks (pixel values 0-255, distances 0-1).
MIN_CONTRAST = 12.0
LUMA_RANGE = (20.0, 235.0)
MAX_PALETTE_DISTANCE = 0.25
MIN_COLOUR_SHARE = 0.005  # a colour covering less of the frame than this is not one of its colours
MIN_DIFF_FROM_PREVIOUS = 4.0
MAX_PLACEMENT_OFFSET = 0.3


def measure_keyframe(path: Path, shot: Shot, previous: Path | None) -> Evidence:
    """Exposure, contrast, colourfulness, palette match, near-duplicate and subject placement."""
    img = Image.open(path).convert("RGB")
    rgb = np.asarray(img, dtype=np.float32)
    luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    mean_luma, contrast = float(luma.mean()), float(luma.std())
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    colorfulness = float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))
    # Dominant colours (median cut), for the record; the palette check itself asks, for each planned
    # colour, how close the nearest MIN_COLOUR_SHARE of the pixels come to it: a colour that is
    # painted anywhere in a visible patch (a moon, lit windows, a band of sky) is in the picture.
    small = img.resize((160, 90))
    quant = small.quantize(colors=8, method=Image.Quantize.MEDIANCUT)
    pal = np.array(quant.getpalette(), dtype=np.float32).reshape(-1, 3)
    counts = np.bincount(np.asarray(quant).ravel(), minlength=len(pal))[: len(pal)]
    dominant = pal[: len(counts)][counts > 0.01 * counts.sum()]
    pixels = np.asarray(small, dtype=np.float32).reshape(-1, 3)
    planned = np.stack([hex_rgb(c) for c in shot.palette])
    dist = np.quantile(np.linalg.norm(pixels[None, :, :] - planned[:, None, :], axis=2), MIN_COLOUR_SHARE, axis=1) / np.sqrt(3 * 255**2)
    palette_distance = float(dist.mean())
    # Where the eye goes: centroid of deviation from the median brightness.
    weight = np.abs(luma - np.median(luma))
    xs = np.arange(luma.shape[1], dtype=np.float32) / luma.shape[1]
    salience_x = float((weight.sum(axis=0) * xs).sum() / (weight.sum() + 1e-9))
    anchor_x = ANCHOR_X[shot.composition]
    measurements: dict[str, float | str] = {
        "mean_luma": round(mean_luma, 1),
        "contrast": round(contrast, 1),
        "colorfulness": round(colorfulness, 1),
        "palette_distance": round(palette_distance, 3),
        "dominant_colors": " ".join("#%02x%02x%02x" % tuple(int(v) for v in c) for c in dominant[:5]),
        "salience_x": round(salience_x, 3),
        "planned_anchor_x": anchor_x,
    }
    checks = [
        Check(name="not_blank", value=contrast, threshold=MIN_CONTRAST, passed=contrast >= MIN_CONTRAST),
        Check(name="exposure_low", value=mean_luma, threshold=LUMA_RANGE[0], passed=mean_luma >= LUMA_RANGE[0]),
        Check(name="exposure_high", value=mean_luma, threshold=LUMA_RANGE[1], passed=mean_luma <= LUMA_RANGE[1]),
        Check(name="palette_match", value=palette_distance, threshold=MAX_PALETTE_DISTANCE, passed=palette_distance <= MAX_PALETTE_DISTANCE),
    ]
    # What the renderer says it drew, next to what the shot asked for: a subject it can draw that
    # is not in the picture is a reason to draw again; a word it has no drawing for is only
    # reported (a redraw would draw the same).
    drawing = drawing_of(path)
    # Where the subject is: where the renderer's drawn pixels of it are centred, when it records
    # them; else where the eye goes (the salience centroid above), which finds a subject that stands
    # out from its ground.
    if drawing is not None and drawing.subject_x is not None:
        measurements["subject_x"] = drawing.subject_x
        placed = drawing.subject_x
    else:
        placed = salience_x
    checks.append(Check(name="subject_placement", value=abs(placed - anchor_x), threshold=MAX_PLACEMENT_OFFSET,
                        passed=abs(placed - anchor_x) <= MAX_PLACEMENT_OFFSET))
    if drawing is not None:
        missing = drawing.missing
        measurements["subject_cover"] = drawing.subject_cover
        if drawing.fallbacks:
            measurements["no_drawing_for"] = ", ".join(drawing.fallbacks)
        checks.append(Check(name="subject_drawn", value=len(missing), threshold=0, passed=not missing))
    if previous is not None:
        thumb = lambda p: np.asarray(Image.open(p).convert("L").resize((64, 36)), dtype=np.float32)  # noqa: E731
        diff = float(np.abs(thumb(path) - thumb(previous)).mean())
        measurements["diff_from_previous"] = round(diff, 2)
        checks.append(Check(name="not_duplicate", value=diff, threshold=MIN_DIFF_FROM_PREVIOUS, passed=diff >= MIN_DIFF_FROM_PREVIOUS))
    return Evidence(kind="image-statistics", measurements=measurements, checks=checks, drawing=drawing)


def _evidence_text(evidence: Evidence) -> str:
    rows = [f"- {k}: {v}" for k, v in evidence.measurements.items()]
    rows += [f"- check {c.name}: {'pass' if c.passed else 'FAIL'} (value {c.value:.2f}, threshold {c.threshold})" for c in evidence.checks]
    if evidence.drawing is not None:
        rows.append(f"- asked vs drawn: {evidence.drawing.summary()}")
    return "\n".join(rows)


def judge_keyframe(
    shot: Shot, image: Path, previous: Path | None, model: TextModel, cfg: QAConfig, model_cfg: ModelConfig, attempt: int
) -> tuple[Evidence, KeyframeVerdict]:
    """The model's verdict on one keyframe, with the evidence it was given.

    A model that sees images gets the keyframe itself and also answers where the subject is
    (box_2d); that box is checked against the planned composition.
    """
    evidence = measure_keyframe(image, shot, previous)
    sees = model.supports_images and cfg.look != "never"
    messages = render_prompt(
        "qa_keyframes",
        shot_number=shot.index + 1,
        prompt=shot.prompt,
        palette=", ".join(shot.palette),
        composition=shot.composition,
        evidence_kind="the image itself (attached) and measurements of it" if sees else "measurements of the image",
        evidence=_evidence_text(evidence),
        box=BOX_REQUEST if sees else "",
    )
    if not sees and not model.writes_freely:
        return evidence, choose_verdict(shot, evidence, model, cfg, model_cfg)
    verdict = generate_structured(
        model,
        messages,
        SeenVerdict if sees else KeyframeVerdict,
        what=f"qa_keyframes (stage 4), shot {shot.index}",
        attempts=model_cfg.attempts,
        seed=model_cfg.seed + 1000 * attempt + shot.index,
        images=(image,) if sees else (),
    )
    if isinstance(verdict, SeenVerdict):
        ymin, xmin, ymax, xmax = verdict.box_2d
        centre_x = (xmin + xmax) / 2000
        offset = abs(centre_x - ANCHOR_X[shot.composition])
        evidence = evidence.model_copy(
            update={
                "kind": "image",
                "measurements": {**evidence.measurements, "box_2d": " ".join(map(str, verdict.box_2d)), "box_centre_x": round(centre_x, 3)},
                "checks": [*evidence.checks, Check(name="subject_box_placement", value=offset, threshold=cfg.max_box_offset, passed=offset <= cfg.max_box_offset)],
            }
        )
    return evidence, verdict


BOX_REQUEST = "Also give box_2d: where the main subject is, as [ymin, xmin, ymax, xmax] in a 1000x1000 frame."


def qa_shot(
    shot: Shot,
    keyframe: Path,
    previous: Path | None,
    model: TextModel,
    rerender: Callable[[Shot, int], Path],  # (shot, attempt) -> keyframe drawn with shot.seed_for(attempt)
    cfg: QAConfig = QAConfig(),
    model_cfg: ModelConfig = ModelConfig(),
    *,
    out_dir: Path,
    references: Sequence[Path] = (),
    safety: SafetyGate | None = None,
    safety_threshold: float = 0.8,
) -> ShotQA:
    """Judge one keyframe; until one is accepted, at most `cfg.max_rerenders` times: rewrite its
    prompt from why it was rejected, and draw it again (new seed) via `rerender`. Each picture first
    passes the `safety` gate: one it flags is deleted at once (withheld, never shown) and counts as
    a rejection; when every attempt is withheld the shot gets a procedural keyframe."""
    attempts: list[QAAttempt] = []
    image = keyframe
    current = shot
    for attempt in range(cfg.max_rerenders + 1):
        if attempt:
            current = current.model_copy(update={"prompt": rewrite_prompt(current, attempts[-1], model, model_cfg, attempt)})
            image = rerender(current, attempt)
        tries = try_of(image)
        score = safety.score_path(image) if safety is not None else None
        if score is not None and score >= safety_threshold:
            Path(image).unlink(missing_ok=True)
            why = f"{safety.name} scored {score:.2f} (threshold {safety_threshold:.2f})"
            log.warning("shot %d attempt %d withheld: %s", shot.index, attempt, why)
            attempts.append(
                QAAttempt(
                    attempt=attempt, seed=shot.seed_for(attempt), prompt=current.prompt, image=str(Path(image).relative_to(out_dir)),
                    references=[str(Path(r).relative_to(out_dir)) for r in references],
                    evidence=Evidence(kind="image-statistics", measurements={"safety_score": round(score, 3)},
                                      checks=[Check(name="safe", value=score, threshold=safety_threshold, passed=False)]),
                    verdict=KeyframeVerdict(issues=[CHECK_ISSUES["safe"]], passed=False, score=0),
                    accepted=False, reasons=["check:safe"], withheld=why, drawn_on_try=tries,
                )
            )
            continue
        evidence, verdict = judge_keyframe(current, image, previous, model, cfg, model_cfg, attempt)
        if score is not None:
            evidence = evidence.model_copy(update={
                "measurements": {**evidence.measurements, "safety_score": round(score, 3)},
                "checks": [*evidence.checks, Check(name="safe", value=score, threshold=safety_threshold, passed=True)],
            })
        sees = isinstance(verdict, SeenVerdict)
        reasons, overruled = rejection_reasons(evidence, verdict, cfg, sees=sees)
        accepted = not reasons
        attempts.append(
            QAAttempt(
                attempt=attempt,
                seed=shot.seed_for(attempt),
                prompt=current.prompt,
                image=str(Path(image).relative_to(out_dir)),
                references=[str(Path(r).relative_to(out_dir)) for r in references],
                evidence=evidence,
                verdict=verdict,
                accepted=accepted,
                reasons=reasons,
                overruled=overruled,
                drawn_on_try=tries,
            )
        )
        log.info("shot %d attempt %d: score %d, %s", shot.index, attempt, verdict.score, "accepted" if accepted else "rejected: " + ", ".join(reasons))
        if accepted:
            break
    shown = [a for a in attempts if a.withheld is None]
    if not shown:  # every picture was withheld: a procedural keyframe, safe by construction
        from renderers.procedural import ProceduralRenderer
        from stages.render_keyframes import render_keyframe

        attempt = len(attempts)
        image = render_keyframe(shot, ProceduralRenderer(), out_dir, attempt=attempt, seed=shot.seed_for(attempt))
        evidence, verdict = judge_keyframe(shot, image, previous, model, cfg, model_cfg, attempt)
        reasons, overruled = rejection_reasons(evidence, verdict, cfg, sees=isinstance(verdict, SeenVerdict))
        attempts.append(QAAttempt(attempt=attempt, seed=shot.seed_for(attempt), prompt=shot.prompt, image=str(Path(image).relative_to(out_dir)),
                                  evidence=evidence, verdict=verdict, accepted=not reasons, reasons=reasons, overruled=overruled))
        shown = attempts[-1:]
    chosen = next((a.attempt for a in shown if a.accepted), None)
    if chosen is None:  # none accepted: keep the best-scoring attempt that passed the most checks
        chosen = max(shown, key=lambda a: (sum(c.passed for c in a.evidence.checks), a.verdict.score)).attempt
    return ShotQA(shot_index=shot.index, attempts=attempts, passed=attempts[chosen].accepted, chosen_attempt=chosen)


# What a text-to-image model reads as the fix for each failed check (the small model picks one).
FIXES = {
    "not_blank": ["richly detailed scene", "a clear subject against a detailed background", "strong shapes and textures"],
    "exposure_low": ["brightly lit", "luminous, well exposed light", "soft daylight on the subject"],
    "exposure_high": ["low-key lighting with deep shadows", "dim, moody light", "muted exposure"],
    "not_duplicate": ["seen from a new angle", "a different viewpoint", "a closer, tighter framing"],
    "subject_drawn": ["the subject in full view", "the subject clearly in frame", "the subject centred and whole"],
    "safe": ["fully clothed, family-friendly", "modest and tasteful", "wholesome, suitable for all ages"],
}


def rewrite_prompt(shot: Shot, rejected: QAAttempt, model: TextModel, model_cfg: ModelConfig, attempt: int) -> str:
    """The shot's prompt rewritten from why `rejected` failed (schema-bound, at most 200 characters).
    A model that writes rewrites it from the issues; a small model that chooses picks, for the
    worst failed check, the phrase a text-to-image model reads as its fix, and code appends it."""
    issues = [r.removeprefix("judge: ") if r.startswith("judge: ") else CHECK_ISSUES.get(r.removeprefix("check:"), r) for r in rejected.reasons]
    colours = _colour_names(shot)
    if model.writes_freely:
        rewrite = generate_structured(
            model,
            render_prompt(
                "qa_rewrite", shot_number=shot.index + 1, prompt=shot.prompt, palette=colours or ", ".join(shot.palette),
                composition=shot.composition, issues="\n".join(f"- {i}" for i in issues) or "- (none named)",
            ),
            PromptRewrite,
            what=f"qa_rewrite (stage 4), shot {shot.index}",
            attempts=model_cfg.attempts,
            seed=model_cfg.seed + 2000 * attempt + shot.index,
        )
        if rewrite.prompt.strip() and rewrite.prompt.strip() != shot.prompt:
            return rewrite.prompt.strip()
    failed = [r.removeprefix("check:") for r in rejected.reasons if r.startswith("check:")]
    fixes = []
    for name in failed:
        if name == "palette_match" and colours:
            fixes.append(f"in {colours}")
        elif name in ("subject_placement", "subject_box_placement"):
            fixes.append(COMPOSITION_WORDS[shot.composition])
        elif name in FIXES:
            doc = render_text("qa_rewrite.choose", shot_number=shot.index + 1, framing=shot.prompt.split(",")[0].lower(), problem=CHECK_ISSUES[name])
            fixes.append(Chooser(model, doc, seed=model_cfg.seed + attempt).pick("Phrase to add:", FIXES[name]))
    fixes = [f for f in dict.fromkeys(fixes) if f.lower() not in shot.prompt.lower()] or ["a new composition"]
    return _fit(shot.prompt, fixes)


def _colour_names(shot: Shot) -> str:
    found = [COLOUR_NAMES[c.lower()] for c in shot.palette if c.lower() in COLOUR_NAMES]
    return ", ".join(found[:-1]) + f" and {found[-1]}" if len(found) > 1 else "".join(found)


def _fit(prompt: str, additions: list[str]) -> str:
    """`prompt` with `additions` appended, its own trailing phrases dropped until it fits PROMPT_LENGTH."""
    parts = [p.strip() for p in prompt.split(",") if p.strip()]
    extra = ", ".join(additions)
    while len(parts) > 1 and len(", ".join([*parts, extra])) > PROMPT_LENGTH:
        parts.pop()
    return ", ".join([*parts, extra])[:PROMPT_LENGTH]


def qa_keyframes(
    shots: ShotList,
    keyframes: list[Path],
    model: TextModel,
    rerender: Callable[[Shot, int], Path],
    cfg: QAConfig = QAConfig(),
    model_cfg: ModelConfig = ModelConfig(),
    *,
    out_dir: Path,
) -> QAReport:
    """Judge every keyframe in order; each is compared with the keyframe chosen for the shot before."""
    results: list[ShotQA] = []
    previous: Path | None = None
    for shot, keyframe in zip(shots.shots, keyframes, strict=True):
        result = qa_shot(shot, keyframe, previous, model, rerender, cfg, model_cfg, out_dir=out_dir)
        results.append(result)
        previous = Path(out_dir) / result.attempts[result.chosen_attempt].image
    return qa_report(results, model_id=model.id, sees_images=model.supports_images, cfg=cfg)


def review_frames(shot: Shot, frames: Sequence[Path], model: TextModel, cfg: QAConfig, model_cfg: ModelConfig, out_dir: Path) -> list[FrameReview]:
    """A vision model's verdict on frames of a moving shot (its first, middle and last), each judged
    like a keyframe: against the shot's prompt, its measured checks and the judge's own look."""
    out = []
    for k, frame in enumerate(frames):
        evidence, verdict = judge_keyframe(shot, frame, None, model, cfg, model_cfg, 100 + k)
        reasons, _ = rejection_reasons(evidence, verdict, cfg, sees=isinstance(verdict, SeenVerdict))
        out.append(FrameReview(frame=k, image=str(Path(frame).relative_to(out_dir)), score=verdict.score, passed=not reasons, reasons=reasons))
    return out


def qa_report(results: list[ShotQA], *, model_id: str, sees_images: bool, cfg: QAConfig = QAConfig(), safety: str = "off") -> QAReport:
    """The report over per-shot results (which may come from cached per-shot runs)."""
    kind = "image" if sees_images else "image-statistics"
    counts = Counter(reason.split(":")[0] if reason.startswith("judge") else reason for r in results for a in r.attempts for reason in a.reasons)
    return QAReport(model=model_id, evidence_kind=kind, pass_score=cfg.pass_score, shots=results, rejections=dict(counts.most_common()), safety=safety)


def rejection_reasons(evidence: Evidence, verdict: KeyframeVerdict, cfg: QAConfig, *, sees: bool) -> tuple[list[str], str | None]:
    """Why a keyframe is rejected (empty: accepted), and a judge's rejection that was not followed.

    Every failed measured check is a reason. The judge's rejection is one too when it names a
    concrete issue, or when the judge saw the picture. A judge that read only the measurements and
    rejects a keyframe that passes every check without naming anything is not followed: a new
    seed cannot fix a complaint that says nothing.
    """
    reasons = [f"check:{c.name}" for c in evidence.checks if not c.passed]
    judge_rejects = not verdict.passed or verdict.score < cfg.pass_score
    if not judge_rejects:
        return reasons, None
    if verdict.issues:
        return reasons + [f"judge: {issue}" for issue in verdict.issues], None
    if sees or reasons:
        return reasons + ([f"judge: score {verdict.score}"] if sees else []), None
    return reasons, f"judge rejected (score {verdict.score}, passed={verdict.passed}) without naming an issue, and every measured check passed"


CHECK_ISSUES = {
    "not_blank": "the picture is almost blank",
    "exposure_low": "the picture is too dark",
    "exposure_high": "the picture is too bright",
    "palette_match": "the planned colours are missing",
    "subject_placement": "the subject is off its planned place",
    "not_duplicate": "it looks like the shot before",
    "subject_box_placement": "the subject is off its planned place",
    "safe": "the picture was flagged as unsafe",
    "subject_drawn": "the subject is missing from the picture",
}
# Scores as words: each starts with its own token (digits are split, "10" starts like "1").
SCORES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def choose_verdict(shot: Shot, evidence: Evidence, model: TextModel, cfg: QAConfig, model_cfg: ModelConfig) -> KeyframeVerdict:
    """A model that chooses: it scores the keyframe from the measurements (in the band they allow)
    and, when checks failed, names the worst of them; it cannot invent a problem they do not show."""
    doc = render_text(
        "qa_keyframes.choose",
        shot_number=shot.index + 1,
        framing=shot.prompt.split(",")[0].lower(),
        checks=", ".join(f"{c.name.replace('_', ' ')} FAIL" for c in evidence.checks if not c.passed) or "all pass",
    )
    ask = Chooser(model, doc, seed=model_cfg.seed)
    failed = [CHECK_ISSUES.get(c.name, c.name) for c in evidence.checks if not c.passed]
    # The score stays on the measurements' side of the pass mark: the model places the keyframe
    # within that band, it cannot pass what failed a check or fail what passed them all.
    band = SCORES[cfg.pass_score :] if not failed else SCORES[: cfg.pass_score]
    score = SCORES.index(ask.pick("Score out of ten:", band))
    issues = [ask.pick("Main problem:", failed)] if failed else []
    return KeyframeVerdict(issues=issues, passed=not failed and score >= cfg.pass_score, score=score)
