"""The deployment files: HAProxy accepts deploy/haproxy.cfg and the configuration
deploy/local.py writes, and both keep a tab on one replica and check its health."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from deploy.local import HAPROXY_CFG, have_haproxy

ROOT = Path(__file__).resolve().parents[1]
NEEDS_HAPROXY = pytest.mark.skipif(not have_haproxy(), reason="haproxy is not installed (apt-get install haproxy)")


def check(path: Path) -> subprocess.CompletedProcess:
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    return subprocess.run([haproxy, "-c", "-f", str(path)], capture_output=True, text=True, timeout=30)


@NEEDS_HAPROXY
def test_haproxy_accepts_both_configurations(tmp_path):
    assert check(ROOT / "deploy" / "haproxy.cfg").returncode == 0
    local = tmp_path / "haproxy.cfg"
    local.write_text(
        HAPROXY_CFG.format(port=18080, balance="leastconn", servers="    server app1 127.0.0.1:18501 cookie app1")
    )
    result = check(local)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("text", [(ROOT / "deploy" / "haproxy.cfg").read_text(), HAPROXY_CFG])
def test_sticky_by_cookie_health_checked_websockets_kept_open(text):
    for line in (
        "cookie BACKPROP_REPLICA insert indirect",
        "option httpchk GET /_stcore/health",
        "timeout tunnel 1h",
        "option redispatch",
    ):
        assert line in text, line
