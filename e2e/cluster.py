"""A real Kubernetes control plane on loopback for the e2e tests: etcd, kube-apiserver,
kube-controller-manager and kube-scheduler (built from k8s.io/kubernetes by build-tools.sh),
and KWOK playing the kubelet of fake nodes, so Pods go Running and Ready without containers.

Started and stopped by the test session; nothing listens beyond 127.0.0.1, and every file
(certificates, etcd data, logs) stays in the folder it is given.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from e2e.pulumi_cli import Tools

ZONES = ("zone-a", "zone-b", "zone-c")
"""One fake node per zone: the services' zone spread has somewhere to go."""
NODE_ANNOTATION = "kwok.x-k8s.io/node"
READY_TIMEOUT_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(folder: Path) -> str:
    """A CA, the API server's serving certificate for 127.0.0.1, the service-account key pair
    and a static token in `system:masters`; returns the token."""
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=blueprints-e2e-ca", "-keyout", "ca.key", "-out", "ca.crt", cwd=folder)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kube-apiserver",
             "-keyout", "apiserver.key", "-out", "apiserver.csr", cwd=folder)  # fmt: skip
    (folder / "san.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n"
    )
    _openssl("x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "apiserver.crt",
             cwd=folder)  # fmt: skip
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=folder)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=folder)
    token = secrets.token_hex(16)
    (folder / "tokens.csv").write_text(f"{token},admin,admin,system:masters\n")
    return token


def kubeconfig_text(server: str, ca: Path, token: str) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": "e2e", "cluster": {"server": server, "certificate-authority": str(ca)}}
            ],
            "users": [{"name": "admin", "user": {"token": token}}],
            "contexts": [{"name": "e2e", "context": {"cluster": "e2e", "user": "admin"}}],
            "current-context": "e2e",
        },
        indent=2,
    )


@dataclass
class Cluster:
    """The running control plane: its kubeconfig, and `kubectl` bound to it."""

    tools: Tools
    folder: Path
    kubeconfig: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.tools.path("KUBECTL")), "--kubeconfig", str(self.kubeconfig), *args],
            input=input,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {done.stdout}\n{done.stderr}")
        return done

    def apply(self, documents: Sequence[dict[str, Any]], *args: str) -> str:
        """`kubectl apply --server-side` of `documents` (one List); returns kubectl's output."""
        items = {"apiVersion": "v1", "kind": "List", "items": list(documents)}
        return self.kubectl(
            "apply", "--server-side", *args, "-f", "-", input=json.dumps(items)
        ).stdout

    def install_crds(self, documents: Sequence[dict[str, Any]]) -> None:
        """Apply CustomResourceDefinitions and wait until the API server serves them."""
        self.apply(documents)
        names = [f"crd/{body['metadata']['name']}" for body in documents]
        self.kubectl("wait", "--for", "condition=Established", "--timeout", "60s", *names)

    def version(self) -> str:
        info = json.loads(self.kubectl("version", "-o", "json").stdout)
        return str(info["serverVersion"]["gitVersion"])


def _start(cluster: Cluster, name: str, argv: Sequence[str]) -> None:
    log = (cluster.folder / f"{name}.log").open("wb")
    cluster.processes.append(
        subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=cluster.folder)
    )


def _wait(what: str, ready: object, cluster: Cluster) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if callable(ready) and ready():
            return
        for process in cluster.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited; see the logs in {cluster.folder}")
        time.sleep(0.5)
    raise RuntimeError(
        f"{what} not ready after {READY_TIMEOUT_SECONDS} s; logs in {cluster.folder}"
    )


def fake_node(zone: str) -> dict[str, object]:
    name = f"kwok-{zone}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {NODE_ANNOTATION: "fake"},
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": zone,
                "type": "kwok",
            },
        },
        # Room for every stack of the session at once (prod stacks stay: their destroy is
        # refused): lottery-prod alone requests 48 api pods.
        "status": {
            "allocatable": {"cpu": "1000", "memory": "4Ti", "pods": "1000"},
            "capacity": {"cpu": "1000", "memory": "4Ti", "pods": "1000"},
        },
    }


