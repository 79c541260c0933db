"""What a reader sees of a page: its text without tags, scripts and styles, whitespace collapsed."""

import re
from html.parser import HTMLParser

RAW_VALUES = re.compile(r"\b(None|True|False)\b")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str | bytes) -> str:
    parser = _Text()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return " ".join(" ".join(parser.parts).split())


def raw_values(text: str) -> list[str]:
    """None, True or False where a person should read a word."""
    return RAW_VALUES.findall(text)
