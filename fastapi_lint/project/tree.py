"""The route tree: every path operation with the chain of includes that serves it.

For each app, ``include_router`` calls are followed down (through routers
declared in other modules, routers returned by factory functions and apps or
routers handed to registration functions as arguments) to every path operation.
A :class:`RouteInstance` is one path operation as one app serves it: its full
path (all prefixes joined) and every dependency that applies to it, in order:
the app's, then for each include on the way the include call's and the router's
own, then the decorator's and the parameters'. A router that no app includes
gives one instance with ``app = None``. Mounted sub-applications are apps of
their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.project.summary import ContainerSummary, DepRef, IncludeSummary, ModuleSummary, RouteSummary


_MAX_CHAINS = 16


@dataclass(frozen=True)
class Link:
    """One step of a chain: a container, and the include call that brought it in."""

    container: ContainerSummary
    include: IncludeSummary | None = None
    include_module: str | None = None


@dataclass
class RouteInstance:
    module: ModuleSummary
    route: RouteSummary
    app: ContainerSummary | None
    chain: list[Link] = field(default_factory=list)
    full_path: str | None = None

    @property
    def dependencies(self) -> list[DepRef]:
        out: list[DepRef] = []
        for link in self.chain:
            if link.include is not None:
                out.extend(link.include.dependencies)
            out.extend(link.container.dependencies)
        out.extend(self.route.dependencies)
        out.extend(p.dependency for p in self.route.params if p.dependency is not None)
        return out

    @property
    def label(self) -> str:
        methods = "/".join(self.route.methods)
        return f"{methods} {self.full_path}" if self.full_path is not None else methods


class RouteTree:
    """Every route instance of the project."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        #: child container id -> [(parent container id, include, module name)]
        self.parents: dict[str, list[tuple[str, IncludeSummary, str]]] = {}
        self.aliases = self._parameter_aliases()
        for module in index.modules.values():
            for include in module.includes:
                parent = self.container_id(include.owner)
                child = self.container_id(include.child) or (
                    self.container_id(self._factory_container(include.factory)) if include.factory else None)
                if parent is not None and child is not None and parent != child:
                    self.parents.setdefault(child, []).append((parent, include, module.name))
        self.instances: list[RouteInstance] = []
        for module in index.modules.values():
            for route in module.routes:
                self.instances.extend(self._instances(module, route))

    def _parameter_aliases(self) -> dict[str, str]:
        """``module.func.<param>.app`` -> the container passed at that position."""
        aliases: dict[str, str] = {}
        for module in self.index.modules.values():
            for callee, position, container in module.container_arguments:
                target = self.index.resolve(callee)
                if target is None or target.kind != "function" or target.function is None:
                    continue
                params = target.function.params
                if position < len(params):
                    qualname = target.name
                    aliases[f"{qualname}.<param>.{params[position].name}"] = container
        return aliases

    def _factory_container(self, factory: str | None) -> str | None:
        target = self.index.resolve(factory)
        if target is not None and target.kind == "function" and target.function is not None:
            return target.function.returns_container
        return None

    def container_id(self, reference: str | None, depth: int = 0) -> str | None:
        """The id of the app or router a reference denotes, through parameter aliases."""
        if reference is None or depth > 8:
            return None
        if reference in self.aliases:
            return self.container_id(self.aliases[reference], depth + 1)
        container = self.index.container_of(reference)
        if container is None:
            return None
        if container.id in self.aliases:
            return self.container_id(self.aliases[container.id], depth + 1)
        return container.id

    def _container(self, cid: str) -> ContainerSummary:
        return self.index.containers[cid][1]

    def _instances(self, module: ModuleSummary, route: RouteSummary) -> list[RouteInstance]:
        owner = self.container_id(route.owner)
        if owner is None:
            return [RouteInstance(module, route, None, [], route.path)]
        chains = self._chains_to_apps(owner, [], set())
        out = []
        for chain in chains:
            app = chain[0].container if chain[0].container.kind == "app" else None
            out.append(RouteInstance(module, route, app, chain, self._full_path(chain, route)))
        return out

    def _chains_to_apps(self, cid: str, below: list[Link], seen: set[str]) -> list[list[Link]]:
        """Every chain from an app (or an unincluded router) down to ``cid``."""
        container = self._container(cid)
        include_of_below = below
        if cid in seen or len(seen) > 32:
            return []
        parents = self.parents.get(cid, [])
        if container.kind == "app" or not parents:
            return [[Link(container), *include_of_below]]
        out: list[list[Link]] = []
        for parent, include, module_name in parents:
            link = Link(container, include, module_name)
            out.extend(self._chains_to_apps(parent, [link, *below], seen | {cid}))
            if len(out) >= _MAX_CHAINS:  # include graphs with many diamonds: enough examples
                break
        return out[:_MAX_CHAINS]

    @staticmethod
    def _full_path(chain: list[Link], route: RouteSummary) -> str | None:
        parts: list[str] = []
        for index, link in enumerate(chain):
            if index > 0 and link.include is not None:
                parts.append(link.include.prefix)
            if link.container.kind == "router":
                parts.append(link.container.prefix)
        if route.path is None:
            return None
        parts.append(route.path)
        return "".join(parts) or "/"

    def apps_of(self, module: ModuleSummary, route: RouteSummary) -> list[ContainerSummary]:
        return [i.app for i in self.instances if i.module is module and i.route is route and i.app is not None]
