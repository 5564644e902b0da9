"""Public tenders: import Find a Tender / Contracts Finder data, compile, store, search.

What a window or the CLI calls (all plain Python, no Qt):

    from consortium.tenders.importer import import_paths, import_demo_tenders, demo_dates_moved
    report = import_paths(ws, paths, today=None, progress=cb, cancelled=is_cancelled)
    report.to_dict()                       # files, counts, defects per notice, warnings

    from consortium.tenders import search
    keys = search.search_keys(ws, search.TenderQuery(text="care*", status=["open"]))
    page = search.rows(ws, keys[first:last])          # list rows on demand
    tender = search.get(ws, page[0]["ocid"])          # full record for the detail pane
    search.mark_viewed(ws, tender.ocid)               # for "changed since you last looked"

Modules: ``ocds_reader`` (finding and streaming files), ``cf_csv`` (Contracts Finder CSV/XLSX),
``merge`` (OCDS compiling), ``extract`` (compiled release -> :class:`records.Tender`),
``store`` (SQL), ``search``, ``importer``, ``cli``.
"""
