"""`onvif-device healthcheck`: 0 for a camera answering GetSystemDateAndTime, 1 with one line of why otherwise."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from deployutil import free_port
from soaputil import SOAP12, TDS, SoapClient, envelope

from onvif_device import healthcheck
from onvif_device.cli import main
from onvif_device.config import Config
from onvif_device.embed import ThreadedCamera


def run_healthcheck(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["healthcheck", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- against a real camera -------------------------------------------------------------------


def test_a_running_camera_is_healthy(running_camera, capsys):
    code, out, err = run_healthcheck(capsys, "--http-port", str(running_camera.port))
    assert code == 0, err
    assert out.startswith(f"onvif-device healthcheck: ok, {running_camera.device_url} answers, device clock 20")
    assert out.count("\n") == 1 and err == ""


def test_the_check_needs_no_credentials_and_reads_the_device_clock():
    skewed = Config.model_validate({"clock": {"offset_seconds": -20 * 365.25 * 86400}})  # 20 years behind
    with ThreadedCamera(skewed) as cam:
        stamp = healthcheck.check(cam.device_url)
        device_now = cam.camera.clock.utc_now()
    assert stamp.endswith("Z") and len(stamp) == len("2024-01-31T12:00:00Z")
    assert int(stamp[:4]) in (device_now.year - 1, device_now.year)  # a new year may begin in between
    assert device_now.year < datetime.now(UTC).year - 10


def test_port_and_address_come_from_the_config_file(running_camera, tmp_path, capsys):
    path = tmp_path / "camera.toml"
    path.write_text(f'[server]\nhost = "127.0.0.1"\nhttp_port = {running_camera.port}\n')
    code, out, _ = run_healthcheck(capsys, "--config", str(path))
    assert code == 0
    assert f"http://127.0.0.1:{running_camera.port}/onvif/device_service" in out


def test_the_flag_wins_over_the_config_file(running_camera, tmp_path, capsys):
    path = tmp_path / "camera.toml"
    path.write_text(f"[server]\nhttp_port = {free_port()}\n")
    code, _, err = run_healthcheck(capsys, "--config", str(path), "--http-port", str(running_camera.port))
    assert code == 0, err


def test_a_fleet_file_is_checked_on_its_first_camera(running_camera, tmp_path, capsys):
    path = tmp_path / "fleet.toml"
    path.write_text(f"[fleet]\ncount = 3\nhttp_port_start = {running_camera.port}\nrtsp_port_start = 20000\n")
    code, out, _ = run_healthcheck(capsys, "--config", str(path))
    assert code == 0
    assert f":{running_camera.port}/" in out


def test_a_rebooting_camera_is_unhealthy_until_it_is_back(running_camera):
    # Not the validating `soap` fixture: compiling the schemas could outlast the reboot.
    soap = SoapClient(running_camera.device_url, running_camera.username, running_camera.password)
    soap.call("<tds:SystemReboot/>")
    soap.close()
    seen: list[bool] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (False in seen and seen[-1]):
        try:
            healthcheck.check(running_camera.device_url, timeout=1)
            seen.append(True)
        except healthcheck.Unhealthy:
            seen.append(False)
        time.sleep(0.02)
    assert False in seen, "the reboot never showed"
    assert seen[-1], "the camera never came back"


# --- what makes a camera unhealthy -----------------------------------------------------------


def test_nothing_listening_is_a_refused_connection(capsys):
    port = free_port()
    code, out, err = run_healthcheck(capsys, "--http-port", str(port))
    assert code == 1 and out == ""
    assert err == (
        f"onvif-device healthcheck: http://127.0.0.1:{port}/onvif/device_service:"
        " connection refused (is the camera running on this port?)\n"
    )


def test_a_server_that_never_answers_times_out(capsys):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts into the backlog, never reads or answers
        port = silent.getsockname()[1]
        code, _, err = run_healthcheck(capsys, "--http-port", str(port), "--timeout", "0.3")
    assert code == 1
    assert err.endswith(": no answer in time\n") and err.count("\n") == 1


@contextmanager
def answering(status: int, body: bytes, content_type: str = "application/soap+xml") -> Iterator[str]:
    """An HTTP server on loopback giving every POST the same answer; yields its device service URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{healthcheck.DEVICE_PATH}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


