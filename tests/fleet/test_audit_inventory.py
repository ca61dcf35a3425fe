"""The third audit: an inventory value XML cannot hold is refused, nothing written."""

from handset_ca.cli import main


def test_a_label_xml_cannot_hold_is_refused_and_nothing_is_written(ws, tmp_path, capsys):
    inventory = tmp_path / "inv4.csv"
    inventory.write_text('mac,extension,label\n00907a000001,100,"a\uffffb"\n', encoding="utf-8")
    out = tmp_path / "out4"
    argv = ["fleet", "build", "--inventory", str(inventory), "--out", str(out)]
    assert main([*argv, "--workspace", str(ws.root)]) == 1
    err = capsys.readouterr().err
    assert "inv4.csv:2" in err and "U+FFFF" in err
    assert not out.exists()
