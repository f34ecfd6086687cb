"""Regressions found by trying the tool as a new user would (one test per report)."""

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from fastapi_lint.api import lint_source
from fastapi_lint.cli import main
from fastapi_lint.secrets import prescreen


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


LEAKY = '''import jwt
import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/a")
async def a() -> dict:
    return requests.get("https://svc:Hunter2Pass77x@api.internal/v1", timeout=5).json()


def f(token="a1B2c3D4e5F6g7H8"):
    return jwt.encode({"a": 1}, "a9Bc8De7Fg6Hi5Jk", algorithm="HS256")


@app.get("/b")
async def b(x_token: str = "9f8e7d6c5b4aQWERTYzxcv"):
    return {}
'''
SECRETS = ("Hunter2Pass77x", "a1B2c3D4e5F6g7H8", "a9Bc8De7Fg6Hi5Jk", "9f8e7d6c5b4aQWERTYzxcv")


@pytest.mark.parametrize("select", ["ALL", "FAPI101,FAPI201,FAPI301"])
@pytest.mark.parametrize("fmt", ["full", "concise", "json", "sarif", "github"])
def test_no_secret_is_printed_in_any_frame_or_fix(here: Path, fmt: str, select: str) -> None:
    (here / "leak.py").write_text(LEAKY)
    code, out, err = run("--isolated", "--select", select, "--output-format", fmt, "leak.py")
    assert code == 1
    for secret in SECRETS:
        assert secret not in out and secret not in err


def test_masks_do_not_reveal_length(here: Path) -> None:
    (here / "leak.py").write_text('SECRET_KEY = "09d25e094faa6ca2556c818166b7a95"\n')
    out = run("--isolated", "leak.py")[1]
    assert "SECRET_KEY = *****" in out


@pytest.mark.parametrize("code", [
    '# \u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130\u0130\nDB_PASSWORD = "9f8e7d6c5b4aQWERTYzxcv"\n',
    'if (x_token ==\n        "q8Zr2LmX9vTp4KwY7nBs"):\n    pass\n',
    'if ("q8Zr2LmX9vTp4KwY7nBs" ==\n        x_token):\n    pass\n',
    'def f(\n    password: str\n    = "Zx9Qw8Er7Ty6Ui5O",\n):\n    pass\n',
])
def test_prescreen_admits_what_the_rule_reports(code: str) -> None:
    assert lint_source(code, select=["FAPI401"])
    assert prescreen(code)


def _write_deep_files(directory: Path) -> None:
    fastapi = "from fastapi import FastAPI\n"
    (directory / "parens.py").write_text(fastapi + "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    (directory / "lists.py").write_text(fastapi + "x = " + "[" * 3000 + "]" * 3000 + "\n")
    (directory / "attrs.py").write_text(fastapi + "y = a" + ".b" * 20000 + "\n")
    (directory / "plus.py").write_text(fastapi + "z = " + "+".join(["1"] * 8000) + "\n")
    (directory / "chain.py").write_text(fastapi + "z = " + "+".join(['"ab"'] * 600) + "\n")
    for index in range(8):
        (directory / f"ok{index}.py").write_text(fastapi + 'API_KEY = "Zq8kd92ffLmN0pQ"\n')


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_deep_nesting_never_crashes_the_run(here: Path, jobs: str) -> None:
    _write_deep_files(here)
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "fastapi_lint", "--isolated", "--jobs", jobs,
                             "--output-format", "json", "."], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    by_file = {(f["filename"], f["code"]) for f in findings}
    for name in ("parens.py", "lists.py", "attrs.py", "plus.py"):
        assert (name, "FAPI000") in by_file
    assert sum(1 for f in findings if f["code"] == "FAPI401") == 8
    assert not any(f["filename"] == "chain.py" for f in findings)
    assert "Traceback" not in result.stderr


def test_nul_byte_is_located(here: Path) -> None:
    (here / "nul.py").write_bytes(b"from fastapi import FastAPI\n" + b"x = 1\n" * 9 + b"y = '\x00'\n")
    [finding] = json.loads(run("--isolated", "--output-format", "json", "nul.py")[1])
    assert finding["code"] == "FAPI000" and finding["location"] == {"column": 6, "row": 11}


