"""Printed `.rev` text as blocks of lines, the source comments that travel with them, and render.

The formatter (policy/formatter.py) turns the AST into a tree of `Item`s: one per declaration,
clause, table row or test statement, each holding its printed lines and the span it came from.
Comments are not in the AST, so they are re-attached here by line number (`attach_comments`):

- a full-line comment goes above the next item at its indentation (one inside an item that is
  printed on one line, such as a comment between a `require` and its `else`, moves above it);
- a comment after code stays at the end of its item's line (after `{` for a block's header,
  after `}` for its closing brace);
- comments before a block's `}` stay there, and comments after the last declaration end the file.

Blank lines: between declarations the formatter decides (`Item.blank_before`); elsewhere one
blank line is kept where the source had at least one, as gofmt does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from policy.source import Span

INDENT = "  "


@dataclass(frozen=True, slots=True)
class Comment:
    """One `# …` comment of the source: its line, its text, and the blank line after it."""

    line: int
    text: str
    full_line: bool
    """Nothing but space precedes it on its line (otherwise it trails code)."""
    blank_after: bool


@dataclass(frozen=True, slots=True)
class SourceNotes:
    """What the parser drops and the formatter keeps: comments and where blank lines were."""

    comments: tuple[Comment, ...]
    blank_lines: frozenset[int]


@dataclass(eq=False, slots=True)
class Item:
    """A declaration, clause, row or test statement as printed, with its source span.

    A leaf has its lines (continuation lines carry their own extra indentation); a block has
    `children` and prints as `lines[0] {`, the children one level deeper, then `}`.
    """

    lines: list[str]
    span: Span
    children: list[Item] | None = None
    blank_before: bool = False
    """A blank line always precedes this item (the formatter's rule, not the source's)."""
    leading: list[Comment] = field(default_factory=list)
    trailing: list[Comment] = field(default_factory=list)
    closing: list[Comment] = field(default_factory=list)
    closing_trailing: list[Comment] = field(default_factory=list)


def read_notes(text: str) -> SourceNotes:
    """Find the comments and blank lines of a source text (strings never span lines)."""
    lines = text.split("\n")
    blank = frozenset(number for number, line in enumerate(lines, 1) if not line.strip())
    comments: list[Comment] = []
    for number, line in enumerate(lines, 1):
        start = _comment_start(line)
        if start >= 0:
            full_line = not line[:start].strip()
            comments.append(Comment(number, line[start:].rstrip(), full_line, number + 1 in blank))
    return SourceNotes(tuple(comments), blank)


def _comment_start(line: str) -> int:
    """The index of the `#` that starts a comment on this line, skipping strings; -1 if none."""
    quoted = escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif quoted:
            escaped = char == "\\"
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == "#":
            return index
    return -1


def attach_comments(root: Item, comments: Iterable[Comment]) -> None:
    """Give every comment to the item it belongs to, by source line (see the module docstring).

    The comments above the first declaration of the source head the file, even when another
    declaration is printed first (a `package` moved to the top).
    """
    _distribute(root, list(comments), is_root=True)
    kids = [kid for kid in root.children or [] if kid.span.line > 0]
    if kids:
        first = min(kids, key=lambda item: (item.span.line, item.span.column))
        top = (root.children or [])[0]
        if first is not top:
            top.leading[:0], first.leading = first.leading, []


def _distribute(container: Item, comments: list[Comment], is_root: bool = False) -> None:
    """Share this container's comments among its children, recursing into child blocks."""
    kids = sorted(container.children or [], key=lambda item: (item.span.line, item.span.column))
    inside: dict[int, list[Comment]] = {}
    for comment in comments:
        kid = next((k for k in kids if k.span.line > 0 and k.span.end_line >= comment.line), None)
        if kid is None:
            _closing(container, comment, is_root)
        elif comment.line < kid.span.line:
            on_header = not comment.full_line and kid is kids[0] and not is_root
            (container.trailing if on_header else kid.leading).append(comment)
        elif kid.children is not None:
            inside.setdefault(id(kid), []).append(comment)
        else:
            (kid.leading if comment.full_line else kid.trailing).append(comment)
    for kid in kids:
        if kid.children is not None:
            _distribute(kid, inside.get(id(kid), []))


def _closing(container: Item, comment: Comment, is_root: bool) -> None:
    """A comment after the container's last child: before its `}`, after it, or on its header."""
    if is_root or comment.full_line:
        container.closing.append(comment)
    elif comment.line == container.span.end_line:
        container.closing_trailing.append(comment)
    elif not container.children:
        container.trailing.append(comment)
    else:
        container.closing.append(comment)


def render(root: Item, blank_lines: frozenset[int] = frozenset()) -> str:
    """The text of a formatted file: the root's children are the declarations."""
    out: list[str] = []
    _body(root, 0, out, blank_lines)
    if root.closing:
        if out:
            out.append("")
        _comments(root.closing, 0, out, keep_last_blank=False)
    return "\n".join(out) + "\n" if out else ""


def _body(parent: Item, depth: int, out: list[str], blank_lines: frozenset[int]) -> None:
    """A container's children, with the blank lines the rules ask for, then its closing comments."""
    previous: Item | None = None
    for child in parent.children or []:
        if previous is not None and (child.blank_before or _gap(previous, _first_line(child), blank_lines)):
            out.append("")
        _item(child, depth, out, blank_lines)
        previous = child
    if parent.closing and depth > 0:
        if previous is not None and _gap(previous, parent.closing[0].line, blank_lines):
            out.append("")
        _comments(parent.closing, depth, out, keep_last_blank=False)


def _item(item: Item, depth: int, out: list[str], blank_lines: frozenset[int]) -> None:
    pad = INDENT * depth
    _comments(item.leading, depth, out)
    if item.children is None:
        lines = list(item.lines)
        lines[0] += _trail(c for c in item.trailing if c.line == item.span.line)
        lines[-1] += _trail(c for c in item.trailing if c.line != item.span.line)
        out.extend(pad + line for line in lines)
    elif not item.children and not item.closing:
        out.append(pad + item.lines[0] + " {}" + _trail([*item.trailing, *item.closing_trailing]))
    else:
        out.append(pad + item.lines[0] + " {" + _trail(item.trailing))
        _body(item, depth + 1, out, blank_lines)
        out.append(pad + "}" + _trail(item.closing_trailing))


def _comments(comments: list[Comment], depth: int, out: list[str], keep_last_blank: bool = True) -> None:
    """Full-line comments at this depth, keeping the blank lines that separated them."""
    for index, comment in enumerate(comments):
        out.append(INDENT * depth + comment.text)
        last = index == len(comments) - 1
        if comment.full_line and comment.blank_after and (keep_last_blank or not last):
            out.append("")


def _trail(comments: Iterable[Comment]) -> str:
    texts = [c.text for c in comments]
    return "  " + "  ".join(texts) if texts else ""


def _first_line(item: Item) -> int:
    """Where an item starts in the source, counting the comments above it."""
    return min([item.span.line, *(c.line for c in item.leading)])


def _gap(previous: Item, next_line: int, blank_lines: frozenset[int]) -> bool:
    """Whether the source had a blank line between `previous` and what starts at `next_line`."""
    end = previous.span.end_line
    if end <= 0 or next_line <= end:
        return False
    return any(line in blank_lines for line in range(end + 1, next_line))
