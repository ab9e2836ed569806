"""A blueprint's architecture as a graph, rendered as mermaid (for code hosts) and DOT (for
Graphviz): the same nodes and edges in both.

Edges: clients -> API gateway -> routed services (labelled with the path prefix); services ->
Postgres (read-write or read-only) and Redis; producers -> topics -> consumers; consumers ->
the dead-letter topics of what they consume (dashed); every service -> the OTel collector
(dashed, OTLP). A service's soft dependencies (Redis with a Postgres fallback, topics written
through an outbox) are dashed and labelled "soft".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from blueprints.model import DLQ_SUFFIX, Blueprint

NodeKind = Literal["client", "gateway", "service", "postgres", "redis", "topic", "otel"]

GROUPS: dict[NodeKind, str] = {"service": "services", "topic": "Kafka topics"}
"""Node kinds drawn inside a box (mermaid subgraph, DOT cluster), with the box's title."""


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: NodeKind


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    dashed: bool = False


@dataclass(frozen=True)
class Graph:
    name: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def edge_pairs(self) -> set[tuple[str, str]]:
        """(source label, target label) of every edge: what tests usually ask about."""
        return {(self.node(e.source).label, self.node(e.target).label) for e in self.edges}


def _ident(prefix: str, name: str) -> str:
    return prefix + re.sub(r"[^A-Za-z0-9]", "_", name)


def architecture(blueprint: Blueprint) -> Graph:
    """The blueprint's components and how they talk, in blueprint order."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    service_ids: dict[str, str] = {}
    topic_ids: dict[str, str] = {}
    used: set[str] = set()

    def add(prefix: str, name: str, label: str, kind: NodeKind) -> str:
        node_id = _ident(prefix, name)
        while node_id in used:  # names differing only in punctuation
            node_id += "_"
        used.add(node_id)
        nodes.append(Node(node_id, label, kind))
        return node_id

    if blueprint.routes:
        add("", "clients", "clients", "client")
        add("", "gateway", "API gateway", "gateway")
        edges.append(Edge("clients", "gateway", "HTTPS"))
    for svc in blueprint.services:
        service_ids[svc.name] = add("svc_", svc.name, svc.name, "service")
    for name in blueprint.topic_names():
        topic_ids[name] = add("topic_", name, name, "topic")
    if blueprint.postgres:
        add("", "postgres", "Postgres", "postgres")
    if blueprint.redis:
        add("", "redis", "Redis", "redis")
    add("", "otel", "OTel collector", "otel")

    for route in blueprint.routes:
        edges.append(Edge("gateway", service_ids[route.service], route.path))
    for svc in blueprint.services:
        sid = service_ids[svc.name]
        if svc.uses.postgres:
            edges.append(Edge(sid, "postgres", svc.uses.postgres))
        soft = set(svc.soft_dependencies)
        if svc.uses.redis:
            edges.append(
                Edge(sid, "redis", "soft", dashed=True) if "redis" in soft else Edge(sid, "redis")
            )
        for topic in svc.produces:
            outbox = "kafka" in soft
            edges.append(Edge(sid, topic_ids[topic], "outbox" if outbox else "", dashed=outbox))
        for topic in svc.consumes:
            edges.append(Edge(topic_ids[topic], sid))
            dlq = topic + DLQ_SUFFIX
            if dlq in topic_ids and not topic.endswith(DLQ_SUFFIX):
                edges.append(Edge(sid, topic_ids[dlq], "dead letters", dashed=True))
        edges.append(Edge(sid, "otel", "OTLP", dashed=True))
    return Graph(blueprint.name, tuple(nodes), tuple(dict.fromkeys(edges)))


_MERMAID_SHAPES: dict[NodeKind, tuple[str, str]] = {
    "client": ("([", "])"),
    "gateway": ("{{", "}}"),
    "service": ("[", "]"),
    "postgres": ("[(", ")]"),
    "redis": ("[(", ")]"),
    "topic": (">", "]"),
    "otel": ("[/", "/]"),
}


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def to_mermaid(graph: Graph) -> str:
    """A `flowchart LR`, without the ```mermaid fence."""
    lines = ["flowchart LR"]

    def node_line(node: Node, indent: str) -> str:
        start, end = _MERMAID_SHAPES[node.kind]
        return f"{indent}{node.id}{start}{_mermaid_text(node.label)}{end}"

    for node in graph.nodes:
        if node.kind not in GROUPS:
            lines.append(node_line(node, "    "))
    for kind, title in GROUPS.items():
        members = [n for n in graph.nodes if n.kind == kind]
        if members:
            lines.append(f"    subgraph {kind}_group[{_mermaid_text(title)}]")
            lines.extend(node_line(n, "        ") for n in members)
            lines.append("    end")
    for edge in graph.edges:
        arrow = "-.->" if edge.dashed else "-->"
        label = f"|{_mermaid_text(edge.label)}|" if edge.label else ""
        lines.append(f"    {edge.source} {arrow}{label} {edge.target}")
    return "\n".join(lines) + "\n"


_DOT_SHAPES: dict[NodeKind, str] = {
    "client": "ellipse",
    "gateway": "hexagon",
    "service": 'box, style="rounded"',
    "postgres": "cylinder",
    "redis": "cylinder",
    "topic": "cds",
    "otel": "parallelogram",
}


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: Graph) -> str:
    """The same graph for Graphviz (`dot -Tsvg`)."""
    lines = [
        f"digraph {_dot_text(graph.name)} {{",
        "    rankdir=LR;",
        '    node [fontname="Helvetica", fontsize=11];',
        '    edge [fontname="Helvetica", fontsize=9];',
    ]

    def node_line(node: Node, indent: str) -> str:
        return f"{indent}{node.id} [label={_dot_text(node.label)}, shape={_DOT_SHAPES[node.kind]}];"

    for node in graph.nodes:
        if node.kind not in GROUPS:
            lines.append(node_line(node, "    "))
    for kind, title in GROUPS.items():
        members = [n for n in graph.nodes if n.kind == kind]
        if members:
            lines.append(f"    subgraph cluster_{kind} {{")
            lines.append(f"        label={_dot_text(title)};")
            lines.extend(node_line(n, "        ") for n in members)
            lines.append("    }")
    for edge in graph.edges:
        attrs = []
        if edge.label:
            attrs.append(f"label={_dot_text(edge.label)}")
        if edge.dashed:
            attrs.append("style=dashed")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"    {edge.source} -> {edge.target}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"
