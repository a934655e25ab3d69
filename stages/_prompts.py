"""Prompts are files: `prompts/<name>.system.md` and `prompts/<name>.user.md` ($-templates)."""

from __future__ import annotations

import hashlib
from importlib import resources
from string import Template

from backends.base import Message, inert


def _read(name: str) -> str:
    return resources.files("stages").joinpath(f"prompts/{name}").read_text(encoding="utf-8")


def render_prompt(name: str, **values: object) -> list[Message]:
    """System + user messages for prompt `name`, with `$placeholders` filled from `values` (made inert)."""
    fill = {k: inert(str(v)) for k, v in values.items()}
    system = Template(_read(f"{name}.system.md")).substitute(fill).strip()
    user = Template(_read(f"{name}.user.md")).substitute(fill).strip()
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def render_text(name: str, **values: object) -> str:
    """A plain document `prompts/<name>.md` (a completion prompt for a base model), filled in."""
    return Template(_read(f"{name}.md")).substitute({k: inert(str(v)) for k, v in values.items()}).strip()


def prompt_digest(name: str) -> str:
    """Hash of a prompt's files (chat and completion), so a changed prompt invalidates cached results."""
    digest = hashlib.sha256()
    folder = resources.files("stages").joinpath("prompts")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith(f"{name}.") and entry.name.endswith(".md"):
            digest.update(entry.name.encode() + entry.read_bytes())
    return digest.hexdigest()[:16]
