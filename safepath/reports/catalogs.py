"""The reporter side's translation catalogs, with no system gettext needed.

    python -m safepath.reports.catalogs compile   # .po -> .mo for every language (make setup)
    python -m safepath.reports.catalogs update    # add new strings to every .po (empty)
    python -m safepath.reports.catalogs check     # list strings missing a translation

Strings are found in the reporter side's templates and Python files the way Django's
makemessages would find them (``{% translate %}``, ``{% blocktranslate %}``, ``_()``), so
that a test can prove every language translates every string. The .mo files are build
output (git-ignored); the .po files are the source translators edit.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent
LOCALE = ROOT.parent / "locale"
SOURCES = [
    *sorted((ROOT / "templates" / "reports").glob("*.html")),
    ROOT / "errors.py",
    ROOT / "forms.py",
    ROOT / "questions.py",
    ROOT / "selectors.py",
    ROOT / "views.py",
]
LANGUAGES = ["es", "zh_Hans", "vi", "ko", "tl", "ht", "pt", "ru", "uk", "ar", "fr"]
# Every catalog header keeps its plural rule (msgfmt --check needs it once a plural string
# exists; Russian, Ukrainian and Arabic need their own rules, not English's).
SLAVIC = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
    "n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
)
PLURAL_FORMS = {
    "es": "nplurals=2; plural=(n != 1);",
    "zh_Hans": "nplurals=1; plural=0;",
    "vi": "nplurals=1; plural=0;",
    "ko": "nplurals=1; plural=0;",
    "tl": "nplurals=2; plural=(n != 1 && n != 2 && n != 3 && "
    "(n % 10 == 4 || n % 10 == 6 || n % 10 == 9));",
    "ht": "nplurals=2; plural=(n != 1);",
    "pt": "nplurals=2; plural=(n > 1);",
    "ru": SLAVIC,
    "uk": SLAVIC,
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
    "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
    "fr": "nplurals=2; plural=(n > 1);",
}

TRANSLATE = re.compile(r'{%\s*translate\s+"((?:[^"\\]|\\.)*)"\s*%}')
BLOCK = re.compile(r"{%\s*blocktranslate\b[^%]*%}(.*?){%\s*endblocktranslate\s*%}", re.S)
BLOCK_VAR = re.compile(r"{{\s*(\w+)\s*}}")
PY_CALL = re.compile(r'\b_\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\)')
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def extract() -> list[str]:
    """Every translatable string of the reporter's side, in first-seen order."""
    found: dict[str, None] = {}
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            for match in TRANSLATE.finditer(text):
                found.setdefault(match.group(1), None)
            for match in BLOCK.finditer(text):
                found.setdefault(BLOCK_VAR.sub(r"%(\1)s", match.group(1)), None)
        else:
            for match in PY_CALL.finditer(text):
                found.setdefault(ast.literal_eval(match.group(1).strip()), None)
    return list(found)


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def problems() -> list[str]:
    """Missing, empty, fuzzy or placeholder-breaking translations, one line each."""
    wanted = extract()
    found: list[str] = []
    for language in LANGUAGES:
        path = po_path(language)
        if not path.exists():
            found.append(f"{language}: no catalog at {path}")
            continue
        catalog = {entry.msgid: entry for entry in polib.pofile(str(path))}
        for msgid in wanted:
            entry = catalog.get(msgid)
            if entry is None or not entry.msgstr.strip() or "fuzzy" in entry.flags:
                found.append(f"{language}: untranslated: {msgid!r}")
            elif placeholders(entry.msgstr) != placeholders(msgid):
                found.append(f"{language}: placeholders differ: {msgid!r}")
    return found


def update() -> None:
    wanted = extract()
    for language in LANGUAGES:
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = polib.pofile(str(path)) if path.exists() else polib.POFile()
        # Keep what the header says (Project-Id-Version, Plural-Forms...); add what is missing.
        catalog.metadata = {
            "Project-Id-Version": "SafePath reporter side",
            "Language": language,
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": PLURAL_FORMS[language],
            **catalog.metadata,
        }
        known = {entry.msgid for entry in catalog}
        for msgid in wanted:
            if msgid not in known:
                flags = ["python-format"] if placeholders(msgid) else []
                catalog.append(polib.POEntry(msgid=msgid, msgstr="", flags=flags))
        catalog.save(str(path))


def compile_all() -> int:
    count = 0
    for path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        polib.pofile(str(path)).save_as_mofile(str(path.with_suffix(".mo")))
        count += 1
    return count


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "compile":
        print(f"compiled {compile_all()} catalogs")
        return 0
    if command == "update":
        update()
        return 0
    if command == "check":
        found = problems()
        print("\n".join(found) or "every string is translated")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
