"""Vendor clients for OmniCam, free of Home Assistant.

`VENDORS` maps a vendor key to its client class; the config flow offers exactly these.
"""

from __future__ import annotations

from .aipix import AipixClient
from .amcrest import AmcrestClient
from .base import VendorClient
from .ipcamlive import IPCamLiveClient
from .opencamera import OpenCameraClient
from .videoloft import VideoloftClient

VENDORS: dict[str, type[VendorClient]] = {
    IPCamLiveClient.vendor: IPCamLiveClient,
    VideoloftClient.vendor: VideoloftClient,
    AmcrestClient.vendor: AmcrestClient,
    AipixClient.vendor: AipixClient,
    OpenCameraClient.vendor: OpenCameraClient,
}

__all__ = ["VENDORS", "VendorClient"]