def test_config_that_is_not_utf8_exits_2(here: Path) -> None:
    (here / "pyproject.toml").write_bytes(b"[tool.fastapi-lint]\n# caf\xe9\n")
    (here / "app.py").write_text("x = 1\n")
    code, _, err = run("app.py")
    assert code == 2 and "pyproject.toml" in err and "UTF-8" in err


def test_output_into_a_missing_directory_exits_2(here: Path) -> None:
    (here / "app.py").write_text("x = 1\n")
    code, _, err = run("--isolated", "-o", str(here / "missing" / "out.txt"), "app.py")
    assert code == 2 and "cannot write" in err


def test_command_line_selection_overrides_the_configuration(here: Path) -> None:
    (here / "pyproject.toml").write_text('[tool.fastapi-lint]\nextend-select = ["FAPI202"]\nignore = ["FAPI301"]\n')
    (here / "app.py").write_text(
        "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef index():\n"
        "    time.sleep(1)\n")
    codes = lambda *a: {f["code"] for f in json.loads(run("--output-format", "json", *a, "app.py")[1])}  # noqa: E731
    assert codes() == {"FAPI202"}
    assert codes("--select", "FAPI201") == set()
    assert codes("--select", "FAPI301") == {"FAPI301"}
    assert codes("--extend-select", "FAPI301") == {"FAPI202", "FAPI301"}


def test_each_path_uses_its_own_configuration(here: Path) -> None:
    for name in ("projA", "projB"):
        (here / name).mkdir()
        (here / name / "a.py").write_text('API_KEY = "Zq8kd92ffLmN0pQ"\n')
    (here / "projA" / "pyproject.toml").write_text('[tool.fastapi-lint]\nignore = ["FAPI401"]\n')
    (here / "projB" / "pyproject.toml").write_text('[project]\nname = "b"\n')
    for order in (("projA", "projB"), ("projB", "projA")):
        findings = json.loads(run("--output-format", "json", *order)[1])
        assert [f["filename"] for f in findings] == ["projB/a.py"]


def test_source_cannot_forge_output_lines(here: Path) -> None:
    (here / "app.py").write_text(
        'from fastapi import FastAPI\napp = FastAPI()\n@app.get("/a\\nFAKE.py:1:1: FAPI999 injected")\n'
        "async def a():\n    return 1\n")
    out = run("--isolated", "--output-format", "concise", "-q", "app.py")[1]
    assert len(out.strip().splitlines()) == 1 and "\\n" in out


def test_time_sleep_fix_respects_a_local_asyncio() -> None:
    code = ("import time\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/a')\nasync def a() -> dict:\n"
            "    asyncio = 1\n    time.sleep(1)\n    return {}\n")
    [finding] = lint_source(code, select=["FAPI201"])
    assert finding.fix is None


def test_config_file_with_any_name(here: Path) -> None:
    (here / "app.py").write_text('API_KEY = "Zq8kd92ffLmN0pQ"\n')
    (here / "custom.toml").write_text('[tool.fastapi-lint]\nignore = ["FAPI401"]\n')
    assert run("--config", "custom.toml", "app.py")[0] == 0
    (here / "plain.toml").write_text('ignore = ["FAPI401"]\n')
    assert run("--config", "plain.toml", "app.py")[0] == 0
    (here / "fastapi-lint.toml").write_text('ignore = ["FAPI401"]\n')
    assert run("app.py")[0] == 0


def test_empty_selectors_and_conflicting_flags(here: Path) -> None:
    (here / "app.py").write_text("x = 1\n")
    assert run("--select", "", "app.py")[0] == 2
    assert run("--select", ",,", "app.py")[0] == 2
    (here / "pyproject.toml").write_text('[tool.fastapi-lint]\nselect = [""]\n')
    assert run("app.py")[0] == 2
    assert run("--isolated", "--config", "missing.toml", "app.py")[0] == 2


def test_statistics_in_json(here: Path) -> None:
    (here / "app.py").write_text('API_KEY = "Zq8kd92ffLmN0pQ"\n')
    out = json.loads(run("--isolated", "--statistics", "--output-format", "json", "app.py")[1])
    assert out == [{"code": "FAPI401", "count": 1, "fixable": False, "name": "hardcoded-secret"}]


