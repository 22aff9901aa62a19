"""``xlseg demo``: a realistic sample workbook, classified."""

from __future__ import annotations

from pathlib import Path

from xlseg.errors import XlsegError


def make_demo(output, *, n_customers: int = 2000, lang: str = "en", seed: int = 7, progress=None,
              messy: bool = True, generated: str | None = None):
    """Write a sample customer + transactions workbook to ``output`` and classify it there."""
    from xlseg import sample_data
    from xlseg.filemode.run import classify_file

    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        raise XlsegError(f"The demo workbook must be an .xlsx file, not '{output.name}'.")
    step = progress or (lambda _m: None)
    step("making sample data")
    customers, transactions = sample_data.demo_frames(n_customers=n_customers, seed=seed, lang=lang)
    sheets = ("客户名单", "订单") if lang == "zh" else ("Customer List", "Orders")
    if messy:
        customers, transactions, _planted = sample_data.messy(customers, transactions, seed=seed,
                                                              customer_sheet=sheets[0], transaction_sheet=sheets[1])
    output.parent.mkdir(parents=True, exist_ok=True)
    raw = output.with_name(f".{output.stem}.input.xlsx")  # the raw sample, classified into ``output``
    try:
        sample_data.write_input_workbook(raw, customers, transactions, customer_sheet=sheets[0],
                                         transaction_sheet=sheets[1])
        # The demo workbook's language is its Settings' (an option such as --lang would be for one run only).
        return classify_file(raw, output, new_settings={"lang": lang}, progress=step, generated=generated)
    finally:
        raw.unlink(missing_ok=True)
