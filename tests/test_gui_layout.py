"""Every area at 1366×768, at 1280×720 and at 150% scaling on 1920×1080: the first window fits
the screen, no widget lies outside the window or is cut off, and no visible text is clipped
without a tooltip. Each screen runs in its own process (Qt fixes the screen and scale when it
starts); ``tests/layout_walk.py`` does the walking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENS = {
    "1366x768": (1366, 768, None),
    "1280x720": (1280, 720, None),
    "1920x1080 at 150%": (1920, 1080, "1.5"),
}


@pytest.mark.parametrize("name", SCREENS)
def test_every_area_fits_the_screen(name, tmp_path):
    width, height, scale = SCREENS[name]
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps(
            {
                "windowFrameMargins": True,
                "screens": [
                    {
                        "name": "laptop",
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": height,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ],
            }
        )
    )
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("QT_SCALE_FACTOR", None)
    if scale:
        env["QT_SCALE_FACTOR"] = scale
    out = tmp_path / "walk.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "layout_walk.py"), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(out.read_text())
    logical = (width / float(scale or 1), height / float(scale or 1))
    assert result["screen"][2:] == [round(logical[0]), round(logical[1])]
    assert result["problems"] == []
