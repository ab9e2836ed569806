"""The architecture graph of a small blueprint, as mermaid and DOT."""

from __future__ import annotations

from blueprints.docsgen.graph import architecture, to_dot, to_mermaid
from blueprints.model import Blueprint

SMALL = Blueprint.model_validate(
    {
        "name": "shop",
        "description": "A small shop.",
        "postgres": {},
        "redis": {},
        "topics": [{"name": "orders", "dead_letter": True}],
        "services": [
            {
                "name": "api",
                "image": "ghcr.io/acme/api:1.0.0",
                "uses": {"postgres": "read-write", "redis": True},
                "produces": ["orders"],
            },
            {
                "name": "worker",
                "image": "ghcr.io/acme/worker:1.0.0",
                "uses": {"postgres": "read-only"},
                "consumes": ["orders"],
            },
        ],
        "routes": [{"path": "/v1/shop", "service": "api"}],
    }
)


def test_edges_of_a_small_blueprint() -> None:
    graph = architecture(SMALL)
    assert graph.edge_pairs() == {
        ("clients", "API gateway"),
        ("API gateway", "api"),
        ("api", "Postgres"),
        ("api", "Redis"),
        ("api", "orders"),
        ("orders", "worker"),
        ("worker", "Postgres"),
        ("worker", "orders.dlq"),
        ("api", "OTel collector"),
        ("worker", "OTel collector"),
    }
    labels = {(e.source, e.target): e.label for e in graph.edges}
    assert labels[("gateway", "svc_api")] == "/v1/shop"
    assert labels[("svc_worker", "postgres")] == "read-only"


def test_soft_dependencies_are_dashed() -> None:
    data = SMALL.model_dump()
    data["services"][0]["soft_dependencies"] = ["redis", "kafka"]
    graph = architecture(Blueprint.model_validate(data))
    edges = {(e.source, e.target): e for e in graph.edges}
    assert (edges[("svc_api", "redis")].label, edges[("svc_api", "redis")].dashed) == ("soft", True)
    outbox = edges[("svc_api", "topic_orders")]
    assert (outbox.label, outbox.dashed) == ("outbox", True)
    assert 'svc_api -.->|"soft"| redis' in to_mermaid(graph)


def test_mermaid_text() -> None:
    text = to_mermaid(architecture(SMALL))
    assert text.startswith("flowchart LR\n")
    for line in (
        'gateway -->|"/v1/shop"| svc_api',
        'svc_api -->|"read-write"| postgres',
        "svc_api --> redis",
        "svc_api --> topic_orders",
        "topic_orders --> svc_worker",
        'svc_worker -.->|"dead letters"| topic_orders_dlq',
        'svc_api -.->|"OTLP"| otel',
        'svc_worker -.->|"OTLP"| otel',
        'subgraph service_group["services"]',
        'topic_orders_dlq>"orders.dlq"]',
    ):
        assert f"    {line}" in text.splitlines() or f"        {line}" in text.splitlines(), line


def test_dot_has_the_same_edges() -> None:
    graph = architecture(SMALL)
    text = to_dot(graph)
    assert text.startswith('digraph "shop" {')
    edges = [line.strip() for line in text.splitlines() if "->" in line]
    assert len(edges) == len(graph.edges)
    assert 'gateway -> svc_api [label="/v1/shop"];' in edges
    assert 'svc_api -> otel [label="OTLP", style=dashed];' in edges


def test_without_gateway_or_datastores_only_the_collector() -> None:
    bp = Blueprint.model_validate(
        {
            "name": "batch",
            "description": "A batch job.",
            "services": [{"name": "job", "image": "ghcr.io/acme/job:1.0.0"}],
        }
    )
    graph = architecture(bp)
    assert [n.kind for n in graph.nodes] == ["service", "otel"]
    assert graph.edge_pairs() == {("job", "OTel collector")}
