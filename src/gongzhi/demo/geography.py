"""The demo district's geography: a street network that is not a lattice, a meandering river, and
the area polygons that follow them.

The grids are the cells of a bent, jittered net of main roads: every north–south road is a curve
``x = f(y)`` (a gentle sine plus a bend at each junction) and every east–west road ``y = g(x)``;
a grid's boundary is the four road pieces around it, and a community, street or the district is
the outline of its block of cells. Shared edges are the same point lists on both sides, so the
polygons tile exactly. The outer boundary and the line between the streets and the town are
straight. Inside each grid two local streets cross (not in line with the neighbours'), dividing
it into four blocks for estates, parks and fields. The registry's demo places estates and
building footprints through a grid's ``Patch`` (a Coons patch over its four curved sides);
the base map's demo writes the roads, river, water, green space and fields.

Deterministic and fast: a few thousand points, computed once per process.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

ORIGIN_LON, ORIGIN_LAT = 117.40, 30.60
TOP_LAT = 30.72
STREET_COLS, STREET_ROWS = 12, 10  # 3 streets × 2 communities × 2 grids; 2 communities × 5 grids
CELL_W, CELL_H = 0.015, 0.012
TOWN_WEST = ORIGIN_LON + STREET_COLS * CELL_W  # 117.58
TOWN_COLS, TOWN_ROWS = 2, 6
TOWN_CELL_W, TOWN_CELL_H = 0.03, 0.02
RIVER_ROW = 5  # the line between the communities' rows: 清溪河
STEPS = 6  # points per edge (the curves between junctions)

# North–south main roads, west to east (lines 0…12), and their rank (1 main, 2 secondary).
NS_ROADS = [("西环路", 1), ("百牙路", 2), ("人民路", 1), ("九华路", 2), ("解放路", 2), ("长江路", 1), ("建设大道", 1),
            ("秋浦路", 2), ("翠微路", 2), ("黄山路", 1), ("杏花村路", 2), ("清溪大道", 1), ("东环路", 1)]
# East–west main roads, north to south (lines 0…10); line 5 is the river.
EW_ROADS = [("北环路", 1), ("昭明路", 2), ("幸福路", 1), ("和平路", 2), ("长寿路", 2), ("", 0), ("滨江路", 1),
            ("齐山大道", 1), ("平天湖路", 2), ("湖滨路", 2), ("南环路", 1)]
RIVER_NAME = "清溪河"
TOWN_NS = [("", 0), ("青山公路", 1), ("", 0)]
TOWN_EW = [("", 0), ("青石路", 2), ("", 0), ("石门路", 2), ("", 0), ("山前路", 2), ("", 0)]
LOCAL_WORDS = ["文苑", "学府", "光明", "利民", "兴业", "富康", "民生", "通远", "青峰", "红枫", "金安", "永明", "怡景",
               "清风", "锦江", "荷花", "玉带", "杏林", "白洋", "碧山", "春晖", "明珠", "新安", "桂花", "枫林", "东湖",
               "育才", "康乐", "仁和", "振兴", "团结", "友谊", "胜利", "前进", "红旗", "东风", "复兴", "安居", "乐业",
               "惠民", "同心", "和谐", "繁荣", "向阳", "朝阳", "龙泉", "凤鸣", "翠竹", "梧桐", "银杏", "香樟", "石榴",
               "状元", "书院", "秀山", "百花", "天河", "西湖", "南山", "北山"]
LOCAL_SUFFIXES = ["路", "街", "路"]


Point = tuple[float, float]


@dataclass(frozen=True)
class Net:
    """One lattice of curved roads: ``cols`` × ``rows`` cells between ``west``…``east`` and
    ``north``…``south``."""

    key: str
    west: float
    north: float
    cell_w: float
    cell_h: float
    cols: int
    rows: int
    amplitude: float
    jitter: float

    def _rng(self, *parts) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.key, *parts)))

    @property
    def east(self) -> float:
        return self.west + self.cols * self.cell_w

    @property
    def south(self) -> float:
        return self.north - self.rows * self.cell_h

    # x of the north–south line i at latitude y; y of the east–west line j at longitude x.
    def ns_x(self, i: int, y: float) -> float:
        x0 = self.west + i * self.cell_w
        if i in (0, self.cols):
            return x0
        return x0 + _wave(self._ns_params(i), y) + _interp(self._ns_jitter(i), self.north, -self.cell_h, y)

    def ew_y(self, j: int, x: float) -> float:
        y0 = self.north - j * self.cell_h
        if j in (0, self.rows):
            return y0
        return y0 + _wave(self._ew_params(j), x) + _interp(self._ew_jitter(j), self.west, self.cell_w, x)

    @lru_cache(maxsize=None)  # noqa: B019 (a few nets per process)
    def _ns_params(self, i: int) -> tuple[float, float, float]:
        rng = self._rng("ns", i)
        straight = NS_ROADS[i][0].endswith("大道") if self.key == "streets" and i < len(NS_ROADS) else False
        amp = 0.0 if straight else self.amplitude * rng.uniform(0.3, 1.0)
        return amp, 2 * math.pi / rng.uniform(0.05, 0.09), rng.uniform(0, 2 * math.pi)

    @lru_cache(maxsize=None)  # noqa: B019
    def _ew_params(self, j: int) -> tuple[float, float, float]:
        rng = self._rng("ew", j)
        if self.key == "streets" and j == RIVER_ROW:  # the river meanders more
            return self.amplitude * 2.2, 2 * math.pi / 0.045, rng.uniform(0, 2 * math.pi)
        straight = EW_ROADS[j][0].endswith("大道") if self.key == "streets" and j < len(EW_ROADS) else False
        amp = 0.0 if straight else self.amplitude * rng.uniform(0.3, 1.0)
        return amp, 2 * math.pi / rng.uniform(0.05, 0.09), rng.uniform(0, 2 * math.pi)

    @lru_cache(maxsize=None)  # noqa: B019
    def _ns_jitter(self, i: int) -> tuple[float, ...]:
        rng = self._rng("nsj", i)
        return tuple(0.0 if j in (0, self.rows) else rng.uniform(-self.jitter, self.jitter)
                     for j in range(self.rows + 1))

    @lru_cache(maxsize=None)  # noqa: B019
    def _ew_jitter(self, j: int) -> tuple[float, ...]:
        rng = self._rng("ewj", j)
        return tuple(0.0 if i in (0, self.cols) else rng.uniform(-self.jitter, self.jitter)
                     for i in range(self.cols + 1))

    @lru_cache(maxsize=None)  # noqa: B019
    def vertex(self, i: int, j: int) -> Point:
        """The junction of line i (north–south) and line j (east–west)."""
        x, y = self.west + i * self.cell_w, self.north - j * self.cell_h
        for _ in range(4):
            x = self.ns_x(i, y)
            y = self.ew_y(j, x)
        return round(x, 7), round(y, 7)

    @lru_cache(maxsize=None)  # noqa: B019
    def ns_edge(self, i: int, j: int) -> tuple[Point, ...]:
        """Line i from junction (i, j) south to (i, j + 1)."""
        (x0, y0), (x1, y1) = self.vertex(i, j), self.vertex(i, j + 1)
        points = [(x0, y0)]
        for k in range(1, STEPS):
            y = y0 + (y1 - y0) * k / STEPS
            points.append((round(self.ns_x(i, y), 7), round(y, 7)))
        points.append((x1, y1))
        return tuple(points)

    @lru_cache(maxsize=None)  # noqa: B019
    def ew_edge(self, i: int, j: int) -> tuple[Point, ...]:
        """Line j from junction (i, j) east to (i + 1, j)."""
        (x0, y0), (x1, y1) = self.vertex(i, j), self.vertex(i + 1, j)
        points = [(x0, y0)]
        for k in range(1, STEPS):
            x = x0 + (x1 - x0) * k / STEPS
            points.append((round(x, 7), round(self.ew_y(j, x), 7)))
        points.append((x1, y1))
        return tuple(points)

    def ns_line(self, i: int, j0: int = 0, j1: int | None = None) -> list[Point]:
        return _join([self.ns_edge(i, j) for j in range(j0, self.rows if j1 is None else j1)])

    def ew_line(self, j: int, i0: int = 0, i1: int | None = None) -> list[Point]:
        return _join([self.ew_edge(i, j) for i in range(i0, self.cols if i1 is None else i1)])

    def block_ring(self, i0: int, j0: int, i1: int, j1: int) -> list[Point]:
        """The closed outline of cells i0…i1-1 × j0…j1-1 (clockwise from the north-west corner)."""
        north = self.ew_line(j0, i0, i1)
        east = self.ns_line(i1, j0, j1)
        south = list(reversed(self.ew_line(j1, i0, i1)))
        west = list(reversed(self.ns_line(i0, j0, j1)))
        ring = _join([north, east, south, west])
        ring[-1] = ring[0]
        return ring

    def block_geojson(self, i0: int, j0: int, i1: int, j1: int) -> dict:
        ring = self.block_ring(i0, j0, i1, j1)
        return {"type": "Polygon", "coordinates": [[[x, y] for x, y in ring]]}

    def patch(self, i: int, j: int) -> "Patch":
        return Patch(north=self.ew_edge(i, j), south=self.ew_edge(i, j + 1), west=self.ns_edge(i, j),
                     east=self.ns_edge(i + 1, j))


def _wave(params: tuple[float, float, float], t: float) -> float:
    amp, k, phase = params
    return amp * math.sin(k * t + phase) if amp else 0.0


def _interp(values: tuple[float, ...], start: float, step: float, t: float) -> float:
    """Piecewise-linear interpolation of ``values`` placed at ``start + n * step``."""
    pos = (t - start) / step
    n = min(max(int(math.floor(pos)), 0), len(values) - 2)
    f = min(max(pos - n, 0.0), 1.0)
    return values[n] * (1 - f) + values[n + 1] * f


def _join(parts) -> list[Point]:
    out: list[Point] = []
    for part in parts:
        for p in part:
            if not out or out[-1] != p:
                out.append(p)
    return out


def _along(points: tuple[Point, ...], t: float) -> Point:
    """The point at fraction ``t`` of a polyline sampled at even steps."""
    pos = t * (len(points) - 1)
    n = min(int(pos), len(points) - 2)
    f = pos - n
    (x0, y0), (x1, y1) = points[n], points[n + 1]
    return x0 + (x1 - x0) * f, y0 + (y1 - y0) * f


@dataclass(frozen=True)
class Patch:
    """A grid cell as a Coons patch: ``at(u, v)`` maps the unit square onto the cell, u west→east,
    v north→south, the square's sides exactly onto the cell's curved sides."""

    north: tuple[Point, ...]
    south: tuple[Point, ...]
    west: tuple[Point, ...]
    east: tuple[Point, ...]

    def at(self, u: float, v: float) -> Point:
        n, s = _along(self.north, u), _along(self.south, u)
        w, e = _along(self.west, v), _along(self.east, v)
        nw, ne, sw, se = self.north[0], self.north[-1], self.south[0], self.south[-1]
        x = ((1 - v) * n[0] + v * s[0] + (1 - u) * w[0] + u * e[0]
             - ((1 - u) * (1 - v) * nw[0] + u * (1 - v) * ne[0] + (1 - u) * v * sw[0] + u * v * se[0]))
        y = ((1 - v) * n[1] + v * s[1] + (1 - u) * w[1] + u * e[1]
             - ((1 - u) * (1 - v) * nw[1] + u * (1 - v) * ne[1] + (1 - u) * v * sw[1] + u * v * se[1]))
        return x, y

    def size_m(self) -> tuple[float, float]:
        """Approximate width (west→east) and height (north→south) in metres."""
        (x0, y0), (x1, y1) = self.at(0, 0.5), self.at(1, 0.5)
        (x2, y2), (x3, y3) = self.at(0.5, 0), self.at(0.5, 1)
        mx = 111_320.0 * math.cos(math.radians(y0))
        return math.hypot((x1 - x0) * mx, (y1 - y0) * 111_320.0), math.hypot((x3 - x2) * mx, (y3 - y2) * 111_320.0)

    def frame(self, u: float, v: float) -> tuple[Point, float]:
        """The point at (u, v) and the bearing of the local u axis (radians, in metres' space)."""
        x, y = self.at(u, v)
        xa, ya = self.at(min(u + 0.01, 1), v)
        xb, yb = self.at(max(u - 0.01, 0), v)
        mx = 111_320.0 * math.cos(math.radians(y))
        return (x, y), math.atan2((ya - yb) * 111_320.0, (xa - xb) * mx)

    def ring(self, u0: float, v0: float, u1: float, v1: float, steps: int = 4) -> list[list[float]]:
        """The closed outline of the patch's sub-rectangle [u0, u1] × [v0, v1]."""
        points = []
        for k in range(steps):
            points.append(self.at(u0 + (u1 - u0) * k / steps, v0))
        for k in range(steps):
            points.append(self.at(u1, v0 + (v1 - v0) * k / steps))
        for k in range(steps):
            points.append(self.at(u1 - (u1 - u0) * k / steps, v1))
        for k in range(steps):
            points.append(self.at(u0, v1 - (v1 - v0) * k / steps))
        points.append(points[0])
        return [[round(x, 7), round(y, 7)] for x, y in points]

    def line(self, u0: float, v0: float, u1: float, v1: float, steps: int = 6) -> list[list[float]]:
        return [[round(c, 7) for c in self.at(u0 + (u1 - u0) * k / steps, v0 + (v1 - v0) * k / steps)]
                for k in range(steps + 1)]


def rectangle(centre: Point, bearing: float, length: float, depth: float) -> dict:
    """A GeoJSON polygon: a ``length`` × ``depth`` metre rectangle centred at ``centre``, its long
    side along ``bearing`` (radians from east, counter-clockwise)."""
    cx, cy = centre
    mx = 111_320.0 * math.cos(math.radians(cy))
    ca, sa = math.cos(bearing), math.sin(bearing)
    corners = []
    for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)):
        dx, dy = a * length / 2, b * depth / 2
        ex, ny = dx * ca - dy * sa, dx * sa + dy * ca
        corners.append([round(cx + ex / mx, 7), round(cy + ny / 111_320.0, 7)])
    return {"type": "Polygon", "coordinates": [corners]}


