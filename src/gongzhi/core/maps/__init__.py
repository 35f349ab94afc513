"""The raster side of the base map: tiles served from an MBTiles file, a configured intranet tile
service (天地图 with a key, or any XYZ template), and the GCJ-02 offset some tile services use.

- ``coords``: WGS-84 ⇄ GCJ-02 (the same formulas as ``static/gongzhi/coords.js``);
- ``mbtiles``: a read-only reader of an ``.mbtiles`` file (one SQLite connection per thread);
- ``raster``: which raster source the settings choose, the map element's data attributes and the
  CSP hosts;
- ``views``: ``/map/tiles/<z>/<x>/<y>.<ext>`` served from the MBTiles file;
- ``checks``: the startup check (a vector MBTiles file, an unreadable file, a bad CRS).
"""
