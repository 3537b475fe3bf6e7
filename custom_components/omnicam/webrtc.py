"""SDP helpers for native WebRTC cameras that take no trickled ICE candidates.

Home Assistant's frontend sends its offer as soon as it is made, and its ICE candidates one
by one afterwards. A camera that cannot receive candidates later (no trickle) needs them in
the offer: these helpers tell whether an offer has any and write the ones that arrived into
the offer's media sections, as ``a=candidate:`` lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from webrtc_models import RTCIceCandidateInit


def sdp_has_candidates(sdp: str) -> bool:
    """Return True when an SDP carries ICE candidates (or says gathering is complete)."""
    return any(
        line.startswith(("a=candidate:", "a=end-of-candidates")) for line in sdp.splitlines()
    )


def offer_with_candidates(sdp: str, candidates: Sequence[RTCIceCandidateInit]) -> str:
    """Return the offer with each candidate added to its media section.

    A candidate names its section by ``sdp_mid`` (the section's ``a=mid``) or, without one,
    by ``sdp_m_line_index``; a candidate naming neither goes to the first section (with
    BUNDLE, every section shares one transport). Lines end as the offer's do (CRLF).
    """
    if not candidates:
        return sdp
    newline = "\r\n" if "\r\n" in sdp else "\n"
    lines = sdp.splitlines()
    sections: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("m="):
            sections.append([])
        sections[-1].append(line)
    media = sections[1:]
    if not media:
        return sdp
    mids = [
        next((line[6:].strip() for line in section if line.startswith("a=mid:")), None)
        for section in media
    ]
    for candidate in candidates:
        text = candidate.candidate.strip().removeprefix("a=")
        if not text.startswith("candidate:"):
            continue
        index = 0
        if candidate.sdp_mid is not None and candidate.sdp_mid in mids:
            index = mids.index(candidate.sdp_mid)
        elif candidate.sdp_m_line_index is not None and 0 <= candidate.sdp_m_line_index < len(
            media
        ):
            index = candidate.sdp_m_line_index
        line = f"a={text}"
        if line not in media[index]:
            media[index].append(line)
    return newline.join(line for section in sections for line in section) + newline