STREETS_NET = Net("streets", ORIGIN_LON, TOP_LAT, CELL_W, CELL_H, STREET_COLS, STREET_ROWS, amplitude=0.0012,
                  jitter=0.0009)
TOWN_NET = Net("town", TOWN_WEST, TOP_LAT, TOWN_CELL_W, TOWN_CELL_H, TOWN_COLS, TOWN_ROWS, amplitude=0.002,
               jitter=0.0015)


# --- Areas ------------------------------------------------------------------------------------

def street_cells(street: int) -> tuple[int, int, int, int]:
    """Cells (i0, j0, i1, j1) of street ``street`` (0-based)."""
    return street * 4, 0, street * 4 + 4, STREET_ROWS


def community_cells(street: int, community: int) -> tuple[int, int, int, int]:
    """Cells of community ``community`` (0-based, row-major 2 × 2 in its street)."""
    row, col = divmod(community, 2)
    i0, j0 = street * 4 + col * 2, row * 5
    return i0, j0, i0 + 2, j0 + 5


def grid_cell(street: int, community: int, grid: int) -> tuple[int, int]:
    """Cell (i, j) of grid ``grid`` (0-based, row-major 2 × 5 in its community)."""
    i0, j0, _i1, _j1 = community_cells(street, community)
    row, col = divmod(grid, 2)
    return i0 + col, j0 + row


