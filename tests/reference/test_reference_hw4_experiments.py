"""hw4 experiment references: Grad-CAM by GradientTape against a numpy formula, and the tuner record."""
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from reference.hw4 import q7_grad_cam

keras = pytest.importorskip("keras")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_grad_cam_by_gradient_tape_matches_the_hand_formula(seed):
    for trial in range(3):
        args = q7_grad_cam.draw(seed, trial)
        cam = np.asarray(q7_grad_cam.grad_cam(**args))
        assert cam.shape == (q7_grad_cam.FEATURE, q7_grad_cam.FEATURE)
        assert args["class_index"] == trial % q7_grad_cam.CLASSES
        assert cam.max() > 1e-3 and cam.min() >= 0
        np.testing.assert_allclose(cam, q7_grad_cam.grad_cam_numpy(**args), rtol=1e-4, atol=1e-6)


def test_draw_is_deterministic_and_the_classes_differ():
    a, b = q7_grad_cam.draw(7, 0), q7_grad_cam.draw(7, 0)
    assert a == b
    maps = [np.asarray(q7_grad_cam.grad_cam(**{**a, "class_index": c})) for c in range(q7_grad_cam.CLASSES)]
    assert not np.allclose(maps[0], maps[1])


@pytest.mark.parametrize("assignment, question", [("hw4", "q7"), ("hw11", "q3")])
def test_the_given_cell_builds_the_reference_network(assignment, question):
    rubric = yaml.safe_load((ROOT / "rubrics" / f"{assignment}.yaml").read_text(encoding="utf-8"))
    setup = next(q["setup"] for q in rubric["questions"] if q["id"] == question)
    namespace: dict = {}
    exec(setup, namespace)  # noqa: S102 - the rubric's own given cell
    args = q7_grad_cam.draw(3)
    image = np.asarray(args["image"], dtype="float32")[None]
    given, reference = namespace["build_cam_model"](args["params"]), q7_grad_cam.build_model(args["params"])
    assert [w.shape for w in given.weights] == [w.shape for w in reference.weights]
    np.testing.assert_allclose(given.predict(image, verbose=0), reference.predict(image, verbose=0), rtol=1e-6)
    assert given.get_layer("last_conv").output.shape[1:] == (q7_grad_cam.FEATURE, q7_grad_cam.FEATURE, 6)


def test_tuner_record_has_its_trials_and_provenance():
    record = json.loads((ROOT / "reference/hw4/records/q1c_tuner.json").read_text())
    assert {"seed", "device", "seconds", "trials", "best"} <= set(record)
    best = max(record["trials"], key=lambda t: max(t["val_accuracy"]))
    assert best["hyperparameters"] == record["best"]
    m = record["metrics"]
    assert m["examples"] == sum(map(sum, m["confusion"])) and m["accuracy"] > 0.9
    assert np.trace(np.asarray(m["confusion"])) / m["examples"] == pytest.approx(m["accuracy"])
