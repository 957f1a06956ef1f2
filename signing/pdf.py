"""Signed letters as PDF, with pyHanko: the candidate's seal, the countersignature, and what a
PDF's signatures say when someone checks one.

The approved letter's bytes are never rewritten: every step is an incremental update appended
to them (the completion certificate page, the company's empty signature field and the
candidate's signature in one revision; the countersignature in the next), so the signed file
begins with exactly the letter that was approved, and each signature covers everything before
it. The candidate's signature certifies the document with form filling allowed: the company's
countersignature fills the field left for it, and the candidate's signature stays valid.

The seal is PAdES (ETSI.CAdES.detached) with the company's document-signing certificate; a
timestamp authority (`SIGNING_TSA_URL`) adds an RFC 3161 timestamp to each signature.
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.stamp import TextStampStyle

from signing.certificates import Company, company_signer

logger = logging.getLogger(__name__)

CANDIDATE_FIELD = "Candidate"
COMPANY_FIELD = "Company"
# Countersigned first: the completion certificate is the appearance of a signature field on a
# page the company's revision adds, because a page added after a signature is a change no
# signature permits, while filling a field is.
CERTIFICATE_FIELD = "Certificate"
CERTIFICATE_BOX = (57, 70, 538, 700)  # points on an A4 page: below the page's heading
# The letter's signature lines carry these ids; WeasyPrint writes each as a named destination
# (page and top-left corner), which is where the visible signatures go.
CANDIDATE_ANCHOR = "candidate-signature"
COMPANY_ANCHOR = "company-signature"
LINE_SHARE = 0.45  # each signature line is 45% of the text's width (static/css/letter.css)
FIELD_HEIGHT = 44  # points: the 22 pt line box and the 22 pt of space above it


class SealError(Exception):
    """The letter could not be sealed (retrying may help when it is the timestamp authority)."""


@dataclass(frozen=True)
class Box:
    page: int
    rect: tuple[int, int, int, int]


def _destinations(reader: PdfFileReader) -> dict[str, tuple[int, float, float]]:
    """Named destinations as name → (page index, left, top)."""
    names = reader.root.get("/Names")
    if not names or "/Dests" not in names:
        return {}
    pages = [page.idnum for page in _page_refs(reader)]
    flat = names["/Dests"].get("/Names", generic.ArrayObject())
    items = [flat.raw_get(index) for index in range(len(flat))]
    found = {}
    for name, target in zip(items[::2], items[1::2], strict=False):
        target = target.get_object()
        try:
            page = pages.index(target.raw_get(0).idnum)
            found[str(name)] = (page, float(target[2]), float(target[3]))
        except (ValueError, IndexError, AttributeError, TypeError):
            continue
    return found


def _page_refs(reader: PdfFileReader) -> list[generic.IndirectObject]:
    refs = []
    for index in range(int(reader.root["/Pages"]["/Count"])):
        ref, _ = reader.find_page_for_modification(index)
        refs.append(ref)
    return refs


def signature_boxes(reader: PdfFileReader, *, fallback_page: int) -> dict[str, Box]:
    """Where each visible signature goes: on the letter's signature lines when the letter
    marks them, else side by side at the foot of the completion certificate page."""
    dests = _destinations(reader)
    if COMPANY_ANCHOR in dests and CANDIDATE_ANCHOR in dests:
        page, left, top = dests[COMPANY_ANCHOR]
        cand_page, cand_left, cand_top = dests[CANDIDATE_ANCHOR]
        width = round((cand_left - left) / (1 - LINE_SHARE) * LINE_SHARE)
        x, cand_x = round(left), round(cand_left)
        low, cand_low = round(top) - 24, round(cand_top) - 24
        return {
            COMPANY_FIELD: Box(page, (x, low, x + width, low + FIELD_HEIGHT)),
            CANDIDATE_FIELD: Box(
                cand_page, (cand_x, cand_low, cand_x + width, cand_low + FIELD_HEIGHT)
            ),
        }
    return {
        COMPANY_FIELD: Box(fallback_page, (57, 60, 280, 60 + FIELD_HEIGHT)),
        CANDIDATE_FIELD: Box(fallback_page, (315, 60, 538, 60 + FIELD_HEIGHT)),
    }


# The scripts most names are written in: Latin (with its extensions), Greek, Cyrillic, and the
# punctuation and currency signs beside them.
COMMON_SCRIPTS = [
    (0x20, 0x24F),
    (0x370, 0x3FF),
    (0x400, 0x4FF),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
]


@dataclass(frozen=True)
class StampFonts:
    """DejaVu Sans, the letter's own font, scaled to 1,000 units per em (pyHanko's font
    embedding writes glyph widths as they are, and DejaVu's 2,048 units would space the letters
    out): `full`, and `common`, cut to COMMON_SCRIPTS without its layout tables. Subsetting
    the full font's 6,000 glyphs and their tables is most of a seal's time (the README's
    signing speed); the cut one draws almost every name, and `full` draws the rest."""

    full: str
    common: str
    common_characters: frozenset[int]


@cache
def _fonts() -> StampFonts | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run(  # noqa: S603  (fontconfig's own tool, fixed arguments)
            [fc_match, "DejaVu Sans:style=Book", "--format=%{file}"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except OSError:
        return None
    if not found.endswith(".ttf"):
        return None
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    source = Path(found)
    stem = (
        Path(tempfile.gettempdir()) / f"offers-signing-1-{source.stem}-{source.stat().st_mtime_ns}"
    )
    full, common = Path(f"{stem}.ttf"), Path(f"{stem}-common.ttf")

    def save(font: Any, path: Path) -> None:
        partial = path.with_suffix(f".{os.getpid()}.part")
        font.save(str(partial))
        partial.replace(path)  # atomic: two workers may make it at once

    if not full.exists():
        font = TTFont(str(source))
        scale_upem(font, 1000)
        save(font, full)
    if not common.exists():
        font = TTFont(str(full))
        options = subset.Options()
        options.layout_features = []
        options.drop_tables += ["GPOS", "GSUB", "GDEF", "kern", "FFTM"]
        options.hinting = False
        cutter = subset.Subsetter(options)
        cutter.populate(
            unicodes=[c for c in font.getBestCmap() if any(a <= c <= b for a, b in COMMON_SCRIPTS)]
        )
        cutter.subset(font)
        save(font, common)
    characters = frozenset(TTFont(str(common)).getBestCmap())
    return StampFonts(str(full), str(common), characters)


def _stamp(lines: list[str], *, left: bool = False) -> TextStampStyle:
    fonts = _fonts()
    text = "\n".join(line.replace("%", "%%") for line in lines)
    text_style: dict[str, Any] = {"font_size": 7}
    if fonts:
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

        common = all(ord(c) in fonts.common_characters for c in text if c != "\n")
        text_style["font"] = GlyphAccumulatorFactory(fonts.common if common else fonts.full)
    layout: dict[str, Any] = {}
    if left:  # a page of text: from the top left, at its own size
        from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule

        layout["inner_content_layout"] = SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MAX,
            margins=Margins(0, 0, 0, 0),
        )
    return TextStampStyle(
        stamp_text=text,
        text_box_style=TextBoxStyle(**text_style),
        border_width=0,
        background=None,
        **layout,
    )


def _timestamper() -> timestamps.TimeStamper | None:
    url = settings.SIGNING_TSA_URL
    return _timestamper_for(url) if url else None


@cache
def _timestamper_for(url: str) -> timestamps.TimeStamper:
    """One per process and address: pyHanko keeps the first answer to size later signatures
    with, so each signature after the first costs one request, not two."""
    return timestamps.HTTPTimeStamper(url, timeout=10)


def _test_line(company: Company) -> list[str]:
    return [_("Sealed with a TEST certificate: not a real offer")] if company.is_test else []


def _append_page(writer: IncrementalPdfFileWriter, page_pdf: bytes) -> int:
    """Append the first page of `page_pdf` to the letter as a new page; its index."""
    other = PdfFileReader(io.BytesIO(page_pdf))
    first, _ = other.find_page_for_modification(0)
    media_box = first.get_object()["/MediaBox"]
    xobject = writer.import_page_as_xobject(other, page_ix=0)
    content = generic.StreamObject(stream_data=b"q /Certificate Do Q")
    page = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject(list(media_box)),
            generic.pdf_name("/Resources"): generic.DictionaryObject(
                {
                    generic.pdf_name("/XObject"): generic.DictionaryObject(
                        {generic.pdf_name("/Certificate"): xobject}
                    )
                }
            ),
            generic.pdf_name("/Contents"): writer.add_object(content),
        }
    )
    writer.insert_page(page)
    return int(writer.root["/Pages"]["/Count"]) - 1


def seal_candidate(
    letter_pdf: bytes,
    *,
    certificate_pdf: bytes,
    typed_name: str,
    signed_at: datetime.datetime,
    reason: str,
) -> bytes:
    """The approved letter, its completion certificate page, the company's empty signature
    field, and the candidate's visible signature sealed with the company's certificate."""
    signer, company = company_signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(letter_pdf))
    certificate_page = _append_page(writer, certificate_pdf)
    boxes = signature_boxes(writer.prev, fallback_page=certificate_page)
    company_box = boxes[COMPANY_FIELD]
    fields.append_signature_field(
        writer,
        fields.SigFieldSpec(COMPANY_FIELD, on_page=company_box.page, box=company_box.rect),
    )
    candidate_box = boxes[CANDIDATE_FIELD]
    lines = _candidate_lines(typed_name, signed_at, company)
    meta = signers.PdfSignatureMetadata(
        field_name=CANDIDATE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name=typed_name,
        certify=True,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    return _sign(
        writer,
        meta,
        signer,
        lines,
        fields.SigFieldSpec(CANDIDATE_FIELD, on_page=candidate_box.page, box=candidate_box.rect),
    )


def presign(
    letter_pdf: bytes,
    *,
    cover_pdf: bytes,
    name: str,
    title: str,
    company_name: str,
    at: datetime.datetime,
) -> bytes:
    """Countersigned first: the approved letter, a completion certificate page left for the
    candidate's record, empty fields for the candidate's signature and that record, and the
    company's signature, which certifies the document with form filling allowed."""
    signer, company = company_signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(letter_pdf))
    cover_page = _append_page(writer, cover_pdf)
    boxes = signature_boxes(writer.prev, fallback_page=cover_page)
    for field, box in [
        (CANDIDATE_FIELD, boxes[CANDIDATE_FIELD]),
        (CERTIFICATE_FIELD, Box(cover_page, CERTIFICATE_BOX)),
    ]:
        fields.append_signature_field(
            writer, fields.SigFieldSpec(field, on_page=box.page, box=box.rect)
        )
    company_box = boxes[COMPANY_FIELD]
    meta = signers.PdfSignatureMetadata(
        field_name=COMPANY_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=_("Countersigned for {company} before the letter was sent").format(
            company=company_name
        ),
        name=name,
        certify=True,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    return _sign(
        writer,
        meta,
        signer,
        _company_lines(
            name=name, title=title, company_name=company_name, at=at, test=company.is_test
        ),
        fields.SigFieldSpec(COMPANY_FIELD, on_page=company_box.page, box=company_box.rect),
    )


def seal_after_presign(
    presigned_pdf: bytes,
    *,
    typed_name: str,
    signed_at: datetime.datetime,
    reason: str,
    certificate: list[str],
) -> bytes:
    """The candidate's signature in the field the company left, then the completion
    certificate sealed into its own field: two revisions, both form filling."""
    signer, company = company_signer()
    meta = signers.PdfSignatureMetadata(
        field_name=CANDIDATE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name=typed_name,
    )
    signed = _sign(
        IncrementalPdfFileWriter(io.BytesIO(presigned_pdf)),
        meta,
        signer,
        _candidate_lines(typed_name, signed_at, company),
        None,
    )
    meta = signers.PdfSignatureMetadata(
        field_name=CERTIFICATE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=_("The record of {name}'s signature").format(name=typed_name),
    )
    return _sign(
        IncrementalPdfFileWriter(io.BytesIO(signed)),
        meta,
        signer,
        certificate + _test_line(company),
        None,
        left=True,
    )


def _candidate_lines(typed_name: str, signed_at: datetime.datetime, company: Company) -> list[str]:
    return [
        _("Signed: {name}").format(name=typed_name),
        _("{moment} UTC, verified by email code").format(moment=f"{signed_at:%Y-%m-%d %H:%M}"),
        *_test_line(company),
    ]


def _company_lines(
    *, name: str, title: str, company_name: str, at: datetime.datetime, test: bool
) -> list[str]:
    return [
        _("Countersigned: {name}").format(name=name),
        (
            _("{title}, for {company}").format(title=title, company=company_name)
            if title
            else _("for {company}").format(company=company_name)
        ),
        f"{at:%Y-%m-%d %H:%M} UTC",
        *([_("Sealed with a TEST certificate: not a real offer")] if test else []),
    ]


def countersign(
    signed_pdf: bytes, *, name: str, title: str, company_name: str, at: datetime.datetime
) -> bytes:
    """The company's signature in the field the candidate's revision left for it."""
    signer, company = company_signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    lines = _company_lines(
        name=name, title=title, company_name=company_name, at=at, test=company.is_test
    )
    meta = signers.PdfSignatureMetadata(
        field_name=COMPANY_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=_("Countersigned for {company}").format(company=company_name),
        name=name,
    )
    return _sign(writer, meta, signer, lines, None)


def _sign(
    writer: IncrementalPdfFileWriter,
    meta: signers.PdfSignatureMetadata,
    signer: Any,
    lines: list[str],
    new_field: fields.SigFieldSpec | None,
    *,
    left: bool = False,
) -> bytes:
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=_timestamper(),
        stamp_style=_stamp(lines, left=left),
        new_field_spec=new_field,
    )
    output = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=output)
    except (SigningError, OSError) as error:
        raise SealError(f"{type(error).__name__}: {error}") from error
    return output.getvalue()
