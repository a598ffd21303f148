"""Transport header: one table of client input, canonical output and parsed value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onvif_device.streaming.rtsp import TransportError, TransportSpec, parse_transports
from onvif_device.streaming.rtsp.headers import HeaderError

TCP = TransportSpec(lower="TCP")
UDP = TransportSpec()

CASES = [
    pytest.param(
        "RTP/AVP/TCP;unicast;interleaved=0-1",
        "RTP/AVP/TCP;unicast;interleaved=0-1",
        TransportSpec(lower="TCP", interleaved=(0, 1)),
        id="ffmpeg-tcp",
    ),
    pytest.param(
        "RTP/AVP/UDP;unicast;client_port=5000-5001",
        "RTP/AVP;unicast;client_port=5000-5001",
        TransportSpec(client_port=(5000, 5001)),
        id="ffmpeg-udp",
    ),
    pytest.param(
        "RTP/AVP;unicast;client_port=56328-56329",
        "RTP/AVP;unicast;client_port=56328-56329",
        TransportSpec(client_port=(56328, 56329)),
        id="vlc-live555",
    ),
    pytest.param(
        "RTP/AVP;multicast;destination=239.1.1.1;port=5000-5001;ttl=1",
        "RTP/AVP;multicast;destination=239.1.1.1;port=5000-5001;ttl=1",
        TransportSpec(multicast=True, destination="239.1.1.1", port=(5000, 5001), ttl=1),
        id="onvif-multicast",
    ),
    pytest.param(
        "RTP/AVP;unicast;client_port=8002-8003; server_port=9004-9005",
        "RTP/AVP;unicast;client_port=8002-8003;server_port=9004-9005",
        TransportSpec(client_port=(8002, 8003), server_port=(9004, 9005)),
        id="onvif-example-folded",
    ),
    pytest.param(
        "RTP/AVP;unicast;client_port=8002-8003;",
        "RTP/AVP;unicast;client_port=8002-8003",
        TransportSpec(client_port=(8002, 8003)),
        id="trailing-semicolon",
    ),
    pytest.param("RTP/AVP", "RTP/AVP;unicast", UDP, id="bare-means-udp-unicast"),
    pytest.param("RTP/AVP/TCP", "RTP/AVP/TCP;unicast", TCP, id="gstreamer-bare-tcp"),
    pytest.param(
        "rtp/avp/tcp;UNICAST;Interleaved=2-3",
        "RTP/AVP/TCP;unicast;interleaved=2-3",
        TransportSpec(lower="TCP", interleaved=(2, 3)),
        id="case-insensitive",
    ),
    pytest.param(
        "RTP/AVP;unicast;client_port=5000",
        "RTP/AVP;unicast;client_port=5000-5001",
        TransportSpec(client_port=(5000, 5001)),
        id="single-port-adds-rtcp",
    ),
    pytest.param(
        "RTP/AVP/TCP;interleaved=4",
        "RTP/AVP/TCP;unicast;interleaved=4-5",
        TransportSpec(lower="TCP", interleaved=(4, 5)),
        id="single-channel",
    ),
    pytest.param(
        "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1a2b3c4d;mode=\"PLAY\"",
        "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1A2B3C4D;mode=PLAY",
        TransportSpec(lower="TCP", interleaved=(0, 1), ssrc="1A2B3C4D", mode="PLAY"),
        id="ssrc-and-quoted-mode",
    ),
    pytest.param(
        "RTP/AVP;unicast;client_port=6970-6971;ssrc=abc;mode=play",
        "RTP/AVP;unicast;client_port=6970-6971;ssrc=00000ABC;mode=PLAY",
        TransportSpec(client_port=(6970, 6971), ssrc="00000ABC", mode="PLAY"),
        id="short-ssrc",
    ),
    pytest.param(
        'RTP/AVP;unicast;client_port=6970-6971;mode="PLAY, RECORD"',
        'RTP/AVP;unicast;client_port=6970-6971;mode="PLAY,RECORD"',
        TransportSpec(client_port=(6970, 6971), mode="PLAY,RECORD"),
        id="mode-list",
    ),
    pytest.param(
        "RTP/AVP;unicast;destination=10.0.0.9;source=10.0.0.5;client_port=5000-5001;server_port=6000-6001",
        "RTP/AVP;unicast;destination=10.0.0.9;source=10.0.0.5;client_port=5000-5001;server_port=6000-6001",
        TransportSpec(destination="10.0.0.9", source="10.0.0.5", client_port=(5000, 5001), server_port=(6000, 6001)),
        id="reply-with-addresses",
    ),
    pytest.param(
        "RTP/AVP;unicast;client_port=5000-5001;x-dynamic-rate=1;append;layers=1",
        "RTP/AVP;unicast;client_port=5000-5001",
        TransportSpec(client_port=(5000, 5001), extra=("x-dynamic-rate=1", "append", "layers=1")),
        id="unknown-kept-in-extra",
    ),
    pytest.param(
        "RTP/AVP;multicast;destination",
        "RTP/AVP;multicast",
        TransportSpec(multicast=True),
        id="destination-without-value",
    ),
    pytest.param(
        "RTP/SAVP;unicast;client_port=5000-5001",
        "RTP/SAVP;unicast;client_port=5000-5001",
        TransportSpec(protocol="RTP/SAVP", client_port=(5000, 5001)),
        id="srtp-profile-parses",
    ),
    pytest.param(
        "RTP/AVP;unicast;client_port=5000-5000",
        "RTP/AVP;unicast;client_port=5000-5000",
        TransportSpec(client_port=(5000, 5000)),
        id="rtcp-mux-same-port",
    ),
    pytest.param(
        "RTP/AVP;unicast;client_port=65534-65535;interleaved=254-255",
        "RTP/AVP;unicast;client_port=65534-65535;interleaved=254-255",
        TransportSpec(client_port=(65534, 65535), interleaved=(254, 255)),
        id="highest-values",
    ),
]


@pytest.mark.parametrize(("header", "canonical", "spec"), CASES)
def test_parse_and_format(header: str, canonical: str, spec: TransportSpec) -> None:
    assert parse_transports(header) == [spec]
    assert spec.format() == canonical
    # The canonical form parses to the same value, minus what format() leaves out.
    assert parse_transports(canonical) == [spec.replace(extra=())]


def test_alternatives_in_preference_order() -> None:
    gstreamer = "RTP/AVP/UDP;unicast;client_port=5000-5001,RTP/AVP/UDP;multicast,RTP/AVP/TCP"
    assert parse_transports(gstreamer) == [
        TransportSpec(client_port=(5000, 5001)),
        TransportSpec(multicast=True),
        TCP,
    ]
    spaced = "RTP/AVP;unicast;client_port=5000-5001 , RTP/AVP/TCP;unicast;interleaved=0-1,"
    assert parse_transports(spaced) == [
        TransportSpec(client_port=(5000, 5001)),
        TransportSpec(lower="TCP", interleaved=(0, 1)),
    ]


def test_a_quoted_mode_list_does_not_split_alternatives() -> None:
    specs = parse_transports('RTP/AVP;unicast;mode="PLAY,RECORD",RTP/AVP/TCP')
    assert [spec.mode for spec in specs] == ["PLAY,RECORD", None]


def test_server_builds_the_reply_from_the_offer() -> None:
    [offer] = parse_transports("RTP/AVP/TCP;unicast;interleaved=0-1")
    reply = offer.replace(ssrc="1A2B3C4D")
    assert reply.format() == "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1A2B3C4D"
    assert offer.ssrc is None  # replace() returns a new value
    [udp] = parse_transports("RTP/AVP;unicast;client_port=5000-5001")
    assert udp.replace(server_port=(6000, 6001), ssrc="0000002A").format() == (
        "RTP/AVP;unicast;client_port=5000-5001;server_port=6000-6001;ssrc=0000002A"
    )


REFUSED = [
    pytest.param("", "no transport", id="empty"),
    pytest.param(" , ", "no transport", id="only-commas"),
    pytest.param("RTP", "transport/profile", id="no-profile"),
    pytest.param("unicast;client_port=5000-5001", "transport/profile", id="no-spec"),
    pytest.param("RTP/AVP/TCP/X;unicast", "transport/profile", id="four-parts"),
    pytest.param("RTP/AVP;unicast;client_port=0-1", "client_port 0-1", id="port-zero"),
    pytest.param("RTP/AVP;unicast;client_port=65536-65537", "client_port", id="port-too-high"),
    pytest.param("RTP/AVP;unicast;client_port=5001-5000", "client_port 5001-5000 is reversed", id="port-reversed"),
    pytest.param("RTP/AVP;unicast;client_port=65535", "client_port=65535 leaves no room", id="single-port-at-top"),
    pytest.param("RTP/AVP;unicast;client_port=abc", "client_port='abc'", id="port-word"),
    pytest.param("RTP/AVP;unicast;client_port=", "client_port=''", id="port-empty"),
    pytest.param("RTP/AVP;unicast;client_port=5000-5001-5002", "client_port", id="port-three"),
    pytest.param("RTP/AVP;unicast;client_port=" + "9" * 5000, "client_port", id="port-huge"),
    pytest.param("RTP/AVP;multicast;port=5003-5002", "port 5003-5002 is reversed", id="multicast-port-reversed"),
    pytest.param("RTP/AVP;unicast;server_port=70000-70001", "server_port", id="server-port-range"),
    pytest.param("RTP/AVP/TCP;interleaved=256-257", "interleaved 256-257", id="channel-too-high"),
    pytest.param("RTP/AVP/TCP;interleaved=255", "interleaved=255 leaves no room", id="single-channel-at-top"),
    pytest.param("RTP/AVP/TCP;interleaved=3-2", "interleaved 3-2 is reversed", id="channels-reversed"),
    pytest.param("RTP/AVP;multicast;ttl=256", "ttl 256", id="ttl-range"),
    pytest.param("RTP/AVP;multicast;ttl=one", "ttl='one'", id="ttl-word"),
    pytest.param("RTP/AVP;unicast;ssrc=123456789", "ssrc", id="ssrc-too-long"),
    pytest.param("RTP/AVP;unicast;ssrc=xyz", "ssrc", id="ssrc-not-hex"),
    pytest.param("RTP/AVP;unicast;mode=", "mode", id="mode-empty"),
    pytest.param("RTP/AVP;unicast;multicast", "both unicast and multicast", id="both-casts"),
]


@pytest.mark.parametrize(("header", "words"), REFUSED)
def test_refused_transports_name_the_problem(header: str, words: str) -> None:
    with pytest.raises(TransportError) as caught:
        parse_transports(header)
    assert words in str(caught.value)
    assert isinstance(caught.value, HeaderError) and isinstance(caught.value, ValueError)


def test_values_the_server_builds_are_checked_too() -> None:
    with pytest.raises(TransportError, match="server_port"):
        TransportSpec(server_port=(0, 1))
    with pytest.raises(TransportError, match="ssrc"):
        TransportSpec(ssrc="1a2b")  # must be 8 upper or lower hex digits
    with pytest.raises(TransportError, match="destination"):
        TransportSpec(destination="1.2.3.4;ttl=9")
    with pytest.raises(TransportError, match="protocol"):
        TransportSpec(protocol="RTP")
    with pytest.raises(TransportError, match="lower"):
        TransportSpec(lower="")
    with pytest.raises(TransportError, match="mode"):
        TransportSpec(mode="PLAY;x")


pairs = st.integers(1, 0xFFFF).flatmap(lambda first: st.tuples(st.just(first), st.integers(first, 0xFFFF)))
channels = st.integers(0, 255).flatmap(lambda first: st.tuples(st.just(first), st.integers(first, 255)))
addresses = st.from_regex(r"[0-9a-zA-Z.:]{1,20}", fullmatch=True)


@given(
    st.builds(
        TransportSpec,
        protocol=st.sampled_from(["RTP/AVP", "RTP/SAVP", "RTP/AVPF"]),
        lower=st.sampled_from(["UDP", "TCP"]),
        multicast=st.booleans(),
        client_port=st.none() | pairs,
        server_port=st.none() | pairs,
        interleaved=st.none() | channels,
        destination=st.none() | addresses,
        source=st.none() | addresses,
        port=st.none() | pairs,
        ttl=st.none() | st.integers(0, 255),
        ssrc=st.none() | st.integers(0, 0xFFFF_FFFF).map(lambda n: f"{n:08X}"),
        mode=st.none() | st.sampled_from(["PLAY", "RECORD", "PLAY,RECORD"]),
    )
)
def test_format_parses_back(spec: TransportSpec) -> None:
    assert parse_transports(spec.format()) == [spec]
    assert parse_transports(f"{spec.format()},{spec.format()}") == [spec, spec]


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_transport_error(text: str) -> None:
    try:
        specs = parse_transports(text)
    except TransportError as error:
        assert str(error)
    else:
        assert specs
        for spec in specs:
            assert parse_transports(spec.format()) == [spec.replace(extra=())]
