"""The typical Huffman tables of ITU-T T.81 Annex K.3, which RFC 2435 assumes.

An RFC 2435 receiver rebuilds every frame's DHT from these, so a JPEG whose
encoder optimised its tables (ffmpeg's mjpeg default, Pillow's ``optimize``)
decodes wrongly there unless the tables travel in the ONVIF header extension.
Keys are (table class, table id): class 0 is DC, class 1 is AC; id 0 serves
luma, id 1 chroma.
"""

from __future__ import annotations

_DC_SYMBOLS = bytes(range(12))

STANDARD_HUFFMAN_TABLES: dict[tuple[int, int], tuple[bytes, bytes]] = {
    (0, 0): (bytes((0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)), _DC_SYMBOLS),
    (1, 0): (
        bytes((0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D)),
        bytes.fromhex(
            "01020300041105122131410613516107227114328191a1082342b1c11552d1f0"
            "2433627282090a161718191a25262728292a3435363738393a43444546474849"
            "4a535455565758595a636465666768696a737475767778797a83848586878889"
            "8a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5"
            "c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8"
            "f9fa"
        ),
    ),
    (0, 1): (bytes((0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0)), _DC_SYMBOLS),
    (1, 1): (
        bytes((0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77)),
        bytes.fromhex(
            "000102031104052131061241510761711322328108144291a1b1c109233352f0"
            "156272d10a162434e125f11718191a262728292a35363738393a434445464748"
            "494a535455565758595a636465666768696a737475767778797a828384858687"
            "88898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
            "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8"
            "f9fa"
        ),
    ),
}


def huffman_segment(tables: dict[tuple[int, int], tuple[bytes, bytes]]) -> bytes:
    """One DHT marker segment defining every table given."""
    body = b"".join(
        bytes((table_class << 4 | table_id,)) + counts + symbols
        for (table_class, table_id), (counts, symbols) in tables.items()
    )
    return b"\xff\xc4" + (len(body) + 2).to_bytes(2, "big") + body


STANDARD_HUFFMAN_SEGMENT = huffman_segment(STANDARD_HUFFMAN_TABLES)