def village_cells(village: int) -> tuple[int, int, int, int]:
    return 0, village * 3, TOWN_COLS, village * 3 + 3


def group_cell(village: int, group: int) -> tuple[int, int]:
    row, col = divmod(group, 2)
    return col, village * 3 + row


def cell_of_code(code: str) -> tuple[Net, int, int] | None:
    """The net and cell of a demo grid code (14 digits), or ``None`` for other codes."""
    if len(code) != 14 or not code.isdigit() or code[:6] != "341702":
        return None
    street, community, grid = int(code[6:9]), int(code[9:12]), int(code[12:14])
    if 1 <= street <= 3 and 1 <= community <= 4 and 1 <= grid <= 10:
        i, j = grid_cell(street - 1, community - 1, grid - 1)
        return STREETS_NET, i, j
    if street == 101 and community in (201, 202) and 1 <= grid <= 6:
        i, j = group_cell(community - 201, grid - 1)
        return TOWN_NET, i, j
    return None


def patch_for(code: str, geometry: dict | None) -> Patch | None:
    """The patch of a demo grid whose stored polygon is the one this module draws; ``None`` when the
    grid is not one of them (a district built before, or areas imported from elsewhere)."""
    cell = cell_of_code(code)
    if cell is None or not geometry:
        return None
    net, i, j = cell
    if geometry != net.block_geojson(i, j, i + 1, j + 1):
        return None
    return net.patch(i, j)


