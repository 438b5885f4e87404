"""The reverse proxy in front of a service's replicas (HAProxy): its config file and a runtime API client.

Pure apart from ``runtime``'s sockets; never imports the Docker SDK (the caller runs the proxy container).
"""

from engine.proxy.config import (
    ADMIN_PORT,
    BINARY,
    CONFIG_PATH,
    DEFAULT_IMAGE,
    ProxyFrontend,
    ProxyTimeouts,
    proxy_argv,
    render_proxy_config,
)
from engine.proxy.runtime import HaproxyRuntime
from engine.proxy.stats import ServerStat, parse_show_stat

__all__ = [
    "ADMIN_PORT",
    "BINARY",
    "CONFIG_PATH",
    "DEFAULT_IMAGE",
    "HaproxyRuntime",
    "ProxyFrontend",
    "ProxyTimeouts",
    "ServerStat",
    "parse_show_stat",
    "proxy_argv",
    "render_proxy_config",
]
