"""An HLS playback keeps the item's own headers for the item's own server."""

from __future__ import annotations

from custom_components.omnicam.views import HlsPlayback


def test_headers_go_only_to_the_items_origin() -> None:
    """A playlist may list segments elsewhere: the credentials stay with their origin."""
    playback = HlsPlayback(
        entry_id="entry",
        camera_id="1",
        user_id="user",
        refresh_token_id=None,
        headers={"Authorization": "Bearer secret"},
        origin="https://video.example.net",
        uris=[
            "https://video.example.net/archive/seg1.ts",
            "https://cdn.example.org/archive/seg2.ts",
            "https://video.example.net:8443/archive/seg3.ts",
        ],
    )
    assert playback.location(0).headers == {"Authorization": "Bearer secret"}
    assert playback.location(1).headers == {}
    assert playback.location(2).headers == {}
