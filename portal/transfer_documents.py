"""The documents two offices exchange in a transfer (§3.6), as PDFs: the contact letter
(联系函) the receiving office sends on accepting, and the information sheet (信息表) the
sending office sends with the funds. Drawn like the statement, with reportlab's built-in
CJK font; the offices need the full ID number, so it is not masked here."""

import io
from collections.abc import Iterator

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from portal.statement import CJK, LATIN
from transfers.models import Transfer


class _Page:
    """Lines down an A4 page, a new page when one is full."""

    def __init__(self, title: str) -> None:
        self.buffer = io.BytesIO()
        self.pdf = canvas.Canvas(self.buffer, pagesize=A4, invariant=True)
        self.pdf.setTitle(title)
        self.width, self.height = A4
        self.y = self.height - 25 * mm

    def line(self, text: str, *, size: int = 10, gap: float = 6 * mm) -> None:
        if self.y < 25 * mm:
            self.pdf.showPage()
            self.y = self.height - 25 * mm
        self.pdf.setFont(CJK if any(ord(c) > 0x2E7F for c in text) else LATIN, size)
        self.pdf.drawString(20 * mm, self.y, text)
        self.y -= gap

    def bytes(self) -> bytes:
        self.pdf.showPage()
        self.pdf.save()
        return self.buffer.getvalue()


def _heading(page: _Page, title: str, transfer: Transfer) -> None:
    person = transfer.person
    page.line(title, size=16, gap=10 * mm)
    page.line(f"编号 Case: {transfer.public_id}")
    page.line(f"参保人 Person: {person.name}  {person.id_number}")
    page.line(
        f"转出地 From: {transfer.from_province.name_zh} ({transfer.from_province_id})  "
        f"转入地 To: {transfer.to_province.name_zh} ({transfer.to_province_id})"
    )


def contact_letter_pdf(transfer: Transfer) -> bytes:
    """The contact letter (联系函): the receiving office accepts and asks for the months
    and the funds, to be sent within 15 working days."""
    page = _Page(f"Contact letter {transfer.public_id}")
    _heading(page, "基本养老保险关系转移接续联系函", transfer)
    page.line(f"申请日期 Applied: {transfer.applied_on}")
    page.line(f"受理日期 Accepted: {transfer.accepted_on}")
    page.line(f"请于 {transfer.step_deadline} 前转出  Send by: {transfer.step_deadline}")
    page.line("请将参保缴费信息表及转移资金转至转入地转移清算账户。", gap=8 * mm)
    page.line("Please send the information sheet and remit the funds to the receiving")
    page.line("province's transfer clearing account.")
    return page.bytes()


def _sheet_lines(sheet: dict) -> Iterator[str]:
    for row in sheet.get("months", []):
        yield f"{row['month']}   {row['base']:>12}   {row['kind']}"


def information_sheet_pdf(transfer: Transfer) -> bytes:
    """The information sheet (参保缴费信息表): every month and base that moves, the months
    that stay behind, and the funds remitted."""
    page = _Page(f"Information sheet {transfer.public_id}")
    _heading(page, "基本养老保险参保缴费信息表", transfer)
    page.line(f"转出日期 Sent: {transfer.sent_on}")
    page.line(f"个人账户 Personal account moved: {transfer.account_amount}")
    page.line(f"统筹基金 Pooling funds remitted: {transfer.pooling_amount}", gap=8 * mm)
    page.line("月份 Month      缴费基数 Base      类别 Kind", gap=7 * mm)
    for text in _sheet_lines(transfer.sheet):
        page.line(text, gap=5 * mm)
    staying = transfer.sheet.get("non_transferable", [])
    page.line(f"不予转移 Staying behind: {', '.join(staying) or '—'}", gap=8 * mm)
    return page.bytes()
