"""Reading YAML or JSON into plain data while remembering the line of every key."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from .errors import ChecklistError, Problem, format_path
from .numbers import exact, number_text_problem, shown_number, value_problem

# PyYAML is imported when a YAML text is first parsed (the app starts without it).
# A real criteria file holds a few thousand values; far more means a hostile file.
MAX_NODES = 200_000
# Criteria nest a handful of levels (set, category, sub-category, item, options); far
# deeper means a hostile file, which would otherwise end in a RecursionError.
MAX_DEPTH = 64
OLD_BINARY = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: .xls, WPS .et, old .doc
OLD_SUFFIXES = (".xls", ".et", ".ett", ".xlt")
OLD_FORMAT = "不支持旧的 .xls/.et 格式，请在 Excel/WPS 中另存为 .xlsx"


class Refused(str):
    """A value the parser refused (a number out of range), kept as its shortened text:
    the problem is already in Document.problems, so the validators say nothing more."""


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
    path = Path(path)
    if path.suffix.lower() in OLD_SUFFIXES:
        raise ChecklistError([Problem(str(path), "", OLD_FORMAT)])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ChecklistError([Problem(str(path), "", f"无法读取文件：{exc.strerror or exc}")]) from None
    if raw.startswith(OLD_BINARY):
        raise ChecklistError([Problem(str(path), "", OLD_FORMAT)])
    if raw.startswith(b"PK\x03\x04"):
        raise ChecklistError([Problem(str(path), "", "这是 Excel 工作簿（或其他 zip 文件），不是文本；"
                                                     "Excel 标准文件的扩展名应为 .xlsx")])
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


def _line_of_text(text: str, needle: str) -> int | None:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def number_hooks(on_problem):
    """json.loads' parse_int / parse_float: each number's text is checked before it is
    converted (Fraction for decimals). A number out of range becomes Refused, after
    on_problem(text, reason)."""

    def convert(text: str, kind):
        problem = number_text_problem(text)
        if problem is None:
            value = kind(text)
            problem = value_problem(value)
            if problem is None:
                return value
        on_problem(text, problem)
        return Refused(shown_number(text))

    return (lambda t: convert(t, int)), (lambda t: convert(t, Fraction))


def _parse_json(text: str, name: str) -> Document:
    problems: list[Problem] = []

    def pairs(items):
        out = {}
        for key, value in items:
            if key in out:
                problems.append(Problem(name, str(key), "键重复"))
            out[key] = value
        return out

    def bad_number(literal, reason):
        problems.append(Problem(name, "", f"数字 {shown_number(literal)} 无法接受：{reason}",
                                _line_of_text(text, literal)))

    parse_int, parse_float = number_hooks(bad_number)
    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_float=parse_float, parse_int=parse_int)
    except json.JSONDecodeError as exc:
        raise ChecklistError([Problem(name, "", f"JSON 语法错误：{exc.msg}", exc.lineno)]) from None
    except RecursionError:
        raise ChecklistError([Problem(name, "", "JSON 嵌套层数过多，已拒绝")]) from None
    if _depth_over(data, MAX_DEPTH):
        raise ChecklistError([Problem(name, "", f"嵌套层数超过 {MAX_DEPTH} 层，已拒绝")])
    return Document(name, data, {}, problems)


def _depth_over(data, limit: int) -> bool:
    """Whether lists/dicts nest deeper than `limit` (iterative: no recursion to overflow)."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            if depth >= limit:
                return True
            stack.extend((v, depth + 1) for v in value if isinstance(v, (list, dict)))
    return False


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
    INT_TAG, FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"  # noqa: N806

    active: set[int] = set()  # collection nodes being converted: an alias to one is a loop
    budget = [MAX_NODES]  # aliases can expand a tiny file enormously ("billion laughs")

    def construct(node, path):
        """A scalar (or a key) as a Python value; an unknown tag (`!foo`) is a problem. A
        number is checked on its text first (a huge one would hang or refuse to convert)."""
        if node.tag in (INT_TAG, FLOAT_TAG) and isinstance(node.value, str):
            problem = number_text_problem(node.value)
            if problem is None and node.tag == INT_TAG:
                try:
                    problem = value_problem(constructor.construct_object(node, deep=True))
                except (ValueError, yaml.YAMLError):
                    problem = None  # not an int after all: the constructor says so below
            if problem:
                problems.append(Problem(name, format_path(path), f"数字 {shown_number(node.value)} 无法接受：{problem}",
                                        node.start_mark.line + 1))
                return Refused(shown_number(node.value))
        try:
            return constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            what = getattr(exc, "problem", None) or str(exc)[:80]
            problems.append(Problem(name, format_path(path), f"YAML 无法识别的值：{what}", node.start_mark.line + 1))
            return None

    def convert(node, path):
        budget[0] -= 1
        if budget[0] < 0:
            raise ChecklistError([Problem(name, "", f"文件展开后超过 {MAX_NODES} 个值（别名引用过多），已拒绝")])
        if len(path) > MAX_DEPTH:
            raise ChecklistError([Problem(name, format_path(path[:8]) + "…", f"嵌套层数超过 {MAX_DEPTH} 层，已拒绝",
                                          node.start_mark.line + 1)])
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
                exact_value = Fraction(node.value.replace("_", ""))  # the text was checked in construct()
            except (ValueError, ZeroDivisionError):
                return value  # inf / nan: kept as float, refused by the validator
            problem = value_problem(exact_value)
            if problem:
                problems.append(Problem(name, format_path(path), f"数字 {shown_number(node.value)} 无法接受：{problem}",
                                        node.start_mark.line + 1))
                return Refused(shown_number(node.value))
            return exact_value
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
    except (ValueError, TypeError, KeyError, ZeroDivisionError, RecursionError):
        return None


def read_document(path: Path, name: str | None = None) -> Document:
    """Read and parse one criteria or answers file."""
    path = Path(path)
    return parse_document(read_text_file(path), name or str(path))


def number_or_none(value):
    """An exact Fraction for numbers (bools excluded), else None. Callers check
    numbers.value_problem first when the value may be out of range."""
    if isinstance(value, bool) or isinstance(value, Refused):
        return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return exact(value)
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    return None
