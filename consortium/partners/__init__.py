"""The partner registry: records in the workspace (``store``) and Excel round trip (``excel``)."""
