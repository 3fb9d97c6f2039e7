"""Contract suites for plugin authors: one import, one subclass, a full set of tests.

from shopctl.testing.contract import PlatformContract

class TestMyShop(PlatformContract):
    platform_class = MyShop
    settings = {"base_url": "http://127.0.0.1:1", "api_key": "test"}
"""

from shopctl.testing.channel_contract import ChannelContract
from shopctl.testing.platform_contract import PlatformContract

__all__ = ["ChannelContract", "PlatformContract"]
