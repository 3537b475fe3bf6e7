"""The AIPIX simulator's own protocol behaviour (what the client and HA tests rely on)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import io
import json
import time
from typing import Any

import aiohttp
import av
import pytest

from tests.simulators.aipix import AipixSimulator, iso

HEADERS = {"Accept": "application/json", "X-Client": "web", "X-UUID": "device-1"}


@pytest.fixture
async def http(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """Return a plain HTTP client."""
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        yield session


async def login(
    http: aiohttp.ClientSession, sim: AipixSimulator, **extra: Any
) -> tuple[int, dict[str, Any]]:
    """Log in; return the status and the body."""
    headers = {"X-UUID": extra.pop("uuid")} if "uuid" in extra else None
    body = {"login": sim.login, "password": sim.password, "session_id": None} | extra
    async with http.post(f"{sim.url}/api/v1/token", json=body, headers=headers) as resp:
        return resp.status, await resp.json()


async def token_of(http: aiohttp.ClientSession, sim: AipixSimulator) -> dict[str, str]:
    """Log in; return the Authorization header."""
    status, body = await login(http, sim)
    assert status == 200
    return {"Authorization": f"Bearer {body['access_token']}"}


async def get(
    http: aiohttp.ClientSession, url: str, auth: dict[str, str] | None = None, **params: Any
) -> tuple[int, Any]:
    """GET a URL; return the status and the JSON body (or the text)."""
    async with http.get(url, headers=auth, params=params or None) as resp:
        text = await resp.text()
        try:
            return resp.status, json.loads(text)
        except ValueError:
            return resp.status, text


async def test_probe_login_and_headers(
    aipix_sim: AipixSimulator, http: aiohttp.ClientSession
) -> None:
    """static/basic needs no token; the login answers the bare token; 401 without one."""
    status, basic = await get(http, f"{aipix_sim.url}/api/v1/static/basic")
    assert status == 200
    assert basic["version"].startswith("25.06")
    assert basic["is_captcha_available"] is False
    assert (await get(http, f"{aipix_sim.url}/api/v1/users/self"))[0] == 401
    status, body = await login(http, aipix_sim)
    assert status == 200
    assert not body["access_token"].startswith("Bearer")
    user = body["user"]
    assert user["id"] == aipix_sim.user_id
    assert {"ptz", "marks-store"} <= {p["name"] for p in user["permissions"]}
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    status, me = await get(http, f"{aipix_sim.url}/api/v1/users/self", auth)
    assert (status, me["access_token_id"]) == (200, user["access_token_id"])
    assert aipix_sim.headers_seen[-1]["X-UUID"] == "device-1"

    aipix_sim.bearer_prefix = True
    status, body = await login(http, aipix_sim)
    assert body["access_token"].startswith("Bearer ")
    # The same X-UUID logging in again replaced the first session.
    assert (await get(http, f"{aipix_sim.url}/api/v1/users/self", auth))[0] == 401
    assert len(aipix_sim.sessions) == 1


async def test_wrong_login_captcha_and_logout(
    aipix_sim: AipixSimulator, http: aiohttp.ClientSession
) -> None:
    """A wrong password and a captcha are 422 by field; logout by uuid ends the session."""
    status, body = await login(http, aipix_sim, password="nope")
    assert status == 422
    assert "login" in body["errors"]
    aipix_sim.captcha = True
    status, body = await login(http, aipix_sim)
    assert (status, list(body["errors"])) == (422, ["captcha"])
    assert (await get(http, f"{aipix_sim.url}/api/v1/static/basic"))[1]["is_captcha_available"]
    aipix_sim.captcha = False
    auth = await token_of(http, aipix_sim)
    async with http.post(
        f"{aipix_sim.url}/api/v1/logout", json={"uuid": "device-1"}, headers=auth
    ) as resp:
        assert resp.status == 200
    assert (await get(http, f"{aipix_sim.url}/api/v1/cameras", auth))[0] == 401
    assert aipix_sim.requests["POST /api/v1/logout"] == 1


async def test_session_limit_419(aipix_sim: AipixSimulator, http: aiohttp.ClientSession) -> None:
    """419 lists the sessions as the notes show; a login with session_id replaces one."""
    aipix_sim.sessions_limit = 2
    assert (await login(http, aipix_sim, uuid="phone"))[0] == 200
    assert (await login(http, aipix_sim, uuid="tablet"))[0] == 200
    status, body = await login(http, aipix_sim, uuid="ha")
    assert status == 419
    assert set(body) == {"sessions_limit", "sessions", "key", "captcha_will_required_in"}
    assert body["sessions_limit"] == 2
    assert set(body["sessions"][0]) == {
        "id",
        "online",
        "last",
        "user_agent",
        "client",
        "ip",
        "is_current",
    }
    assert (await login(http, aipix_sim, uuid="ha", session_id="nope"))[0] == 422
    aipix_sim.sessions_bare = True
    status, bare = await login(http, aipix_sim, uuid="ha")
    assert (status, [s["id"] for s in bare]) == (419, [s["id"] for s in body["sessions"]])
    victim = body["sessions"][0]["id"]
    status, _ = await login(http, aipix_sim, uuid="ha", session_id=victim)
    assert status == 200
    assert victim not in {s["id"] for s in aipix_sim.sessions}


async def test_paging_shows_and_tree(http: aiohttp.ClientSession) -> None:
    """Pages until links.next is null; shows takes at most 25 ids; flat-tree has groups."""
    sim = AipixSimulator(cameras=60)
    await sim.start()
    try:
        auth = await token_of(http, sim)
        url, ids = f"{sim.url}/api/v1/cameras", []
        while url:
            status, page = await get(http, url, auth)
            assert status == 200
            ids += [c["id"] for c in page["data"]]
            url = page["links"]["next"]
        assert len(ids) == 60
        assert page["meta"]["last_page"] == 3
        assert sim.requests["GET /api/v1/cameras"] == 3
        status, page = await get(http, f"{sim.url}/api/v1/cameras", auth, per_page=100)
        assert (len(page["data"]), page["links"]["next"]) == (60, None)
        params = [("ids[]", str(i)) for i in ids[:25]] + [("ids[]", "1")]
        async with http.get(f"{sim.url}/api/v1/cameras/shows", headers=auth, params=params) as r:
            assert r.status == 422
        async with http.get(
            f"{sim.url}/api/v1/cameras/shows", headers=auth, params=params[24:]
        ) as r:
            shown = await r.json()
        assert [c["id"] for c in shown] == [ids[24]]
        status, tree = await get(http, f"{sim.url}/api/v1/cameras/flat-tree", auth)
        assert sum(len(node["cameras"]) for node in tree) == 60
        camera = shown[0]
        assert camera["uuid"]
        assert {"status", "streams", "services", "archive_ranges", "user_status"} <= set(camera)
    finally:
        await sim.stop()


async def test_release_2309(http: aiohttp.ClientSession) -> None:
    """23.09 cameras carry no uuid and the 25.06 endpoints are 404."""
    sim = AipixSimulator(release="23.09")
    await sim.start()
    try:
        auth = await token_of(http, sim)
        _status, page = await get(http, f"{sim.url}/api/v1/cameras", auth)
        assert "uuid" not in page["data"][0]
        async with http.post(
            f"{sim.url}/api/v1/cameras/preview", json={"cameras": []}, headers=auth
        ) as resp:
            assert resp.status == 404
    finally:
        await sim.stop()


async def test_live_links(aipix_sim: AipixSimulator, http: aiohttp.ClientSession) -> None:
    """A live link plays real MPEG-TS; it expires; fallback works when main is dead."""
    auth = await token_of(http, aipix_sim)
    cam = next(iter(aipix_sim.cameras.values()))
    base = f"{aipix_sim.url}/api/v1/cameras/{cam.id}"
    status, links = await get(http, f"{base}/streams", auth, type="high", source="hls")
    assert status == 200
    assert "token=" in links["url"]
    status, playlist = await get(http, links["url"])
    assert status == 200
    segment = playlist.strip().splitlines()[-1]
    assert "token=" in segment
    async with http.get(links["url"].split("index.m3u8")[0] + segment) as resp:
        data = await resp.read()
    assert data[0] == 0x47
    with av.open(io.BytesIO(data), format="mpegts") as container:
        assert container.streams.video[0].codec_context.name == "h264"
    aipix_sim.dead_servers.add("main")
    assert (await get(http, links["url"]))[0] == 502
    assert (await get(http, links["fallback_url"]))[0] == 200
    aipix_sim.expire_links()
    assert (await get(http, links["fallback_url"]))[0] == 403
    cam.streams = ()
    assert (await get(http, f"{base}/streams", auth))[0] == 404
    cam.forbidden = True
    assert (await get(http, f"{base}/streams", auth))[0] == 403


async def test_archive_and_previews(aipix_sim: AipixSimulator, http: aiohttp.ClientSession) -> None:
    """Archive: 422 outside the ranges, move_to before them, 400 restricted; previews."""
    auth = await token_of(http, aipix_sim)
    cam = next(iter(aipix_sim.cameras.values()))
    base = f"{aipix_sim.url}/api/v1/cameras/{cam.id}"
    first = cam.archive_ranges[0]
    status, links = await get(http, f"{base}/streams/archive", auth, start=iso(first["from"] + 60))
    assert (status, links["move_to"]) == (200, None)
    status, playlist = await get(http, links["url"])
    assert "#EXT-X-ENDLIST" in playlist
    status, links = await get(http, f"{base}/streams/archive", auth, start=iso(first["from"] - 9e6))
    assert links["move_to"] == iso(first["from"])
    gap = first["from"] + first["duration"] + 10
    status, body = await get(http, f"{base}/streams/archive", auth, start=iso(gap))
    assert (status, list(body["errors"])) == (422, ["start"])
    cam.is_restricted_archive = True
    assert (await get(http, f"{base}/streams/archive", auth, start=iso(first["from"])))[0] == 400

    status, preview = await get(http, f"{base}/preview", auth)
    assert preview["is_need_token"] is False
    async with http.get(preview["preview"]) as resp:
        mp4 = await resp.read()
    with av.open(io.BytesIO(mp4), "r") as container:
        assert len(list(container.decode(video=0))) == 1

    async with http.post(
        f"{aipix_sim.url}/api/v1/cameras/preview",
        json={"cameras": [{"uuid": cam.uuid, "stream_type": "high"}], "source": "jpg", "ttl": "5"},
        headers=auth,
    ) as resp:
        [link] = await resp.json()
    assert link["expired_at"].endswith("Z")
    async with http.get(link["url"]) as resp:
        assert (await resp.read())[:2] == b"\xff\xd8"
    async with http.post(
        f"{aipix_sim.url}/api/v1/cameras/video",
        json={"cameras": [{"uuid": "nope"}], "source": "hls"},
        headers=auth,
    ) as resp:
        assert resp.status == 422


async def test_ptz_marks_events(aipix_sim: AipixSimulator, http: aiohttp.ClientSession) -> None:
    """PTZ moves are recorded (403 without permission); marks and events page."""
    auth = await token_of(http, aipix_sim)
    ptz = next(c for c in aipix_sim.cameras.values() if c.ptz)
    url = f"{aipix_sim.url}/api/v1/cameras/{ptz.id}"
    async with http.post(f"{url}/move", json={"zoom-in": True}, headers=auth) as resp:
        assert resp.status == 200
    async with http.post(f"{url}/move/home", headers=auth) as resp:
        assert resp.status == 200
    assert aipix_sim.ptz_moves == [(ptz.id, {"zoom-in": True}), (ptz.id, "home")]
    aipix_sim.permissions.discard("ptz")
    async with http.post(f"{url}/move", json={"up": True}, headers=auth) as resp:
        assert resp.status == 403
        assert "errors" in await resp.json()

    async with http.post(
        f"{url}/marks", json={"title": "Mark", "from": iso(time.time())}, headers=auth
    ) as resp:
        mark = await resp.json()
    assert mark["type"] == "mark"
    assert (await get(http, f"{url}/marks", auth))[1] == [mark]
    for n in range(30):
        aipix_sim.add_event(ptz.id, "motion_detect", when=time.time() - n * 60)
    _status, page = await get(http, f"{aipix_sim.url}/api/v1/events", auth, per_page=25)
    assert (len(page["data"]), page["meta"]["total"]) == (25, 30)
    assert page["data"][0]["created_at"] > page["data"][1]["created_at"]
    _status, page = await get(
        http, f"{aipix_sim.url}/api/v1/events", auth, **{"from": iso(time.time() - 150)}
    )
    assert page["meta"]["total"] == 3


async def test_faults(aipix_sim: AipixSimulator, http: aiohttp.ClientSession) -> None:
    """fail answers an endpoint with a status, HTML, or broken JSON."""
    key = "GET /api/v1/static/basic"
    url = f"{aipix_sim.url}/api/v1/static/basic"
    aipix_sim.fail[key] = 503
    assert (await get(http, url))[0] == 503
    aipix_sim.fail[key] = "html"
    status, body = await get(http, url)
    assert status == 502
    assert body.startswith("<!DOCTYPE html>")
    aipix_sim.fail[key] = "truncated"
    assert isinstance((await get(http, url))[1], str)
    aipix_sim.fail["POST /api/v1/token"] = 419
    assert (await login(http, aipix_sim))[1]["sessions_limit"] is None
    del aipix_sim.fail[key]
    assert (await get(http, url))[0] == 200


async def test_pusher(aipix_sim: AipixSimulator, http: aiohttp.ClientSession) -> None:
    """wsurl, the /ws path failing, the Pusher handshake, auth, pushes, pings."""
    auth = await token_of(http, aipix_sim)
    status, ws_info = await get(http, f"{aipix_sim.url}/api/v1/wsurl", auth)
    assert ws_info["path"] == "/ws"
    assert ws_info["app_key"] == aipix_sim.app_key
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await http.ws_connect(f"{ws_info['ws_url']}/app/{ws_info['app_key']}")
    ws_url = f"ws://{aipix_sim.host}/pusher/app/{ws_info['app_key']}?protocol=7"
    async with http.ws_connect(ws_url) as ws:
        hello = await ws.receive_json()
        assert hello["event"] == "pusher:connection_established"
        socket_id = json.loads(hello["data"])["socket_id"]
        me = (await get(http, f"{aipix_sim.url}/api/v1/users/self", auth))[1]

        async def sign(channel: str) -> tuple[int, dict[str, Any]]:
            form = {"socket_id": socket_id, "channel_name": channel}
            async with http.post(
                f"{aipix_sim.url}/api/v1/broadcasting/auth", data=form, headers=auth
            ) as resp:
                return resp.status, await resp.json()

        assert (await sign("private-user.999"))[0] == 403
        channels = [f"private-user.{me['id']}", f"private-token.{me['access_token_id']}"]
        for channel in channels:
            status, signed = await sign(channel)
            assert status == 200
            await ws.send_json(
                {"event": "pusher:subscribe", "data": {"channel": channel, "auth": signed["auth"]}}
            )
            reply = await ws.receive_json()
            assert reply == {
                "event": "pusher_internal:subscription_succeeded",
                "channel": channel,
                "data": "{}",
            }
        await ws.send_json(
            {"event": "pusher:subscribe", "data": {"channel": "private-x", "auth": "k:bad"}}
        )
        assert (await ws.receive_json())["event"] == "pusher:error"

        event = await aipix_sim.push_analytic(895, "license_plate", license_plate="AB123C")
        frame = await ws.receive_json()
        assert frame["event"] == "App\\Events\\UserPush"
        assert isinstance(frame["data"], str)
        inner = json.loads(frame["data"])["data"]
        assert inner["type"] == "analytic_case_license_plate_event_created"
        assert inner["data"] == event
        assert event["license_plate"] == "AB123C"

        await ws.send_json({"event": "pusher:ping", "data": {}})
        assert (await ws.receive_json())["event"] == "pusher:pong"

        session_id = aipix_sim.sessions[0]["id"]
        await aipix_sim.delete_session(session_id)
        frame = await ws.receive_json()
        assert frame["event"] == "App\\Events\\TokenPush"
        assert json.loads(frame["data"])["data"]["type"] == "logout"
        assert (await get(http, f"{aipix_sim.url}/api/v1/users/self", auth))[0] == 401

        aipix_sim.answer_pings = False
        await ws.send_json({"event": "pusher:ping", "data": {}})
        aipix_sim.drop_sockets()
        closed = await ws.receive()
        assert closed.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.ERROR,
        )


async def test_tls_and_uuid_video(http: aiohttp.ClientSession) -> None:
    """tls serves a self-signed certificate (wss too); 25.06 video links on both paths."""
    sim = AipixSimulator(tls=True)
    await sim.start()
    try:
        assert sim.url.startswith("https://")
        async with http.post(
            f"{sim.url}/api/v1/token",
            json={"login": sim.login, "password": sim.password},
            ssl=False,
        ) as resp:
            auth = {"Authorization": f"Bearer {(await resp.json())['access_token']}"}
        cam = next(iter(sim.cameras.values()))
        for path in ("/api/v1/cameras/video", "/api/v1/billing/cameras/video"):
            async with http.post(
                f"{sim.url}{path}",
                json={"cameras": [{"uuid": cam.uuid, "stream_type": "low"}], "ttl": "1"},
                headers=auth,
                ssl=False,
            ) as resp:
                [link] = await resp.json()
            assert link["url"].startswith("https://")
            async with http.get(link["url"], ssl=False) as resp:
                assert resp.status == 200
        sim.expire_links()
        async with http.get(link["url"], ssl=False) as resp:
            assert resp.status == 403
        async with http.get(f"{sim.url}/api/v1/wsurl", headers=auth, ssl=False) as resp:
            info = await resp.json()
        assert info["ws_url"].startswith("wss://")
        assert info["is_encrypted"] is True
        ws_url = f"wss://{sim.host}/pusher/app/{sim.app_key}"
        async with http.ws_connect(ws_url, ssl=False) as ws:
            assert (await ws.receive_json())["event"] == "pusher:connection_established"
    finally:
        await sim.stop()


async def test_rtsp_link(aipix_sim: AipixSimulator, http: aiohttp.ClientSession) -> None:
    """An RTSP link plays H.264 with its token; a wrong token is refused."""
    auth = await token_of(http, aipix_sim)
    cam = next(iter(aipix_sim.cameras.values()))
    status, links = await get(
        http, f"{aipix_sim.url}/api/v1/cameras/{cam.id}/streams", auth, type="low", source="rtsp"
    )
    assert status == 200
    assert links["url"].startswith("rtsp://")

    def first_frame(url: str) -> str:
        with av.open(url, "r", options={"rtsp_transport": "tcp"}, timeout=5) as container:
            frame = next(container.decode(video=0))
        return f"{frame.width}x{frame.height}"

    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(None, first_frame, links["url"]) == "320x180"
    with pytest.raises(av.error.HTTPNotFoundError):
        await loop.run_in_executor(None, first_frame, links["url"].replace("token=", "token=x"))
