"""The fast comment scanner reads the same comments as tokenize on valid code."""

from __future__ import annotations

import pytest

from fastapi_lint.api import lint_source
from fastapi_lint.suppress import _scan_comments, _tokenize_comments

SNIPPETS = [
    "x = 1  # noqa\n",
    "s = '# not a comment'  # noqa: FAPI201\n",
    's = "a # b" \'c # d\'  # real\n',
    "s = '''\n# inside\n'''  # after\n",
    's = """a\\"""# still inside"""  # after\n',
    "s = rb'\\\\'  # c\n",
    "s = f'{x!r:>{width}}'  # c\n",
    "print(1 if\"a\"else 2)  # c\n",
    "x = 'a\\\nb # inside'  # real\n",
    "x = 'a\\\r\nb # noqa'\r\ny = 1  # real\r\n",
    'x = "a\\\r\n# fastapi-lint: noqa"\r\n',
    "x = '''a\\\r\n# z'''  # c\r\n",
    "x = 1\r\n\x0cy = 2  # c\r\n",
    "# fastapi-lint: noqa: FAPI2\nx = 1\n",
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_scanner_agrees_with_tokenize(text: str) -> None:
    assert _scan_comments(text) == _tokenize_comments(text)


def test_a_continued_string_in_a_crlf_file_is_not_a_file_wide_noqa() -> None:
    source = ("import time\r\nfrom fastapi import FastAPI\r\napp = FastAPI()\r\n"
              "HELP = 'to silence a file, write \\\r\n# fastapi-lint: noqa'\r\n"
              "@app.get('/')\r\nasync def f():\r\n    time.sleep(1)\r\n")
    assert "FAPI201" in {f.code for f in lint_source(source, select=["FAPI201"])}
