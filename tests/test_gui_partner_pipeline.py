"""From a partner in the Partners area to its re-tender pipeline, by one button."""

from __future__ import annotations

from PySide6.QtCore import Qt

from consortium.partners import store
from ui import tooltips


def test_pipeline_button_opens_the_partners_pipeline(main_window, qtbot):
    win = main_window
    win.show_area("partners")
    button = win.partners.pipeline_button
    assert button.isVisible() and button.text() == "Pipeline…"
    assert button.toolTip() == tooltips.TIPS["partners/Pipeline"]
    target = store.find_existing(win.ws.db, store.Organisation(name="Milton Keynes Women's Refuge"))
    win.partners.select(target)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert win.stack.currentWidget() is win.pipeline
    assert win.pipeline.partner.currentData() == target
    assert win.pipeline.partner.currentText() == "Milton Keynes Women's Refuge"


def test_pipeline_for_a_partner_added_after_the_window_opened(main_window, qtbot):
    win = main_window
    win.show_area("partners")
    new_id = store.save(win.ws, store.Organisation(name="Bletchley Youth Trust"))
    win.partners.reload(new_id)
    assert win.partners.selected_id() == new_id
    qtbot.mouseClick(win.partners.pipeline_button, Qt.MouseButton.LeftButton)
    assert win.stack.currentWidget() is win.pipeline
    assert win.pipeline.partner.currentText() == "Bletchley Youth Trust"


def test_an_empty_pipeline_suggests_only_what_is_left_to_try(main_window, qtbot):
    win = main_window  # the demo: no award notice ends in the window
    win.show_area("pipeline")
    page = win.pipeline
    qtbot.waitUntil(lambda: not page.busy())
    assert page.message.text().startswith("No awarded contract ends")
    assert page.message.text().endswith("try everyone's contracts or a longer window.")
    page.partner.setCurrentIndex(page.partner.findData("everyone"))
    qtbot.waitUntil(lambda: not page.busy())
    assert page.message.text().endswith("try a longer window.")
    assert "everyone's" not in page.message.text()
