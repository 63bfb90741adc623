"""Course files: parse, validate and fingerprint ``content/training/<course>/<language>.yaml``.

The format is documented in ``content/training/README.md``. Validation works on the YAML node
tree (``yaml.compose``) so that every error names the file and the line it is about; a course
is only loaded when all of its language files are valid and match each other structurally.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

FORMAT = 1
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SECTORS = {"law_enforcement", "healthcare", "school", "hospitality_transport"}
# A language file is named by its language code (en, es, fr, pt-BR...): any code the pattern
# accepts loads, with no list to extend; English is the reference the others must match.
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
SHIPPED_LANGUAGES = ("en", "es")
REFERENCE_LANGUAGE = "en"

Path_ = tuple[str | int, ...]


def content_root() -> Path:
    return Path(getattr(settings, "TRAINING_CONTENT_DIR", settings.BASE_DIR / "content/training"))


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class ContentError(Exception):
    """One or more course files are invalid; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class CourseFile:
    """One valid language file: its data, its SHA-256 and where each value was written."""

    path: Path
    data: dict[str, Any]
    sha256: str
    lines: dict[Path_, int] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return str(self.data["course"]["slug"])

    @property
    def language(self) -> str:
        return str(self.data["course"]["language"])


def _line_map(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, str(key.value))] = value.start_mark.line + 1
            _line_map(value, (*path, str(key.value)), lines)
            # A missing child is reported at its parent mapping's key line.
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, (*path, index), lines)


class _Checker:
    """Collects problems for one file; every check names the path it is about."""

    def __init__(self, name: str, lines: dict[Path_, int]) -> None:
        self.name = name
        self.lines = lines
        self.problems: list[Problem] = []

    def line(self, path: Path_) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def fail(self, path: Path_, message: str) -> None:
        label = ".".join(str(part) for part in path) or "document"
        self.problems.append(Problem(self.name, self.line(path), f"{label}: {message}"))

    def get(self, mapping: Any, path: Path_, key: str, kind: type | tuple[type, ...]) -> Any:
        if not isinstance(mapping, dict):
            return None
        if key not in mapping:
            self.fail(path, f"missing required field '{key}'")
            return None
        value = mapping[key]
        # bool is an int in Python; a YAML `yes` must not pass as a number.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            self.fail((*path, key), f"must be a {names}, not {type(value).__name__}")
            return None
        return value

    def text(self, mapping: Any, path: Path_, key: str) -> str | None:
        value = self.get(mapping, path, key, str)
        if value is not None and not value.strip():
            self.fail((*path, key), "must not be empty")
        return value

    def ident(self, mapping: Any, path: Path_, key: str) -> str | None:
        value = self.get(mapping, path, key, str)
        if value is not None and not ID_RE.match(value):
            self.fail((*path, key), f"'{value}' is not a valid id (lowercase letters, digits, -)")
        return value


def _reject_anchors(text: str, name: str) -> list[Problem]:
    problems = []
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.AnchorToken | yaml.AliasToken | yaml.TagToken):
            problems.append(
                Problem(name, token.start_mark.line + 1, "anchors, aliases and tags are not used")
            )
    return problems


def parse_file(path: Path, *, name: str | None = None) -> CourseFile:
    """Parse and validate one language file on its own; raise ContentError on any problem.

    Parsed files are cached per process by path, size and modification time: seeding the
    demo, loading courses and the tests read the same files many times, and a changed file
    is parsed again."""
    stat = path.stat()
    return _parse_file_cached(path, name or str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=512)
