"""Lesson and scenario text is Markdown from our own content files, rendered with raw HTML
turned off (CommonMark, ``html=False``) so that no file can put markup on a page."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False})


def render(text: str) -> SafeString:
    return mark_safe(_renderer.render(text))  # noqa: S308  # escaped by markdown-it, html off