FAULT = envelope(
    "<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code>"
    '<s:Reason><s:Text xml:lang="en">The requested\n   action is not supported</s:Text></s:Reason></s:Fault>'
)

WRONG_ANSWERS = [
    pytest.param(200, b"<html><body>It works!</body></html", "the answer is not XML", id="html"),
    pytest.param(200, b"", "the answer is not XML", id="empty"),
    pytest.param(200, b"<ok/>", "the answer is not a SOAP 1.2 envelope with a body", id="not-soap"),
    pytest.param(
        200,
        envelope("<tds:GetSystemDateAndTime/>", soap_ns="http://schemas.xmlsoap.org/soap/envelope/"),
        "the answer is not a SOAP 1.2 envelope with a body",
        id="soap-1.1",
    ),
    pytest.param(
        200,
        envelope("<tds:GetDeviceInformationResponse/>"),
        "expected GetSystemDateAndTimeResponse, got GetDeviceInformationResponse",
        id="other-operation",
    ),
    pytest.param(
        200,
        envelope("<tds:GetSystemDateAndTimeResponse/>"),
        "GetSystemDateAndTimeResponse without SystemDateAndTime/DateTimeType",
        id="empty-response",
    ),
    pytest.param(400, FAULT, "HTTP 400 Bad Request: The requested action is not supported", id="fault"),
    pytest.param(503, b"busy", "HTTP 503 Service Unavailable", id="unavailable"),
]


@pytest.mark.parametrize(("status", "body", "reason"), WRONG_ANSWERS)
def test_a_wrong_answer_is_unhealthy_saying_why(status, body, reason):
    with answering(status, body) as url, pytest.raises(healthcheck.Unhealthy) as raised:
        healthcheck.check(url, timeout=5)
    assert str(raised.value) == f"{url}: {reason}"


def test_a_minimal_valid_answer_is_healthy():
    body = envelope(
        "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>"
        "<tt:DaylightSavings>false</tt:DaylightSavings></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
    )
    with answering(200, body) as url:
        assert healthcheck.check(url, timeout=5) == "(no UTCDateTime)"


def test_the_request_is_soap_1_2_get_system_date_and_time():
    from lxml import etree

    request = etree.fromstring(healthcheck.REQUEST)
    assert request.tag == f"{{{SOAP12}}}Envelope"
    assert request[0][0].tag == f"{{{TDS}}}GetSystemDateAndTime"
    assert healthcheck.CONTENT_TYPE.startswith("application/soap+xml")


def test_a_config_picking_free_ports_needs_the_port_flag(tmp_path, capsys):
    path = tmp_path / "camera.toml"
    path.write_text("[server]\nhttp_port = 0\n")
    code, _, err = run_healthcheck(capsys, "--config", str(path))
    assert code == 1
    assert "http_port = 0): pass --http-port" in err


def test_a_missing_config_file_is_unhealthy(tmp_path, capsys):
    code, _, err = run_healthcheck(capsys, "--config", str(tmp_path / "missing.toml"))
    assert code == 1
    assert err.startswith("onvif-device healthcheck: ") and "missing.toml: cannot read" in err


def test_a_bad_config_file_is_reported_on_one_line(tmp_path, capsys):
    path = tmp_path / "camera.toml"
    path.write_text("[server]\nhttp_port = 99999\nhost = 7\n")
    code, _, err = run_healthcheck(capsys, "--config", str(path))
    assert code == 1 and err.count("\n") == 1
    assert "camera.toml: 2 invalid setting(s): server." in err
    assert "server.http_port (line 2): " in err and "; server." in err and "server.host (line 3): " in err


@pytest.mark.parametrize("timeout", ["0", "-1", "soon", "601"])
def test_the_timeout_must_be_a_sensible_number_of_seconds(timeout, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["healthcheck", "--timeout", timeout])
    assert exited.value.code == 2
    assert "expected seconds between 0 and 600" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("bind", "expected"),
    [("0.0.0.0", "127.0.0.1"), ("", "127.0.0.1"), ("::", "[::1]"), ("127.0.0.7", "127.0.0.7"),
     ("::1", "[::1]"), ("camera.local", "camera.local")],
)
def test_a_wildcard_bind_is_checked_on_loopback(bind, expected):
    assert healthcheck._url_host(bind) == expected
