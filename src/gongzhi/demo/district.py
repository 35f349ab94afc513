"""The synthetic demo district (示范区): 3 streets, 12 communities, 120 grids, and a town (青山镇)
with 2 villages and 12 villagers' groups (村民小组) as grids; demo accounts.

Deterministic: the same input builds the same district. The polygons tile exactly and follow the
roads and the river of ``geography.py``: each street is a strip of blocks between main roads,
each community a quarter of its street, each grid a city block of its community between four
main roads; the town is a fourth strip east of the streets, each village half of it, each
villagers' group a sixth of its village. Codes follow the statistical ranges: the town's three street digits are in
100–199 (镇), the villages' three community digits in 200–399 (村委会).
Later issues extend the demo through ``extend``-style functions in their own apps (residents,
cases, votes…), called from the ``demo_setup`` command after this one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from gongzhi.areas.models import Area, Kind, Level

from . import geography

DISTRICT_CODE = "341702"
DISTRICT_NAME = "示范区"
ORIGIN_LON, ORIGIN_LAT = 117.40, 30.60
STREET_W, STREET_H = 0.06, 0.12
STREETS = ["东城街道", "西城街道", "南湖街道"]
COMMUNITIES = [
    ["幸福社区", "和平社区", "阳光社区", "翠苑社区"],
    ["春晖社区", "长青社区", "明珠社区", "清溪社区"],
    ["湖滨社区", "桂花社区", "枫林社区", "新安社区"],
]
GRID_COLS, GRID_ROWS = 2, 5  # grids about 1.4 km × 1.3 km
TOWN_CODE = f"{DISTRICT_CODE}101"  # 101: a town (镇 100–199)
TOWN_NAME = "青山镇"
VILLAGES = [("201", "青山村"), ("202", "石门村")]  # 201, 202: villages (村委会 200–399)
GROUP_COLS, GROUP_ROWS = 2, 3  # villagers' groups about 2.9 km × 2.2 km
GROUP_NUMERALS = "一二三四五六七八九十"
DEMO_PASSWORD = "Demo@12345"


@dataclass(frozen=True)
class Rect:
    west: float
    south: float
    east: float
    north: float

    def geojson(self) -> dict:
        w, s, e, n = (round(v, 6) for v in (self.west, self.south, self.east, self.north))
        return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}

    @property
    def centroid(self) -> tuple[float, float]:
        return round((self.west + self.east) / 2, 6), round((self.south + self.north) / 2, 6)

    def split(self, cols: int, rows: int) -> list["Rect"]:
        dx, dy = (self.east - self.west) / cols, (self.north - self.south) / rows
        # Row-major from the north-west corner, as grid numbers are usually drawn.
        return [
            Rect(self.west + c * dx, self.north - (r + 1) * dy, self.west + (c + 1) * dx, self.north - r * dy)
            for r in range(rows)
            for c in range(cols)
        ]


def _area(code: str, name: str, level: str, parent: Area | None, rect: Rect, kind: str = "",
          geometry: dict | None = None) -> Area:
    """An area over ``geometry`` (a polygon of the geography) or, without one, the rectangle ``rect``."""
    if geometry is None:
        geometry = rect.geojson()
        lon, lat = rect.centroid
    else:
        lon, lat = _centroid(geometry)
    area = Area(code=code, name=name, level=level, kind=kind, parent=parent, path=Area.build_path(code, parent),
                geometry=geometry, centroid_lon=lon, centroid_lat=lat)
    area.fill_kind()  # bulk_create does not call save()
    return area


def _centroid(geometry: dict) -> tuple[float, float]:
    from shapely.geometry import shape

    point = shape(geometry).centroid
    return round(point.x, 6), round(point.y, 6)


DISTRICT_RECT = Rect(ORIGIN_LON, ORIGIN_LAT, ORIGIN_LON + STREET_W * (len(STREETS) + 1), ORIGIN_LAT + STREET_H)
STREETS_RECT = Rect(ORIGIN_LON, ORIGIN_LAT, ORIGIN_LON + STREET_W * len(STREETS), ORIGIN_LAT + STREET_H)
TOWN_RECT = Rect(STREETS_RECT.east, ORIGIN_LAT, DISTRICT_RECT.east, ORIGIN_LAT + STREET_H)


@transaction.atomic
def build_areas() -> Area:
    """Create the hierarchy if it is not there yet (the town too, in a district built before it
    was added); return the district."""
    district = Area.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        district = _build_streets()
    if not Area.objects.filter(code=TOWN_CODE).exists():
        _build_town(district)
    return district


def _build_streets() -> Area:
    district_rect = STREETS_RECT
    district = _area(DISTRICT_CODE, DISTRICT_NAME, Level.DISTRICT, None, DISTRICT_RECT)
    district.save()
    streets, communities, grids = [], [], []
    net = geography.STREETS_NET
    for s, (street_name, street_rect) in enumerate(zip(STREETS, district_rect.split(len(STREETS), 1)), start=1):
        street = _area(f"{DISTRICT_CODE}{s:03d}", street_name, Level.STREET, district, street_rect,
                       geometry=net.block_geojson(*geography.street_cells(s - 1)))
        streets.append(street)
    Area.objects.bulk_create(streets)
    for s, street in enumerate(streets):
        street_rect = district_rect.split(len(STREETS), 1)[s]
        for c, (name, rect) in enumerate(zip(COMMUNITIES[s], street_rect.split(2, 2)), start=1):
            communities.append(_area(f"{street.code}{c:03d}", name, Level.COMMUNITY, street, rect,
                                     geometry=net.block_geojson(*geography.community_cells(s, c - 1))))
    Area.objects.bulk_create(communities)
    for n, community in enumerate(communities):
        rect = Rect(*_bounds(community.geometry))
        for g, grid_rect in enumerate(rect.split(GRID_COLS, GRID_ROWS), start=1):
            i, j = geography.grid_cell(n // 4, n % 4, g - 1)
            grids.append(_area(f"{community.code}{g:02d}", f"{community.name}第{g:02d}网格", Level.GRID, community,
                               grid_rect, geometry=net.block_geojson(i, j, i + 1, j + 1)))
    Area.objects.bulk_create(grids)
    return district


def _build_town(district: Area) -> None:
    """青山镇: two villages, each of six villagers' groups (村民小组) that serve as its grids."""
    district.geometry = DISTRICT_RECT.geojson()
    district.centroid_lon, district.centroid_lat = DISTRICT_RECT.centroid
    district.save(update_fields=["geometry", "centroid_lon", "centroid_lat", "updated_at"])
    town = _area(TOWN_CODE, TOWN_NAME, Level.STREET, district, TOWN_RECT)
    town.save()
    villages, groups = [], []
    net = geography.TOWN_NET
    for v, ((digits, name), rect) in enumerate(zip(VILLAGES, TOWN_RECT.split(1, len(VILLAGES)))):
        villages.append(_area(f"{TOWN_CODE}{digits}", name, Level.COMMUNITY, town, rect,
                              geometry=net.block_geojson(*geography.village_cells(v))))
    Area.objects.bulk_create(villages)
    for v, village in enumerate(Area.objects.filter(parent=town).order_by("code")):
        rect = Rect(*_bounds(village.geometry))
        for g, group_rect in enumerate(rect.split(GROUP_COLS, GROUP_ROWS), start=1):
            i, j = geography.group_cell(v, g - 1)
            groups.append(_area(f"{village.code}{g:02d}", f"{village.name}第{GROUP_NUMERALS[g - 1]}村民小组",
                                Level.GRID, village, group_rect, kind=Kind.VILLAGER_GROUP,
                                geometry=net.block_geojson(i, j, i + 1, j + 1)))
    Area.objects.bulk_create(groups)


