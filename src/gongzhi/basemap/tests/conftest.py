import pytest


@pytest.fixture
def map_demo(demo):
    """The demo district with a few residents (so estates and buildings) and the demo base layers."""
    from gongzhi.basemap import demo as basemap_demo
    from gongzhi.registry import demo as registry_demo

    registry_demo.build(demo.district, residents=300)
    basemap_demo.build(demo.district)
    return demo
