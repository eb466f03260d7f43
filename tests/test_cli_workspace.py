"""A headless self-assessment through the command line, as county staff would run it."""

import json
import subprocess
import sys

import pytest

import main as app_main
from conftest import LIBRARY, ROOT

ANSWERS = """
checklist: {id: city-2027-town, version: "1"}
answers:
  "1.1": 3
  "1.2": true
  "2.4": 85
  "3.3.2": 良好
  "6.5": na
  "7.3": na
  "13.1": 1
photos:
  "1.1": 2
"""


def run(capsys, *argv):
    code = app_main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def answers_file(write):
    from checklists import load_checklist

    c = load_checklist(LIBRARY / "city-2027-town.yaml")
    label = [o.label for o in c.item("3.3.2").options][1]
    return write("answers.yaml", ANSWERS.replace("良好", label))


def test_headless_self_assessment_scores_like_checklist_score(tmp_path, capsys, answers_file, photos_dir,
                                                             generated_photos):
    d = ["--data-dir", str(tmp_path / "ws")]
    code, out, err = run(capsys, *d, "checklist", "import", str(LIBRARY / "city-2027-town.yaml"))
    assert code == 0 and "city-2027-town@1" in out, err
    code, county, _ = run(capsys, *d, "unit", "add", "某县", "--type", "county")
    code, town, _ = run(capsys, *d, "unit", "add", "城关镇", "--type", "town", "--parent", "某县")
    assert code == 0 and len(town.strip()) == 36 and "\n" not in town.strip()
    code, aid, err = run(capsys, *d, "assessment", "new", "--unit", "城关镇", "--checklist", "city-2027-town",
                         "--year", "2027")
    aid = aid.strip()
    assert code == 0 and len(aid) == 36, err
    code, out, err = run(capsys, *d, "answer", "import", aid, str(answers_file))
    assert code == 0, err
    # a camera JPEG, a phone HEIC, and a JPEG whose EXIF maker note is garbage (kept all the same)
    photos = [photos_dir / "jpg/Canon_40D.jpg", photos_dir / "heic/IMG_5195.HEIC",
              generated_photos["exif/garbage_makernote.jpg"]]
    code, out, err = run(capsys, *d, "photo", "add", aid, "1.1", *map(str, photos), "--caption", "议军会议记录")
    assert code == 0 and out.count("已添加") == 2 + 1, (out, err)
    # scores exactly as `checklist score` on the same answers
    code, shown, err = run(capsys, *d, "assessment", "show", aid, "--json")
    assert code == 0, err
    shown = json.loads(shown)
    code, scored, err = run(capsys, "checklist", "score", str(LIBRARY / "city-2027-town.yaml"), "--answers",
                            str(answers_file).replace("answers.yaml", "answers.yaml"), "--json")
    scored = json.loads(scored)
    # photos: the file says 2 photos on 1.1; the workspace holds 3 — neither item is strict, same score
    assert {k: v for k, v in shown.items() if k not in ("status", "evidence")} == scored
    assert shown["status"] == "draft" and shown["evidence"] == {"1.1": 3}
    code, out, err = run(capsys, *d, "db", "check")
    assert code == 0, err


def test_photo_add_refuses_by_name_and_exits_1(tmp_path, capsys, write, photos_dir):
    d = ["--data-dir", str(tmp_path / "ws")]
    run(capsys, *d, "checklist", "import", str(LIBRARY / "prov-2027-town.yaml"))
    run(capsys, *d, "unit", "add", "城关镇", "--type", "town")
    _, aid, _ = run(capsys, *d, "assessment", "new", "--unit", "城关镇", "--checklist", "prov-2027-town@2027.1",
                    "--year", "2027")
    bad = write("readme.jpg", "not a photo")
    code, out, err = run(capsys, *d, "photo", "add", aid.strip(), "1.1", str(photos_dir / "jpg/Canon_40D.jpg"),
                         str(bad))
    assert code == 1
    assert "Canon_40D.jpg" in out and "readme.jpg" in err and "不是可识别的图片" in err
    assert "Traceback" not in err


def test_errors_are_one_clear_line_without_traceback(tmp_path):
    d = ["--data-dir", str(tmp_path / "ws")]
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), *d, "assessment", "show", "x"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "不是达标工作区" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "ws").exists()  # reading never creates a workspace
    subprocess.run([sys.executable, str(ROOT / "main.py"), *d, "unit", "list"], check=True, timeout=120)
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), *d, "assessment", "show", "no-such-id"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "找不到考评记录 no-such-id" in out.stderr and "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), *d, "unit", "add", "x", "--type", "town",
                          "--parent", "nowhere"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "找不到单位“nowhere”" in out.stderr


def test_db_check_fails_naming_a_damaged_file(tmp_path, capsys, photos_dir):
    d = ["--data-dir", str(tmp_path / "ws")]
    run(capsys, *d, "checklist", "import", str(LIBRARY / "prov-2027-town.yaml"))
    run(capsys, *d, "unit", "add", "城关镇", "--type", "town")
    _, aid, _ = run(capsys, *d, "assessment", "new", "--unit", "城关镇", "--checklist", "prov-2027-town",
                    "--year", "2027")
    run(capsys, *d, "photo", "add", aid.strip(), "1.1", str(photos_dir / "jpg/Canon_40D.jpg"))
    stored = next((tmp_path / "ws" / "evidence").rglob("*.jpg"))
    stored.write_bytes(stored.read_bytes()[:-10])
    code, out, err = run(capsys, *d, "db", "check")
    assert code == 1 and stored.name in err


def test_only_opening_the_app_skips_the_command_parsers():
    """No arguments, or only --data-dir, open the app without building every command's
    parser; anything else (a command, --help, a bad option) goes through the full parser."""
    assert app_main.app_data_dir([]) == (True, None)
    assert app_main.app_data_dir(["--data-dir", "/tmp/ws"]) == (True, "/tmp/ws")
    assert app_main.app_data_dir(["--data-dir=/tmp/ws"]) == (True, "/tmp/ws")
    for argv in (["unit", "list"], ["--data-dir"], ["--data-dir="], ["--data-dir", "-h"], ["-h"],
                 ["--data-dir", "x", "unit", "list"], ["--bogus"]):
        assert app_main.app_data_dir(argv)[0] is False, argv