def rect_patch(west: float, south: float, east: float, north: float) -> Patch:
    """A straight patch over a rectangle (grids not drawn by this module)."""
    def edge(a: Point, b: Point) -> tuple[Point, ...]:
        return tuple((a[0] + (b[0] - a[0]) * k / STEPS, a[1] + (b[1] - a[1]) * k / STEPS) for k in range(STEPS + 1))
    nw, ne, sw, se = (west, north), (east, north), (west, south), (east, south)
    return Patch(north=edge(nw, ne), south=edge(sw, se), west=edge(nw, sw), east=edge(ne, se))


# --- Roads inside a grid ------------------------------------------------------------------------

@dataclass(frozen=True)
class LocalPlan:
    """Where a grid's two local streets cross (u of the north–south one, v of the east–west one)
    and their names."""

    u: float
    v: float
    ns_name: str
    ew_name: str


def local_plan(code: str) -> LocalPlan:
    rng = random.Random(f"local:{code}")
    u, v = rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.6)
    n = int(code[-6:]) * 7 + int(code[-2:])
    first = LOCAL_WORDS[n % len(LOCAL_WORDS)] + LOCAL_SUFFIXES[n % 3]
    second = LOCAL_WORDS[(n * 3 + 11) % len(LOCAL_WORDS)] + LOCAL_SUFFIXES[(n + 1) % 3]
    if second == first:
        second = LOCAL_WORDS[(n * 3 + 12) % len(LOCAL_WORDS)] + "路"
    return LocalPlan(u, v, first, second)


