"""The FastAPI model: apps, routers, routes, parameters, dependencies, middleware."""

import libcst as cst

from fastapi_lint.model.builder import build_model
from fastapi_lint.source import SourceFile


def model_of(code: str, module: str = "pkg.mod"):
    source = SourceFile.from_bytes("mod.py", code.encode())
    return build_model(cst.parse_module(source.text), source, module)


def test_apps_and_routers_by_qualified_name() -> None:
    m = model_of(
        "import fastapi\n"
        "from fastapi import APIRouter as R\n"
        "import fastapi.routing\n"
        "from fastapi.applications import FastAPI as Application\n"
        "app = fastapi.FastAPI()\n"
        "a = R(prefix='/a')\n"
        "b = fastapi.routing.APIRouter()\n"
        "c = Application()\n"
        "class MyRouter(R):\n    pass\n"
        "d = MyRouter(prefix='/d')\n"
        "e = dict()\n"
    )
    assert [(x.name, x.class_name) for x in m.apps] == [("app", "fastapi.FastAPI"), ("c", "fastapi.FastAPI")]
    assert [(x.name, x.prefix) for x in m.routers] == [("a", "/a"), ("b", ""), ("d", "/d")]


def test_routes_everywhere() -> None:
    m = model_of(
        "from fastapi import APIRouter, FastAPI\n"
        "from .routers import items_router\n"
        "app = FastAPI()\n"
        "router = APIRouter()\n"
        "@router.get('/a')\nasync def a(): ...\n"
        "@app.api_route('/b', methods=['GET', 'POST'])\ndef b(): ...\n"
        "@app.websocket('/ws')\nasync def ws(websocket): ...\n"
        "def register(app2: FastAPI):\n"
        "    @app2.delete('/c/{id}')\n    def c(id: int): ...\n"
        "def create():\n"
        "    inner = FastAPI()\n"
        "    @inner.patch('/d')\n    def d(): ...\n"
        "    return inner\n"
        "def untyped(r):\n"
        "    @r.put('/e')\n    def e(): ...\n"
        "@items_router.post('/f')\ndef f(): ...\n"
        "def g(): ...\n"
        "router.add_api_route('/g', g, methods=['PUT'])\n"
        "cache = {}\n"
        "@cache.get('key')\ndef not_a_route(): ...\n"
    )
    routes = {(r.methods, r.path, r.handler.name if r.handler else None) for r in m.routes}
    assert routes == {
        (("GET",), "/a", "a"),
        (("GET", "POST"), "/b", "b"),
        (("WEBSOCKET",), "/ws", "ws"),
        (("DELETE",), "/c/{id}", "c"),
        (("PATCH",), "/d", "d"),
        (("PUT",), "/e", "e"),
        (("POST",), "/f", "f"),
        (("PUT",), "/g", "g"),
    }
    owners = {r.path: (r.owner.name if r.owner else None) for r in m.routes}
    assert owners == {"/a": "router", "/b": "app", "/ws": "app", "/c/{id}": "app2", "/d": "inner", "/e": None,
                      "/f": None, "/g": "router"}


def test_parameters_and_dependencies() -> None:
    m = model_of(
        "from typing import Annotated\n"
        "from fastapi import Depends, FastAPI, Query, Request, Security\n"
        "from fastapi.security import OAuth2PasswordBearer\n"
        "from sqlalchemy.orm import Session\n"
        "from .deps import get_db\n"
        "app = FastAPI()\n"
        "oauth2 = OAuth2PasswordBearer(tokenUrl='token')\n"
        "def current_user(token: str = Depends(oauth2)): ...\n"
        "CurrentUser = Annotated[dict, Depends(current_user)]\n"
        "class Paginator:\n    def __init__(self, page: int = 1): ...\n"
        "@app.get('/items/{item_id}', dependencies=[Security(current_user, scopes=['items'])])\n"
        "async def read(item_id: int, request: Request, user: CurrentUser,\n"
        "               db: Annotated[Session, Depends(get_db)], q: str = Query(None),\n"
        "               page: Paginator = Depends()): ...\n"
    )
    [route] = m.routes
    params = {p.name: (p.source, p.type) for p in route.parameters}
    assert params == {
        "item_id": ("path", "builtins.int"),
        "request": ("request", "fastapi.Request"),
        "user": ("depends", "builtins.dict"),
        "db": ("depends", "sqlalchemy.orm.Session"),
        "q": ("query", "builtins.str"),
        "page": ("depends", "pkg.mod.Paginator"),
    }
    deps = {p.name: p.dependency for p in route.parameters if p.dependency}
    assert deps["user"].function.name == "current_user"
    assert deps["db"].target == "pkg.deps.get_db" and deps["db"].function is None
    assert deps["page"].class_.name == "Paginator" and deps["page"].function.name == "__init__"
    [decorator_dep] = route.dependencies
    assert decorator_dep.is_security and decorator_dep.scopes == ("items",)
    dep_functions = {d.function.name for d in m.dependency_functions}
    assert dep_functions == {"current_user", "__init__"}
    current = next(d for d in m.dependency_functions if d.function.name == "current_user")
    assert current.parameters[0].dependency.scheme == "fastapi.security.OAuth2PasswordBearer"
    assert [s.name for s in m.security_schemes] == ["oauth2"]


