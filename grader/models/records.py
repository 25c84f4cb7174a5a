"""A reference model's record: its metrics on the held-out split, measured by the same loading,
inputs and metrics that grade students (in this process: the model is the course's own), with what
a course needs to re-create it (seed, device, time, epochs)."""
from pathlib import Path
from typing import Any

from grader.core import atomic
from grader.models import evaluate


def write_record(path: Path, model_file: Path, job: dict[str, Any], data_root: Path | None,
                 **provenance: Any) -> dict[str, Any]:
    """Evaluate `model_file` as `job` describes (see `grader.models.evaluate`) and store the record."""
    result = evaluate.evaluate({**job, "model_path": str(model_file), "data_root": str(data_root or "") or None})
    record = {"metrics": result["metrics"], "parameters": result["parameters"], "job": job,
              "evaluated_on": result["device"], **provenance}
    atomic.write_json(path, record, mode=atomic.plain_mode())  # committed with the course's reference code
    return record