@contextmanager
def running_cluster(tools: Tools, folder: Path) -> Iterator[Cluster]:
    folder.mkdir(parents=True, exist_ok=True)
    token = make_certificates(folder)
    etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
    server = f"https://127.0.0.1:{api_port}"
    kubeconfig = folder / "kubeconfig"
    kubeconfig.write_text(kubeconfig_text(server, folder / "ca.crt", token))
    cluster = Cluster(tools, folder, kubeconfig)
    try:
        _start(cluster, "etcd", [
            str(tools.path("ETCD")), "--name", "e2e", "--data-dir", str(folder / "etcd-data"),
            "--listen-client-urls", f"http://127.0.0.1:{etcd_port}",
            "--advertise-client-urls", f"http://127.0.0.1:{etcd_port}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
            "--initial-cluster", f"e2e=http://127.0.0.1:{peer_port}",
            "--unsafe-no-fsync", "--quota-backend-bytes", str(2 * 1024**3),
        ])  # fmt: skip
        _start(cluster, "kube-apiserver", [
            str(tools.path("KUBE_APISERVER")),
            "--etcd-servers", f"http://127.0.0.1:{etcd_port}",
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
            # The endpoint reconciler refuses a loopback advertise address.
            "--endpoint-reconciler-type", "none",
            "--secure-port", str(api_port),
            "--tls-cert-file", "apiserver.crt", "--tls-private-key-file", "apiserver.key",
            "--client-ca-file", "ca.crt", "--token-auth-file", "tokens.csv",
            "--authorization-mode", "Node,RBAC",
            "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file", "sa.pub",
            "--service-account-signing-key-file", "sa.key",
            "--service-cluster-ip-range", "10.96.0.0/16",
            "--enable-admission-plugins", "NodeRestriction",
        ])  # fmt: skip
        _wait(
            "kube-apiserver",
            lambda: cluster.kubectl("get", "--raw", "/readyz", check=False).stdout == "ok",
            cluster,
        )
        _start(cluster, "kube-controller-manager", [
            str(tools.path("KUBE_CONTROLLER_MANAGER")), "--kubeconfig", str(kubeconfig),
            "--authentication-kubeconfig", str(kubeconfig),
            "--authorization-kubeconfig", str(kubeconfig),
            "--service-account-private-key-file", "sa.key", "--root-ca-file", "ca.crt",
            "--leader-elect=false", "--bind-address", "127.0.0.1",
            "--secure-port", str(free_port()),
            "--controllers", "*,-nodeipam",
            # KWOK posts node status about once a minute: with the default 50 s grace the
            # node lifecycle controller flaps the nodes and marks every pod NotReady for good.
            "--node-monitor-grace-period", "10m",
        ])  # fmt: skip
        _start(cluster, "kube-scheduler", [
            str(tools.path("KUBE_SCHEDULER")), "--kubeconfig", str(kubeconfig),
            "--authentication-kubeconfig", str(kubeconfig),
            "--authorization-kubeconfig", str(kubeconfig),
            "--leader-elect=false", "--bind-address", "127.0.0.1",
            "--secure-port", str(free_port()),
        ])  # fmt: skip
        if "KWOK" in tools.values:
            _start(cluster, "kwok", [
                str(tools.path("KWOK")), "--kubeconfig", str(kubeconfig),
                "--config", str(tools.path("KWOK_STAGES")),
                "--manage-all-nodes=false",
                f"--manage-nodes-with-annotation-selector={NODE_ANNOTATION}=fake",
                # Node Leases renewed like a kubelet's: the nodes' heartbeat.
                "--node-lease-duration-seconds", "40",
                "--server-address", f"127.0.0.1:{free_port()}",
            ])  # fmt: skip
            for zone in ZONES:
                cluster.kubectl("apply", "-f", "-", input=json.dumps(fake_node(zone)))
        yield cluster
    finally:
        for process in reversed(cluster.processes):
            process.terminate()
        for process in reversed(cluster.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
