"""Settings split by environment: base (shared), embedded (demo/default), production, test."""
