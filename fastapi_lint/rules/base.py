"""The rule plugin API.

A rule is one small class: its metadata as class attributes, its documentation
as its docstring (Ruff's sections, in order: What it does, Why is this bad?,
Known problems, Example, Use instead, Fix safety, Options, References), and
hooks that receive the FastAPI model of a module:

* ``check_module(ctx)`` -- escape hatch: the whole :class:`ModuleModel`;
* ``check_route(route, ctx)`` -- each path operation;
* ``check_dependency(dependency, ctx)`` -- each dependency function in the module;
* ``check_middleware(middleware, ctx)`` -- each middleware function;
* ``check_app(container, ctx)`` -- each app and router.

Rules report with ``ctx.report(node, message, fix=..., help=...)``; they never
parse decorators or compare raw names themselves (the model has resolved them).
Rules are registered through the entry-point group ``fastapi_lint.rules``
(``CODE = "package.module:Class"``), built-in and third-party alike; see
``docs/writing-rules.md``.
"""

from __future__ import annotations

import ast

import inspect
import re
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from fastapi_lint.diagnostics import Applicability, Finding, Fix, FixAvailability, Severity, Span

if TYPE_CHECKING:
    from fastapi_lint.context import RuleContext
    from fastapi_lint.project.context import ProjectContext
    from fastapi_lint.model.nodes import Container, DependencyFunction, Middleware, Route

DOCS_BASE_URL = "https://github.com/fastapi-lint/fastapi-lint/blob/main/docs/rules/"

#: a rule code: a prefix of capital letters and three digits. Built-in rules are
#: ``FAPI`` + three digits; a third-party plugin uses a prefix of its own (``ACME001``).
CODE_RE = re.compile(r"^[A-Z]{1,8}\d{3}$")
#: the prefix reserved for the rules that ship with fastapi-lint
BUILTIN_PREFIX = "FAPI"
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

#: The section headings of a rule's documentation, in order (Ruff's template).
DOC_SECTIONS = (
    "What it does",
    "Why is this bad?",
    "Known problems",
    "Example",
    "Use instead",
    "Fix safety",
    "Options",
    "References",
    "Judging",
)
REQUIRED_DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")

_OPTION_TYPES = {"str": str, "bool": bool, "int": int, "list[str]": list}


@dataclass(frozen=True)
class Option:
    """A per-rule setting, read from ``[tool.fastapi-lint.<rule-name>]``.

    ``type`` is one of ``"str"``, ``"bool"``, ``"int"``, ``"list[str]"``.
    """

    name: str
    type: str
    default: Any
    description: str
    #: allowed values (of the string, or of each list item), when restricted
    choices: tuple[str, ...] = ()

    def validate(self, value: Any) -> Any:
        """Return ``value`` if it has this option's type (and choices), else raise ``TypeError``."""
        expected = _OPTION_TYPES[self.type]
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if ok and self.type == "list[str]":
            ok = all(isinstance(v, str) for v in value)
        if not ok:
            raise TypeError(f"expected {self.type}, got {type(value).__name__}")
        if self.choices:
            for item in value if isinstance(value, list) else [value]:
                if item not in self.choices:
                    raise TypeError(f"unknown value {item!r} (expected one of: {', '.join(self.choices)})")
        return value


FASTAPI_WORDS = ("fastapi", "starlette")


def mentions_fastapi(text: str) -> bool:
    """The default pre-screen: only modules that mention FastAPI or Starlette can
    hold a path operation, a dependency or middleware the model recognises."""
    return "fastapi" in text or "starlette" in text


