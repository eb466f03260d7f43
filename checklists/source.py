"""Reading YAML or JSON into plain data while remembering the line of every key."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from .errors import ChecklistError, Problem, format_path
from .numbers import exact

# PyYAML is imported when a YAML text is first parsed (the app starts without it).
# A real criteria file holds a few thousand values; far more means a hostile file.
MAX_NODES = 200_000


class Document:
    """Plain data read from one file, with the line where each key path starts. A workbook
    gives `locate` instead: key path -> (cell such as `条目!F12`, what to show as the path)."""

    def __init__(self, name: str, data, lines: dict[tuple, int], problems: list[Problem], locate=None):
        self.name = name
        self.data = data
        self.lines = lines
        self.problems = problems
        self.locate = locate

    def line_of(self, path: tuple) -> int | None:
        """The line of `path`, or of its nearest ancestor the file gave a line for."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def problem(self, path: tuple, message: str) -> Problem:
        if self.locate is not None:
            cell, shown = self.locate(tuple(path))
            return Problem(self.name, shown, message, cell=cell)
        return Problem(self.name, format_path(path), message, self.line_of(path))


def read_text_file(path: Path) -> str:
    """The file's text as UTF-8 (a BOM from Windows editors is dropped)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ChecklistError([Problem(str(path), "", f"无法读取文件：{exc.strerror or exc}")]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ChecklistError(
            [Problem(str(path), "", f"不是 UTF-8 编码的文本（第 {exc.start} 字节）；请另存为 UTF-8")]
        ) from None


def parse_document(text: str, name: str) -> Document:
    """Parse YAML (or JSON, by the name's suffix) into a Document; syntax errors raise."""
    if name.lower().endswith(".json"):
        return _parse_json(text, name)
    return _parse_yaml(text, name)


def _parse_json(text: str, name: str) -> Document:
    problems: list[Problem] = []

    def pairs(items):
        out = {}
        for key, value in items:
            if key in out:
                problems.append(Problem(name, str(key), "键重复"))
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_float=Fraction)
    except json.JSONDecodeError as exc:
        raise ChecklistError([Problem(name, "", f"JSON 语法错误：{exc.msg}", exc.lineno)]) from None
    return Document(name, data, {}, problems)


def _parse_yaml(text: str, name: str) -> Document:
    import yaml

    # libyaml's parser when PyYAML was built with it (about 10x faster), else pure Python.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "无法解析"
        raise ChecklistError([Problem(name, "", f"YAML 语法错误：{what}", line)]) from None
    except yaml.YAMLError as exc:
        raise ChecklistError([Problem(name, "", f"YAML 语法错误：{exc}")]) from None
    if node is None:
        raise ChecklistError([Problem(name, "", "文件为空")])
    lines: dict[tuple, int] = {}
    problems: list[Problem] = []
    constructor = yaml.SafeLoader("")

    active: set[int] = set()  # collection nodes being converted: an alias to one is a loop
    budget = [MAX_NODES]  # aliases can expand a tiny file enormously ("billion laughs")

    def construct(node, path):
        """A scalar (or a key) as a Python value; an unknown tag (`!foo`) is a problem."""
        try:
            return constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            what = getattr(exc, "problem", None) or str(exc)
            problems.append(Problem(name, format_path(path), f"YAML 无法识别的值：{what}", node.start_mark.line + 1))
            return None

    def convert(node, path):
        budget[0] -= 1
        if budget[0] < 0:
            raise ChecklistError([Problem(name, "", f"文件展开后超过 {MAX_NODES} 个值（别名引用过多），已拒绝")])
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if id(node) in active:
                problems.append(Problem(name, format_path(path), "YAML 别名引用了自身（循环引用）",
                                        node.start_mark.line + 1))
                return None
            active.add(id(node))
            try:
                return convert_collection(node, path)
            finally:
                active.discard(id(node))
        value = construct(node, path)
        if isinstance(value, float):
            try:
                return Fraction(node.value.replace("_", ""))
            except (ValueError, ZeroDivisionError):
                return value  # inf / nan: kept as float, refused by the validator
        return value

    def convert_collection(node, path):
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key = construct(key_node, path + (key_node.value,))
                else:
                    key = str(convert(key_node, path))
                if isinstance(key, (list, dict)):
                    key = str(key)
                child = path + (key,)
                if key in out:
                    problems.append(Problem(name, format_path(child), "键重复", key_node.start_mark.line + 1))
                lines[child] = key_node.start_mark.line + 1
                out[key] = convert(value_node, child)
            return out
        return [convert(child, path + (i,)) for i, child in enumerate(node.value)]

    data = convert(node, ())
    return Document(name, data, lines, problems)


# ----------------------------------------------------------------------------- parse results as JSON

# Bump when parse_document gives different data or lines for the same text: a stored
# parse result of another format is not used (storage/checklist_store.py keeps them).
PARSED_FORMAT = "dabiao-parsed/1"


class _NotKept(Exception):
    """A value JSON cannot give back exactly (a YAML date, say): such a parse is not kept."""


def _enc(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value  # JSON keeps these exactly (bool stays bool)
    if isinstance(value, Fraction):
        return {"q": [value.numerator, value.denominator]}
    if isinstance(value, float):
        return {"f": repr(value)}
    if isinstance(value, list):
        return [_enc(v) for v in value]
    if isinstance(value, dict):
        return {"m": [[_enc(k), _enc(v)] for k, v in value.items()]}
    raise _NotKept(type(value).__name__)


def _dec(obj: dict):
    """json.loads' object_hook: every JSON object _enc wrote is a tagged value."""
    if "m" in obj:
        return dict(obj["m"])
    if "q" in obj:
        return Fraction(*obj["q"])
    return float(obj["f"])


def document_to_json(doc: Document) -> str | None:
    """A parse result (data and the line of every key) as JSON that `document_from_json`
    turns back into an equal Document; None when it cannot be kept exactly (values JSON
    cannot hold, problems found while parsing, a workbook)."""
    if doc.problems or doc.locate is not None:
        return None
    try:
        body = {"m": [["format", PARSED_FORMAT], ["data", _enc(doc.data)],
                      ["lines", [[_enc(list(path)), line] for path, line in doc.lines.items()]]]}
    except _NotKept:
        return None
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def document_from_json(text: str, name: str) -> Document | None:
    """The Document kept by `document_to_json`, named `name`; None when `text` is not one
    (another format, damaged)."""
    try:
        body = json.loads(text, object_hook=_dec)
        if not isinstance(body, dict) or body.get("format") != PARSED_FORMAT:
            return None
        lines = {tuple(path): line for path, line in body["lines"]}
        return Document(name, body["data"], lines, [])
    except (ValueError, TypeError, KeyError, ZeroDivisionError):
        return None


def read_document(path: Path, name: str | None = None) -> Document:
    """Read and parse one criteria or answers file."""
    path = Path(path)
    return parse_document(read_text_file(path), name or str(path))


def number_or_none(value):
    """An exact Fraction for numbers (bools excluded), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return exact(value)
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    return None
