"""Prompts are files: `prompts/<name>.system.md` and `prompts/<name>.user.md` ($-templates)."""

from __future__ import annotations

import hashlib
from importlib import resources
from string import Template

from backends.base import Message


def _read(name: str) -> str:
    return resources.files("stages").joinpath(f"prompts/{name}").read_text(encoding="utf-8")


def render_prompt(name: str, **values: object) -> list[Message]:
    """System + user messages for prompt `name`, with `$placeholders` filled from `values`."""
    fill = {k: str(v) for k, v in values.items()}
    system = Template(_read(f"{name}.system.md")).substitute(fill).strip()
    user = Template(_read(f"{name}.user.md")).substitute(fill).strip()
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def prompt_digest(name: str) -> str:
    """Hash of a prompt's files, so a changed prompt can invalidate cached results."""
    digest = hashlib.sha256()
    for part in ("system", "user"):
        digest.update(_read(f"{name}.{part}.md").encode())
    return digest.hexdigest()[:16]