class Rule:
    """Base class of every rule. Subclasses set the class attributes below."""

    #: ``FAPI`` + three digits; never reused for another meaning.
    code: ClassVar[str]
    #: kebab-case name describing the pattern (not the fix).
    name: ClassVar[str]
    #: one line: what the rule finds (tables, SARIF shortDescription).
    summary: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    default_enabled: ClassVar[bool] = True
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NONE
    #: the applicability of the rule's fixes, when it has any
    fix_applicability: ClassVar[Applicability | None] = None
    since: ClassVar[str] = "0.1.0"
    #: ``stable``, ``preview``, ``deprecated`` or ``removed``; a preview rule runs
    #: only in preview mode (``--preview``), even when selected by code
    status: ClassVar[str] = "stable"
    #: why a rule is in preview (its page says so), e.g. its judged precision
    preview_reason: ClassVar[str] = ""
    #: whether the rule reports in test code (``test-paths``); when off, the rule's
    #: ``include-tests = true`` option turns it back on (secrets in fixtures, a test
    #: app without auth or with debug on are not findings a reviewer wants)
    report_in_tests: ClassVar[bool] = True
    #: whether the rule judges only request-serving code: in a module under
    #: ``non-request-paths`` (migrations, scripts, command lines) that defines no app,
    #: router or path operation, it does not run
    request_serving_only: ClassVar[bool] = False
    #: SARIF ``precision``: ``very-high``, ``high``, ``medium`` or ``low``
    precision: ClassVar[str] = "high"
    tags: ClassVar[tuple[str, ...]] = ()
    #: CWE id for security rules (e.g. 798)
    cwe: ClassVar[int | None] = None
    #: SARIF ``security-severity`` for security rules, in (0.0, 10.0]
    security_severity: ClassVar[float | None] = None
    options: ClassVar[tuple[Option, ...]] = ()

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        values = {o.name: o.default for o in self.options}
        values.update(settings or {})
        self.settings = values

    # -- pre-screen -------------------------------------------------------

    def prescreen(self, text: str) -> bool:
        """Whether a module with this text can hold a finding of the rule.

        It must never say no to a module the rule would report on: it only saves
        parsing modules that cannot matter. The default asks for a mention of
        FastAPI or Starlette.
        """
        return mentions_fastapi(text)

    def prescreen_tree(self, tree: ast.Module, text: str) -> bool:
        """A second pre-screen, on CPython's ``ast`` of a module the text pre-screen
        admitted: whether the module can hold a finding of the rule.

        Same contract as :meth:`prescreen` (never no where the rule would report);
        for rules whose text pre-screen is wide, it spares the libcst parse, which
        costs about ten ``ast`` parses. The default says yes.
        """
        return True

    # -- hooks ------------------------------------------------------------

    def check_module(self, ctx: RuleContext) -> None:
        """Called once per module."""

    def check_route(self, route: Route, ctx: RuleContext) -> None:
        """Called for every path operation of the module."""

    def check_dependency(self, dependency: DependencyFunction, ctx: RuleContext) -> None:
        """Called for every dependency function defined in the module."""

    def check_middleware(self, middleware: Middleware, ctx: RuleContext) -> None:
        """Called for every middleware function defined in the module."""

    def check_app(self, container: Container, ctx: RuleContext) -> None:
        """Called for every app and router of the module."""

    def check_project(self, project: ProjectContext) -> None:
        """Called once per run, after every module: ``project.index`` and
        ``project.tree`` know the whole project, ``project.deferred()`` gives the
        candidates this rule left with ``ctx.defer``; report with ``project.report``."""

    def redactions(self, ctx: RuleContext) -> list[Span]:
        """Spans of the module whose text no output may print (secrets).

        Called for every registered rule that overrides it, selected or not, on
        every module that has findings: a secret must stay masked in another
        rule's code frame too.
        """
        return []

    # -- findings ---------------------------------------------------------

    def finding(self, path: str, span: Span, message: str, *, fix: Fix | None = None, help: str | None = None,
                redact: tuple[Span, ...] = ()) -> Finding:
        """A :class:`Finding` of this rule (rules report through ``ctx.report``)."""
        return Finding(code=self.code, name=self.name, message=message, severity=self.severity, path=path,
                       span=span, fix=fix, help=help, url=self.url(), redact=redact)

    # -- metadata ---------------------------------------------------------

    @classmethod
    def hooks(cls) -> tuple[str, ...]:
        """The hooks this rule overrides."""
        names = ("check_module", "check_route", "check_dependency", "check_middleware", "check_app",
                 "check_project")
        return tuple(n for n in names if getattr(cls, n) is not getattr(Rule, n))

    @classmethod
    def doc(cls) -> str:
        """The rule's documentation (its docstring, dedented)."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        """The documentation split by ``## heading``, in order."""
        sections: dict[str, str] = {}
        current: str | None = None
        lines: list[str] = []
        for line in cls.doc().splitlines():
            if line.startswith("## "):
                if current is not None:
                    sections[current] = "\n".join(lines).strip()
                current = line[3:].strip()
                lines = []
            elif current is not None:
                lines.append(line)
        if current is not None:
            sections[current] = "\n".join(lines).strip()
        return sections

    @classmethod
    def doc_examples(cls, section: str) -> list[str]:
        """The Python code blocks of a documentation section."""
        text = cls.doc_sections().get(section, "")
        return [textwrap.dedent(m.group(1)) for m in re.finditer(r"```python\n(.*?)```", text, re.S)]

    @classmethod
    def url(cls) -> str:
        return f"{DOCS_BASE_URL}{cls.code}.md"

    @classmethod
    def first_sentence(cls) -> str:
        what = cls.doc_sections().get("What it does", cls.summary)
        text = " ".join(what.split())
        match = re.match(r"(.+?\.)(\s|$)", text)
        return match.group(1) if match else text
