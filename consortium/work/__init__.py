"""Members on their own laptops: work packs out to partner organisations (``export``), the
member's answers and corrected record back as a signed reply (``member``), the lead's diff
(``diff``) and taking it in (``apply``), status across members (``status``), and a housing
association's partner directory (``directory``)."""
