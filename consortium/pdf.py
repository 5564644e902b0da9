"""Word and Excel files to PDF with LibreOffice, fields and contents lists brought up to date.

    pdfs = to_pdf([Path("bid.docx"), Path("due diligence.xlsx")], Path("out/"))

``soffice --convert-to pdf`` prints a document's table of contents as last saved; Word refreshes
it on open, LibreOffice's command line does not. So the conversion runs a small LibreOffice
Basic macro in a private profile: it opens each file hidden, updates every index and field, and
exports the PDF. All files go through one LibreOffice start (it is slow to start).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from consortium.errors import ConsortiumError
from consortium.progress import Cancelled, IsCancelled, never_cancelled

# On Error Resume Next: a file that fails to open must not raise a Basic error dialog, which
# nobody can see headless and which would hang the conversion; its PDF is simply missing.
_MACRO = """Sub ConvertAll(spec As String)
  On Error Resume Next
  Dim parts, i, j, doc, idx
  Dim args(0) As New com.sun.star.beans.PropertyValue
  Dim f(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = "Hidden"
  args(0).Value = True
  f(0).Name = "FilterName"
  parts = Split(spec, "|")
  For i = 0 To UBound(parts) - 2 Step 3
    doc = Nothing
    doc = StarDesktop.loadComponentFromURL(parts(i), "_blank", 0, args())
    If IsNull(doc) Then GoTo NextFile
    If HasUnoInterfaces(doc, "com.sun.star.text.XDocumentIndexesSupplier") Then
      idx = doc.getDocumentIndexes()
      For j = 0 To idx.getCount() - 1
        idx.getByIndex(j).update()
      Next j
      doc.getTextFields().refresh()
    End If
    f(0).Value = parts(i + 2)
    doc.storeToURL(parts(i + 1), f())
    doc.close(True)
NextFile:
  Next i
End Sub
"""
_MODULE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" '
    '"module.dtd">\n<script:module xmlns:script="http://openoffice.org/2000/script" '
    'script:name="Module1" script:language="StarBasic">{}</script:module>\n'
)
_FILTERS = {".docx": "writer_pdf_Export", ".xlsx": "calc_pdf_Export"}


class ConversionError(ConsortiumError):
    pass


def available() -> bool:
    return shutil.which("soffice") is not None


def _profile(folder: Path, cancelled: IsCancelled = never_cancelled) -> str:
    url = (folder / "profile").as_uri()
    _run(
        ["soffice", f"-env:UserInstallation={url}", "--headless", "--terminate_after_init"],
        120,
        cancelled,
    )
    module = folder / "profile" / "user" / "basic" / "Standard" / "Module1.xba"
    if not module.parent.is_dir():
        raise ConversionError("LibreOffice did not start, so the PDF cannot be made.")
    module.write_text(_MODULE.format(escape(_MACRO)), encoding="utf-8")
    return url


def _run(command: list[str], timeout: float, cancelled: IsCancelled = never_cancelled) -> str:
    """Run LibreOffice in its own process group, so a conversion that hangs (a dialog nobody
    can see), or that the user cancels, is ended whole, soffice.bin included; its error output.

    Raises :class:`~consortium.progress.Cancelled` when ``cancelled`` says so: it is asked
    every quarter of a second, so Cancel never waits for a slow conversion to end."""
    import os
    import signal
    import time

    proc = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    ends = time.monotonic() + timeout
    while True:
        try:
            _, err = proc.communicate(timeout=0.25)
            break
        except subprocess.TimeoutExpired:
            stop = cancelled()
            if stop or time.monotonic() >= ends:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                if stop:
                    raise Cancelled() from None
                return f"LibreOffice took longer than {timeout:.0f} s and was stopped."
    # LibreOffice's note that it found no Java is noise, not a reason.
    return "\n".join(x for x in (err or "").splitlines() if "javaldx" not in x)


def to_pdf(
    files: list[Path],
    out_dir: Path,
    *,
    timeout: float = 300,
    cancelled: IsCancelled = never_cancelled,
) -> dict[Path, Path]:
    """Each file's PDF (same stem) in ``out_dir``; raises ConversionError naming what failed.

    Word files go through the macro (contents and fields updated); workbooks have no fields to
    update and use the plain command-line conversion."""
    if not available():
        raise ConversionError("LibreOffice (soffice) is not installed, so no PDF can be made.")
    out_dir.mkdir(parents=True, exist_ok=True)
    stems = [Path(f).stem for f in files]
    result = {
        # Two files with one name (report.docx, report.xlsx) get PDFs that say which is which.
        Path(f): out_dir
        / (
            Path(f).stem
            + (f"-{Path(f).suffix[1:]}" if stems.count(Path(f).stem) > 1 else "")
            + ".pdf"
        )
        for f in files
    }
    for pdf in result.values():
        pdf.unlink(missing_ok=True)
    words = [src for src in result if src.suffix == ".docx"]
    sheets = [src for src in result if src.suffix != ".docx"]
    errors = ""
    with tempfile.TemporaryDirectory(prefix="consortium-pdf-") as tmp:
        url = _profile(Path(tmp), cancelled)
        base = ["soffice", f"-env:UserInstallation={url}", "--headless", "--invisible"]
        if words:
            spec = "|".join(
                f"{src.resolve().as_uri()}|{result[src].resolve().as_uri()}|{_FILTERS['.docx']}"
                for src in words
            )
            errors += _run(
                [*base, f'macro:///Standard.Module1.ConvertAll("{spec}")'], timeout, cancelled
            )
        if sheets:
            staged = Path(tmp) / "sheets"
            errors += _run(
                [*base, "--convert-to", "pdf", "--outdir", str(staged), *map(str, sheets)],
                timeout,
                cancelled,
            )
            for src in sheets:
                made = staged / (src.stem + ".pdf")
                if made.is_file():
                    shutil.move(str(made), result[src])
    missing = [src.name for src, pdf in result.items() if not pdf.is_file()]
    if missing:
        raise ConversionError(
            f"LibreOffice could not convert {', '.join(missing)}: {errors.strip()[-300:]}"
        )
    return result
