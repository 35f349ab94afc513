"""Registry pages. Each module declares its own ``urls``; ``registry/urls.py`` joins them."""
