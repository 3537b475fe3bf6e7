"""Pure parsing of the Amcrest client: key=value bodies, errors, the event stream."""

from __future__ import annotations

import pytest

from custom_components.omnicam.vendors.amcrest import (
    EventStreamParser,
    container_of,
    error_of,
    flatten,
    indexed,
    kv_get,
    media_item_id,
    media_item_path,
    parse_event,
    parse_kv,
)
from custom_components.omnicam.vendors.errors import NotFound, NotSupported, VendorError

CAPTURE = (
    b"--myboundary\r\n"
    b"Content-Type: text/plain\r\n"
    b"Content-Length:9\r\n"
    b"\r\n"
    b"Heartbeat\r\n"
    b"--myboundary\r\n"
    b"Content-Type: text/plain\r\n"
    b"Content-Length:37\r\n"
    b"\r\n"
    b"Code=VideoMotion;action=Start;index=0\r\n"
    b"\r\n"
    b"--myboundary\r\n"
    b"Content-Type: text/plain\r\n"
    b"Content-Length:127\r\n"
    b"\r\n"
    b'Code=VideoMotion;action=Start;index=0;data={\n   "Id" : [ 0 ],\n'
    b'   "RegionName" : [ "Region1" ],\n   "SmartMotionEnable" : true\n}\n'
    b"\r\n"
)


def test_parse_kv() -> None:
    body = (
        "table.RTSP.Port=554\r\nstatus.MoveStatus=Idle\ncaps.Tile=true\r\n"
        "result=a=b\r\nnoise\r\n=x\n"
    )
    values = parse_kv(body)
    assert values == {"RTSP.Port": "554", "MoveStatus": "Idle", "Tile": "true", "result": "a=b"}
    assert kv_get({"SN": "X1"}, "sn") == "X1"
    assert kv_get({"sn": ""}, "sn") is None
    groups = indexed(
        parse_kv("items[0].A=1\r\nitems[1].A=2\r\nitems[1].B[0]=x\r\nother=3"), "items"
    )
    assert groups == {0: {"A": "1"}, 1: {"A": "2", "B[0]": "x"}}


def test_error_bodies() -> None:
    error = error_of("x", 200, "Error\r\nErrorID=2, Detail= Invalid Request!\r\n")
    assert isinstance(error, VendorError)
    assert error.code == 2
    assert "Invalid Request!" in str(error)
    assert isinstance(
        error_of("x", 200, "Error\r\nErrorID=3, Detail=Method not found!"), NotSupported
    )
    assert isinstance(error_of("x", 400, "Error\r\nBad Request!\r\n"), NotSupported)
    assert isinstance(error_of("x", 400, ""), NotSupported)
    bare = error_of("x", 200, "Error\r\n")
    assert isinstance(bare, VendorError)
    assert not isinstance(bare, NotSupported)
    assert isinstance(error_of("x", 200, "Error\r\nBad Request!"), NotSupported)
    assert error_of("x", 200, "OK\r\n") is None


def test_parse_event_fields() -> None:
    assert parse_event("Code=VideoMotion;action=Start;index=0") == {
        "Code": "VideoMotion",
        "action": "Start",
        "index": "0",
    }
    fields = parse_event('Code=X;action=Pulse;index=1;data={"a": "k=v;w", "b": {"c": [1, 2]}}\n')
    assert fields["data"] == {"a": "k=v;w", "b": {"c": [1, 2]}}
    # Something after the JSON is read too; broken JSON is kept raw.
    assert parse_event('Code=X;data={"a": 1};extra=y')["extra"] == "y"
    assert parse_event("Code=X;data={broken")["data"] == "{broken"
    assert parse_event("junk;Code=Y;;novalue")["Code"] == "Y"


def test_flatten() -> None:
    data = {"Id": [0], "Object": {"ObjectType": "Human", "Box": [1, 2]}, "N": None, "F": 1.5}
    assert flatten(data) == {
        "Id": 0,
        "Object.ObjectType": "Human",
        "Object.Box.0": 1,
        "Object.Box.1": 2,
        "N": None,
        "F": 1.5,
    }
    assert flatten([1, 2]) == {"0": 1, "1": 2}
    assert flatten("x" * 300)["value"] == "x" * 200


