"""Gongzhi benchmarks: `./gz bench [scenario] [--quick]` (see ARCHITECTURE.md §5)."""
