"""The statement of a person's record (个人权益记录单) as a PDF, with a QR code to its
verification page.

reportlab's built-in CJK font (STSong-Light) draws the Chinese, so no system font or
library is needed; figures and codes are drawn in Helvetica, so they can be copied out.
"""

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from contributions.models import InsuredPerson
from contributions.selectors import RecordEntry

CJK = "STSong-Light"
LATIN = "Helvetica"
pdfmetrics.registerFont(UnicodeCIDFont(CJK))


@dataclass(frozen=True)
class YearLine:
    year: int
    provinces: str
    months: int
    account_credits: Decimal


def year_lines(entries: list[RecordEntry]) -> list[YearLine]:
    """Per year: the provinces paid in, the months paid (once each) and the account credits."""
    months: dict[int, set] = defaultdict(set)
    provinces: dict[int, set[str]] = defaultdict(set)
    credits: dict[int, Decimal] = defaultdict(Decimal)
    for entry in entries:
        if entry.stands:
            year = entry.month.year
            months[year].add(entry.month)
            provinces[year].add(entry.province)
            credits[year] += entry.account_part
    return [
        YearLine(year, "/".join(sorted(provinces[year])), len(months[year]), credits[year])
        for year in sorted(months)
    ]


def statement_pdf(
    *,
    person: InsuredPerson,
    as_of: date,
    issued_at: datetime,
    code: str,
    verify_url: str,
    contribution_months: int,
    balance: Decimal,
    months_by_province: dict[str, int],
    entries: list[RecordEntry],
) -> bytes:
    """The statement as PDF bytes: identity (masked), totals, months by province and by
    year, and the code with its QR code."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(f"Statement {code}")
    width, height = A4
    left, y = 20 * mm, height - 25 * mm

    def line(label: str, value: str = "", *, size: int = 10, gap: float = 6 * mm) -> None:
        nonlocal y
        if y < 30 * mm:
            pdf.showPage()
            y = height - 25 * mm
        pdf.setFont(CJK, size)
        pdf.drawString(left, y, label)
        if value:
            pdf.setFont(LATIN, size)
            pdf.drawString(left + 60 * mm, y, value)
        y -= gap

    line("企业职工基本养老保险 个人权益记录单", size=16, gap=8 * mm)
    line("Personal pension record statement", size=11, gap=10 * mm)
    line("姓名 Name", "")
    pdf.setFont(CJK, 10)
    pdf.drawString(left + 60 * mm, y + 6 * mm, person.name)
    line("身份证号码 ID number", person.masked_id_number)
    line("截至 As of", as_of.isoformat())
    line("出具时间 Issued", issued_at.strftime("%Y-%m-%d %H:%M"))
    line("累计缴费月数 Contribution months", str(contribution_months))
    line("个人账户余额 Account balance (CNY)", f"{balance:,.2f}", gap=10 * mm)

    line("各省缴费月数 Months by province", size=11, gap=7 * mm)
    for province, count in months_by_province.items():
        line(f"  {province}", str(count))
    y -= 4 * mm
    line("逐年记录 Year by year: province, months, account credits (CNY)", size=11, gap=7 * mm)
    for year_line in year_lines(entries):
        line(
            f"  {year_line.year}",
            f"{year_line.provinces:<12} {year_line.months:>2}   {year_line.account_credits:,.2f}",
        )

    qr = QrCodeWidget(verify_url)
    x0, y0, x1, y1 = qr.getBounds()
    size = 32 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, width - 20 * mm - size, 20 * mm)
    pdf.setFont(CJK, 8)
    pdf.drawString(left, 28 * mm, "验证 Verify: 扫描二维码或访问 scan the code or open")
    pdf.setFont(LATIN, 8)
    pdf.drawString(left, 23 * mm, verify_url)
    pdf.drawString(left, 18 * mm, f"Code {code}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