def road_names_of(code: str) -> list[str]:
    """Four roads an address in grid ``code`` may be on: its west and north main roads (or east and
    south ones where those are the river or unnamed) and its two local streets."""
    plan = local_plan(code)
    cell = cell_of_code(code)
    if cell is None:
        return [plan.ns_name, plan.ew_name, plan.ns_name, plan.ew_name]
    net, i, j = cell
    ns, ew = (NS_ROADS, EW_ROADS) if net is STREETS_NET else (TOWN_NS, TOWN_EW)
    west = ns[i][0] or ns[i + 1][0] or plan.ns_name
    north = ew[j][0] or ew[j + 1][0] or plan.ew_name
    return [west, north, plan.ns_name, plan.ew_name]


def blocks(plan: LocalPlan, margin_u: float, margin_v: float) -> list[tuple[float, float, float, float]]:
    """The four blocks between the cell's sides and its local streets, in (u0, v0, u1, v1), with
    ``margin_*`` left for the roads' width and setbacks; north-west, north-east, south-west, south-east."""
    out = []
    for v0, v1 in ((0.0, plan.v), (plan.v, 1.0)):
        for u0, u1 in ((0.0, plan.u), (plan.u, 1.0)):
            out.append((u0 + margin_u, v0 + margin_v, u1 - margin_u, v1 - margin_v))
    return out


def estate_blocks(code: str, count: int) -> list[int]:
    """Which of a grid's four blocks (0 north-west … 3 south-east) hold its ``count`` estates; a
    grid's only estate takes its largest block (it holds all the grid's buildings)."""
    count = min(max(count, 0), 4)
    if count == 1:
        plan = local_plan(code)
        sizes = [plan.u * plan.v, (1 - plan.u) * plan.v, plan.u * (1 - plan.v), (1 - plan.u) * (1 - plan.v)]
        return [max(range(4), key=sizes.__getitem__)]
    return random.Random(f"blocks:{code}").sample(range(4), count)