def _bounds(geometry: dict) -> tuple[float, float, float, float]:
    ring = geometry["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


DEPARTMENTS = [
    ("CG", "区城市管理局", "0566-2001001"),
    ("ZJ", "区住房和城乡建设局", "0566-2001002"),
    ("SJ", "区市场监督管理局", "0566-2001003"),
    ("YJ", "区应急管理局", "0566-2001004"),
    ("MZ", "区民政局", "0566-2001005"),
    ("GA", "区公安分局", "0566-2001006"),
]

# username, real name, phone, role, area code or department code
DEMO_ACCOUNTS = [
    ("admin", "赵系统", "13800000001", "system_admin", DISTRICT_CODE),
    ("auditor", "钱审计", "13800000002", "security_auditor", DISTRICT_CODE),
    ("district", "孙区长", "13800000003", "district_admin", DISTRICT_CODE),
    ("street", "李主任", "13800000004", "street_staff", f"{DISTRICT_CODE}001"),
    ("community", "周书记", "13800000005", "community_staff", f"{DISTRICT_CODE}001001"),
    ("grid", "吴网格", "13800000006", "grid_worker", f"{DISTRICT_CODE}00100101"),
    ("dept", "郑科长", "13800000007", "department_staff", "CG"),
    ("resident", "王居民", "13800000008", "resident", f"{DISTRICT_CODE}001001"),
    # The town and its first village (added with them; the accounts above stay as they were).
    ("town", "陈镇长", "13800000021", "street_staff", TOWN_CODE),
    ("village", "黄支书", "13800000022", "community_staff", f"{TOWN_CODE}201"),
    ("villagegrid", "何组长", "13800000023", "grid_worker", f"{TOWN_CODE}20101"),
    ("villager", "林村民", "13800000024", "resident", f"{TOWN_CODE}201"),
]
RESIDENT_GRID = f"{DISTRICT_CODE}00100101"
VILLAGER_GRID = f"{TOWN_CODE}20101"
HOME_GRIDS = {"resident": RESIDENT_GRID, "villager": VILLAGER_GRID}  # where the resident accounts live


@transaction.atomic
def build_accounts(district: Area) -> list:
    from gongzhi.accounts.models import Department, RoleAssignment, User
    from gongzhi.accounts.roles import Role

    departments = {}
    for code, name, phone in DEPARTMENTS:
        dept, created = Department.objects.get_or_create(code=code, defaults={"name": name, "phone": phone})
        if created:
            dept.serves.add(district)
        departments[code] = dept
    areas = {a.code: a for a in Area.objects.filter(code__in=[a[4] for a in DEMO_ACCOUNTS] + [*HOME_GRIDS.values()])}
    users = []
    for username, real_name, phone, role, where in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, real_name=real_name, phone=phone)
            user.set_password(DEMO_PASSWORD)
            if role == Role.RESIDENT:
                user.home_area = areas[HOME_GRIDS[username]]
            user.save()
        if role == Role.DEPARTMENT_STAFF:
            RoleAssignment.objects.get_or_create(user=user, role=role, area=None, department=departments[where])
        else:
            RoleAssignment.objects.get_or_create(user=user, role=role, area=areas[where], department=None)
        users.append(user)
    return users
