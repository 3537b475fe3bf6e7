"""Vendor clients for OmniCam, free of Home Assistant.

`VENDORS` maps a vendor key to its client class; the config flow offers exactly these.
"""

from __future__ import annotations

from .amcrest import AmcrestClient
from .base import VendorClient
from .ipcamlive import IPCamLiveClient
from .videoloft import VideoloftClient

VENDORS: dict[str, type[VendorClient]] = {
    IPCamLiveClient.vendor: IPCamLiveClient,
    VideoloftClient.vendor: VideoloftClient,
    AmcrestClient.vendor: AmcrestClient,
}

__all__ = ["VENDORS", "VendorClient"]