def test_middleware_handlers_includes() -> None:
    m = model_of(
        "from fastapi import FastAPI, Request\n"
        "from fastapi.middleware.cors import CORSMiddleware\n"
        "from starlette.middleware import Middleware\n"
        "from starlette.middleware.base import BaseHTTPMiddleware\n"
        "from .api import api_router\n"
        "class Timing(BaseHTTPMiddleware):\n    async def dispatch(self, request, call_next): ...\n"
        "class Raw:\n    async def __call__(self, scope, receive, send): ...\n"
        "app = FastAPI(middleware=[Middleware(CORSMiddleware, allow_origins=['*'])])\n"
        "app.add_middleware(Raw)\n"
        "@app.middleware('http')\nasync def log(request: Request, call_next): ...\n"
        "@app.exception_handler(ValueError)\nasync def on_value(request, exc): ...\n"
        "app.add_exception_handler(404, on_value)\n"
        "app.include_router(api_router, prefix='/api')\n"
    )
    assert sorted((mw.kind, mw.function.name) for mw in m.middleware) == [
        ("asgi", "__call__"), ("base-http", "dispatch"), ("http", "log")]
    assert sorted((r.middleware_class, r.owner.name) for r in m.middleware_registrations) == [
        ("pkg.mod.Raw", "app"), ("starlette.middleware.cors.CORSMiddleware", "app")]
    assert sorted(str(h.exception) for h in m.exception_handlers) == ["404", "builtins.ValueError"]
    [include] = m.includes
    assert include.target == "pkg.api.api_router" and include.prefix == "/api"


def test_calls_resolve_through_scopes() -> None:
    m = model_of(
        "import time\n"
        "from fastapi import FastAPI\n"
        "app = FastAPI()\n"
        "def outer(time):\n"
        "    time.sleep(1)\n"
        "def inner():\n"
        "    import requests as r\n"
        "    r.get('x')\n"
        "    time.sleep(1)\n"
    )
    callees = [c.callee for c in m.calls]
    assert callees == ["fastapi.FastAPI", None, "requests.get", "time.sleep"]


def test_one_answer_to_what_an_except_clause_catches() -> None:
    """The model's handlers and the rules' helper agree on every clause, including a
    name bound differently on two paths (a conditional import)."""
    from fastapi_lint.model.nodes import is_broad_handler

    model = model_of(
        "try:\n    from prisma.errors import PrismaError as E\nexcept ImportError:\n    E = Exception\n"
        "import builtins\n"
        "def f():\n"
        "    try:\n        g()\n    except E:\n        pass\n"
        "    try:\n        g()\n    except (ValueError, Exception):\n        pass\n"
        "    try:\n        g()\n    except:\n        pass\n"
        "    try:\n        g()\n    except builtins.BaseException:\n        pass\n"
        "    try:\n        g()\n    except KeyError:\n        pass\n"
    )
    handlers = [h for site in model.calls if getattr(site.node.func, "value", None) == "g"
                for block in site.trys for h in block.handlers]
    assert [h.is_broad for h in handlers] == [is_broad_handler(h.node, h.scope) for h in handlers]
    assert [h.is_broad for h in handlers] == [False, True, True, True, False]
    assert handlers[0].types == (None,)
