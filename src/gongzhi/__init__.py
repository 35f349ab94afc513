"""Gongzhi (共治): community governance platform."""