def test_broken_symlink_given_explicitly_exits_2(here: Path) -> None:
    os.symlink(here / "nowhere.py", here / "link.py")
    code, _, err = run("--isolated", "link.py")
    assert code == 2 and "broken symbolic link" in err


def test_noqa_spelling_and_file_level_noqa_on_its_own_line(here: Path) -> None:
    body = 'API_KEY = "Zq8kd92ffLmN0pQ"  # noqa : FAPI201\nTOKEN = "Xk9#mQ2$vL7p"\n'
    (here / "app.py").write_text(body)
    assert len(json.loads(run("--isolated", "--output-format", "json", "app.py")[1])) == 2
    (here / "app.py").write_text("x = 1  # fastapi-lint: noqa\n" + body)
    assert len(json.loads(run("--isolated", "--output-format", "json", "app.py")[1])) == 2
    (here / "app.py").write_text("# fastapi-lint: noqa\n" + body)
    assert run("--isolated", "app.py")[0] == 0


def test_stub_route_is_not_asked_for_a_response_model() -> None:
    code = "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/a')\ndef a():\n    raise NotImplementedError\n"
    assert lint_source(code, select=["FAPI301"]) == []


def test_a_file_that_hangs_a_rule_becomes_an_internal_error(here: Path, monkeypatch) -> None:
    import time as time_module

    from fastapi_lint.rules.async_io.blocking_call_in_async_route import BlockingCallInAsyncRoute

    original = BlockingCallInAsyncRoute.check_route

    def slow(self, route, ctx):
        if route.path == "/hang":
            while True:
                time_module.sleep(0.01)
        return original(self, route, ctx)

    monkeypatch.setattr(BlockingCallInAsyncRoute, "check_route", slow)
    (here / "pyproject.toml").write_text("[tool.fastapi-lint]\nper-file-timeout = 0.5\n")
    hang = "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/hang')\nasync def h():\n    time.sleep(1)\n"
    (here / "hang.py").write_text(hang)
    (here / "ok.py").write_text(hang.replace("/hang", "/ok"))
    code, out, err = run("--select", "FAPI201", "--jobs", "1", "--output-format", "concise", ".")
    assert code == 2
    assert "hang.py: timed out after 0.5 s (per-file-timeout)" in err
    assert "Traceback" not in err
    assert "ok.py:6:5: FAPI201" in out  # the other file is still linted


def test_per_file_timeout_must_be_a_number(here: Path) -> None:
    (here / "pyproject.toml").write_text('[tool.fastapi-lint]\nper-file-timeout = "soon"\n')
    (here / "a.py").write_text("x = 1\n")
    code, out, err = run(".")
    assert code == 2 and "per-file-timeout" in err


@pytest.mark.parametrize("fmt", ["full", "concise", "json", "sarif", "github"])
def test_a_secret_route_path_is_masked_in_other_rules_messages(here: Path, fmt: str) -> None:
    key = "sk_live_51HxQk2eZvKYlo2CabcdEFGH1234"
    (here / "pyproject.toml").write_text("")
    (here / "hooks.py").write_text(
        f'from fastapi import APIRouter, FastAPI\nrouter = APIRouter()\n\n@router.post("/hooks/{key}/{{item}}")\n'
        'def hook(item: int):\n    return {}\napp = FastAPI()\napp.include_router(router)\n')
    code, out, err = run("--select", "ALL", "--output-format", fmt, ".")
    assert code == 1 and "FAPI402" in out
    assert key not in out and key not in err


def test_fapi307_offers_no_fix_it_cannot_write() -> None:
    # Found by the fuzzer: an annotation of `()` rendered as nothing inside Annotated[...].
    source = ("from fastapi import Depends, FastAPI\napp = FastAPI()\ndef get_user():\n    return 'u'\n"
              "@app.get('/')\ndef index(username: () = Depends(get_user)):\n    return {}\n")
    findings = [f for f in lint_source(source, select=["FAPI307"])]
    assert [f.code for f in findings] == ["FAPI307"]
    assert findings[0].fix is None