def test_stream_whole_capture() -> None:
    parser = EventStreamParser("myboundary")
    bodies = parser.feed(CAPTURE)
    assert bodies[0] == "Heartbeat"
    assert bodies[1] == "Code=VideoMotion;action=Start;index=0"
    assert len(bodies) == 3
    assert parse_event(bodies[2])["data"]["RegionName"] == ["Region1"]


def test_stream_byte_by_byte() -> None:
    parser = EventStreamParser("myboundary")
    bodies: list[str] = []
    for i in range(len(CAPTURE)):
        bodies += parser.feed(CAPTURE[i : i + 1])
    assert len(bodies) == 3
    assert bodies[1] == "Code=VideoMotion;action=Start;index=0"
    assert parse_event(bodies[2])["data"]["SmartMotionEnable"] is True


def test_stream_overstated_and_missing_length() -> None:
    # The spec's example: Content-Length 39 for 37 bytes, no blank line.
    spec = (
        b"--myboundary\r\nContent-Type: text/plain\r\nContent-Length: 39\r\n\r\n"
        b"Code=VideoMotion;action=Start;index=0\r\n--myboundary\r\n"
        b"Content-Type: text/plain\r\nContent-Length: 999\r\n\r\nCode=A;action=Stop;index=1\r\n"
        b"--myboundary\r\nContent-Type: text/plain\r\n\r\nCode=B;action=Pulse;index=2\r\n"
        b"--myboundary\r\n"
    )
    parser = EventStreamParser("myboundary")
    assert parser.feed(spec) == [
        "Code=VideoMotion;action=Start;index=0",
        "Code=A;action=Stop;index=1",
        "Code=B;action=Pulse;index=2",
    ]


def test_stream_lf_headers_bare_heartbeat_and_junk() -> None:
    parser = EventStreamParser("--myboundary")
    data = (
        b"preamble junk\n--myboundary\nContent-Type: text/plain\nContent-Length:27\n\n"
        b"Code=A;Action=Start;Index=0\n--myboundary\nHeartbeat\n"
        b"--myboundary\r\nContent-Length:6\r\n\r\nCode=B"
    )
    assert parser.feed(data) == ["Code=A;Action=Start;Index=0", "Heartbeat", "Code=B"]
    # Nothing complete: waits for more.
    assert parser.feed(b"--myboundary\r\nContent-Len") == []
    assert parser.feed(b"gth: 6\r\n\r\nCode=C") == ["Code=C"]
    # A closing delimiter and junk without any boundary are harmless.
    assert parser.feed(b"\r\n--myboundary--\r\n") == []
    assert parser.feed(b"x" * 100) == []


def test_stream_drops_oversized_parts(caplog: pytest.LogCaptureFixture) -> None:
    parser = EventStreamParser()
    parser.feed(b"--myboundary\r\n\r\n" + b"x" * (1 << 20) + b"x")
    assert "too long" in caplog.text
    assert parser.feed(b"--myboundary\r\nContent-Length: 3\r\n\r\nabc") == ["abc"]


def test_media_ids() -> None:
    path = "/mnt/sd/2020-01-06/001/dav/06/06.05.00-06.13.00[M][0@0][0].mp4"
    item_id = media_item_id(path)
    assert "/" not in item_id
    assert "=" not in item_id
    assert media_item_path(item_id) == path
    for bad in ("!!!", media_item_id("relative/x"), media_item_id("/a/../b"), "\xff"):
        with pytest.raises(NotFound):
            media_item_path(bad)


def test_container_of() -> None:
    assert container_of(b"\x00\x00\x00\x18ftypisom") == "mp4"
    assert container_of(b"DHAV\x00\x01") == "dav"
    assert container_of(b"\xff\xd8") is None


def test_stream_bare_heartbeat_at_the_end() -> None:
    parser = EventStreamParser()
    assert parser.feed(b"--myboundary\r\nHeartbeat\r\n") == ["Heartbeat"]
    assert parser.feed(b"--myboundary\r\nContent-Length: x\r\n\r\nabc\r\n--myboundary\r\n") == [
        "abc"
    ]
