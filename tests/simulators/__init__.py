"""Vendor simulators: real aiohttp servers that follow the vendors' API documents."""
