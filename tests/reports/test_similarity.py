"""Similarity hints: a planted renamed copy is ranked first and flagged, honest students are not,
and no score changes."""
import copy
import json

from grader.outputs.results import write_result
from grader.outputs.similarity import similarity_report, write_similarity
from grader.outputs.similarity.normalize import normalize
from tests.support.similarity import similarity_class


def test_normalize_ignores_names_comments_and_layout():
    a = 'def f(x, y):\n    """Sum."""\n    z = np.sum(x)  # total\n    return z + len(y) + 3.5\n'
    b = "def g(a,b):\n  t=np.sum(a)\n  return t+len(b)+3.5"
    assert normalize(a) == normalize(b)
    assert "3.5" in normalize(a) and "len" in normalize(a) and "sum" in normalize(a)
    assert normalize(a) != normalize(b.replace("3.5", "4.5"))


def test_planted_copy_is_first_and_only_flagged(tmp_path):
    results, paths = similarity_class(tmp_path)
    before = copy.deepcopy(results)
    report = write_similarity(tmp_path / "out", results, paths)
    assert results == before  # hints only: no score or status changes
    flagged = [(p["a"], p["b"]) for p in report["pairs"] if p["flagged"]]
    assert flagged == [("s2", "s8")]
    top = report["pairs"][0]
    assert (top["a"], top["b"]) == ("s2", "s8")
    assert top["code_score"] > 0.5 and top["shared_wrong"] == ["accuracy", "smooth"]
    assert any("math.exp" in c["a_cell_source"] and "exps" in c["b_cell_source"] for c in top["matching_cells"])
    on_disk = json.loads((tmp_path / "out" / "similarity.json").read_text(encoding="utf-8"))
    assert on_disk["pairs"][0]["a"] == "s2" and report["students"] == 8


def test_unreadable_and_zip_are_skipped_and_republish_keeps_report(tmp_path):
    results, paths = similarity_class(tmp_path)
    (tmp_path / "bad.ipynb").write_text("{not json", encoding="utf-8")
    (tmp_path / "z.zip").write_bytes(b"PK")
    paths.update(s9=tmp_path / "bad.ipynb", s10=tmp_path / "z.zip")
    report = write_similarity(tmp_path / "out", results, paths)
    assert report["skipped"] == ["s10", "s9"] and report["pairs"][0]["b"] == "s8"
    assert write_similarity(tmp_path / "out", results, None) == report
    assert similarity_report([], {})["pairs"] == []


def test_summary_section_lists_flagged_pair_or_says_none(tmp_path):
    from grader.outputs.reports import html_for_summary

    results, paths = similarity_class(tmp_path)
    meta = {"assignment": "demo", "title": {"fa": "تمرین", "en": "Demo"}, "questions": [],
            "similarity": write_similarity(tmp_path / "out", results, paths)}
    html = html_for_summary(results, meta)
    assert "Similar submissions (for a person to judge)" in html and "ارسال‌های مشابه" in html
    assert "s2 – s8" in html and "exps = [math.exp" in html and "No pair flagged" not in html
    meta["similarity"] = {"threshold": 0.5, "pairs": [], "skipped": []}
    assert "No pair flagged" in html_for_summary(results, meta)
    assert "Similar submissions" not in html_for_summary(results, {**meta, "similarity": None})


def test_staff_page_lists_ranked_pairs(tmp_path):
    import warnings

    import pytest
    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from grader.apps.portal import tokens
    from grader.apps.portal.app import create_app

    results, paths = similarity_class(tmp_path)
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    for r in results:
        write_result(out, r)
    _, staff = tokens.create_tokens(out, [r.student_id for r in results], params={"n": 2, "r": 1, "p": 1})
    client = TestClient(create_app(out))
    client.post("/staff/login", data={"code": staff})
    assert "Similar submissions" not in client.get("/staff").text  # no report yet
    write_similarity(out, results, paths)
    page = client.get("/staff").text
    assert "Similar submissions (for a person to judge)" in page and "s2 – s8" in page
    assert page.index("s2 – s8") < page.index("s3 – s4")