def _parse_file_cached(path: Path, name: str, mtime_ns: int, size: int) -> CourseFile:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
        problems = _reject_anchors(text, name)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except UnicodeDecodeError:
        raise ContentError([Problem(name, None, "is not UTF-8")]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise ContentError([Problem(name, line, f"does not parse: {error.problem}")]) from None
    if problems:
        raise ContentError(problems)
    if node is None:
        raise ContentError([Problem(name, 1, "is empty")])
    lines: dict[Path_, int] = {}
    _line_map(node, (), lines)
    data = yaml.SafeLoader("").construct_document(node)
    checker = _Checker(name, lines)
    _validate(checker, data, path)
    if checker.problems:
        raise ContentError(checker.problems)
    return CourseFile(path=path, data=data, sha256=hashlib.sha256(raw).hexdigest(), lines=lines)


def _validate(c: _Checker, data: Any, path: Path) -> None:
    if not isinstance(data, dict):
        c.fail((), "the top level must be a mapping")
        return
    fmt = c.get(data, (), "format", int)
    if fmt is not None and fmt != FORMAT:
        c.fail(("format",), f"must be {FORMAT}")
    course = c.get(data, (), "course", dict)
    if course is not None:
        _validate_course(c, course, path)
    lessons = c.get(data, (), "lessons", list)
    topics: set[str] = set()
    ids: dict[str, Path_] = {}
    if lessons is not None:
        if not 4 <= len(lessons) <= 10:
            c.fail(("lessons",), f"needs 4 to 10 lessons, has {len(lessons)}")
        for index, lesson in enumerate(lessons):
            where: Path_ = ("lessons", index)
            if not isinstance(lesson, dict):
                c.fail(where, "must be a mapping")
                continue
            _unique(c, ids, c.ident(lesson, where, "id"), where)
            c.text(lesson, where, "title")
            c.text(lesson, where, "body")
            lesson_topics = c.get(lesson, where, "topics", list)
            if lesson_topics is not None:
                if not lesson_topics:
                    c.fail((*where, "topics"), "needs at least one topic")
                for t_index, topic in enumerate(lesson_topics):
                    if not isinstance(topic, str) or not ID_RE.match(topic):
                        c.fail((*where, "topics", t_index), f"'{topic}' is not a valid topic id")
                    else:
                        topics.add(topic)
    scenarios = c.get(data, (), "scenarios", list)
    if scenarios is not None:
        if len(scenarios) < 3:
            c.fail(("scenarios",), f"needs at least 3 scenarios, has {len(scenarios)}")
        for index, scenario in enumerate(scenarios):
            _validate_scenario(c, scenario, ("scenarios", index), ids)
    assessment = c.get(data, (), "assessment", dict)
    if assessment is not None:
        _validate_assessment(c, assessment, topics, ids)


def _unique(c: _Checker, seen: dict[str, Path_], value: str | None, where: Path_) -> None:
    if value is None:
        return
    if value in seen:
        c.fail((*where, "id"), f"id '{value}' is already used")
    seen[value] = where


def _validate_course(c: _Checker, course: dict[str, Any], path: Path) -> None:
    where: Path_ = ("course",)
    slug = c.ident(course, where, "slug")
    if slug is not None and slug != path.parent.name:
        c.fail((*where, "slug"), f"'{slug}' must equal the folder name '{path.parent.name}'")
    language = c.get(course, where, "language", str)
    if language is not None and language != path.stem:
        c.fail((*where, "language"), f"'{language}' must equal the file name '{path.stem}'")
    if language is not None and not LANGUAGE_RE.match(language):
        c.fail((*where, "language"), f"'{language}' is not a language code such as en or pt-BR")
    c.text(course, where, "title")
    c.text(course, where, "summary")
    sector = c.get(course, where, "sector", str)
    if sector is not None and sector not in SECTORS:
        c.fail((*where, "sector"), f"'{sector}' is not one of {', '.join(sorted(SECTORS))}")
    minutes = c.get(course, where, "estimated_minutes", int)
    if minutes is not None and minutes <= 0:
        c.fail((*where, "estimated_minutes"), "must be more than 0")
    sources = c.get(course, where, "sources", list)
    if sources is not None:
        if not sources:
            c.fail((*where, "sources"), "needs at least one source")
        for index, source in enumerate(sources):
            s_where: Path_ = (*where, "sources", index)
            c.text(source, s_where, "title")
            url = c.get(source, s_where, "url", str)
            if url is not None and not url.startswith("https://"):
                c.fail((*s_where, "url"), "must start with https://")


def _validate_scenario(c: _Checker, scenario: Any, where: Path_, ids: dict[str, Path_]) -> None:
    if not isinstance(scenario, dict):
        c.fail(where, "must be a mapping")
        return
    _unique(c, ids, c.ident(scenario, where, "id"), where)
    c.text(scenario, where, "title")
    start = c.get(scenario, where, "start", str)
    nodes = c.get(scenario, where, "nodes", dict)
    if nodes is None:
        return
    if len(nodes) < 3:
        c.fail((*where, "nodes"), f"needs at least 3 nodes, has {len(nodes)}")
    edges: dict[str, list[str]] = {}
    for node_id, node in nodes.items():
        n_where: Path_ = (*where, "nodes", str(node_id))
        if not isinstance(node_id, str) or not ID_RE.match(node_id):
            c.fail(n_where, f"'{node_id}' is not a valid node id")
        edges[str(node_id)] = []
        if not isinstance(node, dict):
            c.fail(n_where, "must be a mapping")
            continue
        c.text(node, n_where, "text")
        choices = c.get(node, n_where, "choices", list)
        if choices is None:
            continue
        if len(choices) < 2:
            c.fail((*n_where, "choices"), "needs at least 2 choices")
        for index, choice in enumerate(choices):
            ch_where: Path_ = (*n_where, "choices", index)
            if not isinstance(choice, dict):
                c.fail(ch_where, "must be a mapping")
                continue
            c.text(choice, ch_where, "label")
            c.text(choice, ch_where, "feedback")
            score = c.get(choice, ch_where, "score", int)
            if score is not None and score not in (-1, 0, 1):
                c.fail((*ch_where, "score"), "must be 1, 0 or -1")
            has_next, has_end = "next" in choice, "end" in choice
            if has_next == has_end:
                c.fail(ch_where, "needs exactly one of 'next' or 'end'")
            elif has_end and choice["end"] is not True:
                c.fail((*ch_where, "end"), "must be true")
            elif has_next:
                target = choice["next"]
                if target not in nodes:
                    c.fail((*ch_where, "next"), f"points to missing node '{target}'")
                else:
                    edges[str(node_id)].append(str(target))
    if start is None:
        return
    if start not in nodes:
        c.fail((*where, "start"), f"'{start}' is not a node of this scenario")
        return
    for node_id in _unreachable(edges, start):
        c.fail((*where, "nodes", node_id), f"node '{node_id}' cannot be reached from '{start}'")
    cycle = _find_cycle(edges, start)
    if cycle:
        c.fail((*where, "nodes", cycle[0]), "has a cycle: " + " -> ".join(cycle))
    if not _branches_twice(nodes, edges, start):
        c.fail(where, "needs two levels of branching (a choice node leading to another)")


def _unreachable(edges: dict[str, list[str]], start: str) -> list[str]:
    seen, stack = {start}, [start]
    while stack:
        for target in edges.get(stack.pop(), []):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return [node for node in edges if node not in seen]


def _find_cycle(edges: dict[str, list[str]], start: str) -> list[str]:
    state: dict[str, int] = {}  # 1: on the current path, 2: finished

    def visit(node: str, trail: list[str]) -> list[str]:
        state[node] = 1
        here = [*trail, node]
        for target in edges.get(node, []):
            if state.get(target) == 1:
                return [*here[here.index(target) :], target]
            if target not in state:
                found = visit(target, here)
                if found:
                    return found
        state[node] = 2
        return []

    for node in [start, *edges]:
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return []


def _branches_twice(nodes: dict[str, Any], edges: dict[str, list[str]], start: str) -> bool:
    def choices(node: str) -> int:
        value = nodes.get(node)
        return len(value.get("choices") or []) if isinstance(value, dict) else 0

    return any(
        choices(node) >= 2 and any(choices(target) >= 2 for target in targets)
        for node, targets in edges.items()
    )


def _validate_assessment(
    c: _Checker, assessment: dict[str, Any], topics: set[str], ids: dict[str, Path_]
) -> None:
    where: Path_ = ("assessment",)
    pass_mark = c.get(assessment, where, "pass_mark", int)
    if pass_mark is not None and not 1 <= pass_mark <= 100:
        c.fail((*where, "pass_mark"), "must be between 1 and 100")
    attempts = c.get(assessment, where, "max_attempts", int)
    if attempts is not None and attempts < 1:
        c.fail((*where, "max_attempts"), "must be at least 1")
    per_attempt = c.get(assessment, where, "questions_per_attempt", int)
    if per_attempt is not None and per_attempt < 1:
        c.fail((*where, "questions_per_attempt"), "must be at least 1")
    questions = c.get(assessment, where, "questions", list)
    if questions is None:
        return
    if len(questions) < 15:
        c.fail((*where, "questions"), f"needs at least 15 questions, has {len(questions)}")
    if per_attempt is not None and per_attempt > len(questions):
        c.fail(
            (*where, "questions_per_attempt"),
            f"is {per_attempt} but the bank has only {len(questions)} questions",
        )
    for index, question in enumerate(questions):
        q_where: Path_ = (*where, "questions", index)
        if not isinstance(question, dict):
            c.fail(q_where, "must be a mapping")
            continue
        _unique(c, ids, c.ident(question, q_where, "id"), q_where)
        topic = c.get(question, q_where, "topic", str)
        if topic is not None and topic not in topics:
            c.fail((*q_where, "topic"), f"'{topic}' is not a topic of any lesson")
        c.text(question, q_where, "prompt")
        c.text(question, q_where, "explanation")
        choices = c.get(question, q_where, "choices", list)
        if choices is None:
            continue
        if not 3 <= len(choices) <= 4:
            c.fail((*q_where, "choices"), f"needs 3 or 4 choices, has {len(choices)}")
        correct = 0
        for ch_index, choice in enumerate(choices):
            ch_where: Path_ = (*q_where, "choices", ch_index)
            c.text(choice, ch_where, "text")
            if isinstance(choice, dict) and "correct" in choice:
                if not isinstance(choice["correct"], bool):
                    c.fail((*ch_where, "correct"), "must be true or false")
                elif choice["correct"]:
                    correct += 1
        if correct != 1:
            c.fail((*q_where, "choices"), f"needs exactly one correct choice, has {correct}")


# Structural fingerprints: what must be equal in every language of one course.


def structure(data: dict[str, Any]) -> Iterator[tuple[Path_, Any]]:
    """The language-independent parts of a course, keyed by where they live."""
    course = data["course"]
    yield ("format",), data["format"]
    for key in ("slug", "sector", "estimated_minutes"):
        yield ("course", key), course[key]
    yield ("course", "sources"), len(course["sources"])
    yield ("lessons",), [lesson["id"] for lesson in data["lessons"]]
    for index, lesson in enumerate(data["lessons"]):
        yield ("lessons", index, "topics"), lesson["topics"]
    yield ("scenarios",), [scenario["id"] for scenario in data["scenarios"]]
    for index, scenario in enumerate(data["scenarios"]):
        s_where: Path_ = ("scenarios", index)
        yield (*s_where, "start"), scenario["start"]
        yield (*s_where, "nodes"), sorted(scenario["nodes"])
        for node_id, node in scenario["nodes"].items():
            yield (
                (*s_where, "nodes", node_id, "choices"),
                [(ch.get("next"), ch.get("end"), ch["score"]) for ch in node["choices"]],
            )
    assessment = data["assessment"]
    for key in ("pass_mark", "max_attempts", "questions_per_attempt"):
        yield ("assessment", key), assessment[key]
    yield ("assessment", "questions"), [q["id"] for q in assessment["questions"]]
    for index, question in enumerate(assessment["questions"]):
        q_where: Path_ = ("assessment", "questions", index)
        yield (*q_where, "topic"), question["topic"]
        yield (
            (*q_where, "choices"),
            [bool(choice.get("correct")) for choice in question["choices"]],
        )


def compare_languages(reference: CourseFile, other: CourseFile) -> list[Problem]:
    """Where ``other`` does not match the reference language's structure."""
    expected = dict(structure(reference.data))
    checker = _Checker(str(other.path), other.lines)
    for where, value in structure(other.data):
        if where in expected and expected[where] != value:
            checker.fail(
                where,
                f"differs from {reference.path.name}: {value!r} instead of {expected[where]!r}",
            )
        elif where not in expected:
            checker.fail(where, f"does not exist in {reference.path.name}")
    return checker.problems


def load_course_dir(directory: Path) -> list[CourseFile]:
    """Every language file of one course, validated alone and against each other."""
    problems: list[Problem] = []
    files: list[CourseFile] = []
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise ContentError([Problem(str(directory), None, "holds no language files")])
    for path in paths:
        try:
            files.append(parse_file(path))
        except ContentError as error:
            problems.extend(error.problems)
    by_language = {course_file.language: course_file for course_file in files}
    reference = by_language.get(REFERENCE_LANGUAGE)
    if reference is None and not problems:
        problems.append(Problem(str(directory), None, f"has no {REFERENCE_LANGUAGE}.yaml"))
    if reference is not None:
        for course_file in files:
            if course_file is not reference:
                problems.extend(compare_languages(reference, course_file))
    if problems:
        raise ContentError(problems)
    return files


def load_all(root: Path | None = None) -> list[CourseFile]:
    """Every course under the content root; all problems of all files in one error."""
    root = root or content_root()
    problems: list[Problem] = []
    files: list[CourseFile] = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            files.extend(load_course_dir(directory))
        except ContentError as error:
            problems.extend(error.problems)
    if problems:
        raise ContentError(problems)
    return files
