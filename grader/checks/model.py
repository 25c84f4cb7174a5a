"""A trained model the notebook saves, evaluated by the grader on held-out data the student never saw.

The file's bytes leave the kernel through the probe; a separate sandboxed model process loads them
without unpickling code (a TorchScript model only if it uses tensor and network operators alone),
with no data folder in its view, and compares the architecture with the reference's; the grader
sends it the held-out inputs and measures the metric from its outputs. Points: a share for the
architecture, the rest by a curve — full marks at or above the reference model's metric minus
`margin`, nothing at or below `floor`, linear between.
"""
import json
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader.checks import messages as msg
from grader.checks.base import Check, NotReady, Outcome, unanswered
from grader.checks.evidence import ANSWERED, FILES, REPLIES, RUNTIME, Evidence
from grader.checks.values import Unreadable, as_number
from grader.core.result import Detail, Status
from grader.core.text import Text
from grader.kernel.probe import Request
from grader.models import datasets
from grader.outputs.reports.numbers import decimal
from grader.references import References
from grader.rubric.schema import Answer

SUFFIXES = {"state_dict": (".safetensors", ".pt", ".pth"), "torchscript": (".pt", ".pth", ".ts"),
            "keras": (".keras",)}


class InputSpec(BaseModel):
    """How the held-out inputs are fed to the model: the convention the question states."""

    model_config = ConfigDict(extra="forbid")
    layout: Literal["nchw", "nhwc", "flat", "table"] = "nchw"
    scale: float = Field(default=1.0, gt=0, description="inputs are divided by this (255 for images in [0, 1])")
    mean: list[float] | None = None
    std: list[float] | None = None
    standardize: bool = Field(default=False, description="standardize features with the training split's mean/std")


class ModelOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str = Field(description="the file the notebook saves the model to, relative to its folder")
    format: Literal["state_dict", "torchscript", "keras"]
    architecture: str | None = Field(default=None, description="reference function that builds the model")
    dataset: str
    split: Literal["test", "train"] = "test"
    input: InputSpec = InputSpec()
    positive: list[int] | None = Field(default=None, description="a binary task: these labels are class 1, "
                                                                 "the rest class 0 (e.g. [0] for zero versus the rest)")
    metric: Literal["accuracy", "f1_macro"] = "accuracy"
    record: str = Field(description="the reference model's record (JSON, relative to the reference package)")
    margin: float = Field(default=0.05, ge=0)
    floor: float = Field(default=0.0, ge=0)
    architecture_share: float = Field(default=0.2, ge=0, le=1)
    reported: str | None = Field(default=None, description="notebook variable holding the metric the student reports")
    reported_tolerance: float = Field(default=0.05, ge=0)
    max_mib: float = Field(default=512, gt=0)
    max_examples: int | None = Field(default=None, ge=1)


def curve(value: float, full_at: float, floor: float) -> float:
    """Linear from 0 at `floor` to 1 at `full_at`."""
    if value >= full_at:
        return 1.0
    return float(np.clip((value - floor) / (full_at - floor), 0, 1)) if full_at > floor else 0.0


def refused_ops(ops: list[str]) -> Text:
    """Why a TorchScript model was not run, naming the operators outside the allow-list."""
    names = ", ".join(ops[:5]) + (" …" if len(ops) > 5 else "")
    return Text(fa=f"مدل TorchScript اجرا نشد: عملگرهای ‎{names}‎ جزو عملگرهای مجاز تانسور و شبکه عصبی نیستند "
                   "(خواندن یا نوشتن فایل و کارهای سیستمی در مدل پذیرفته نمی‌شود).",
                en=f"The TorchScript model was not run: it uses {names}, outside the allowed tensor and "
                   "neural-network operators (a model may not read or write files or call the system).")


def _pct(x: float) -> str:
    return f"{x:.4f}"


class ModelCheck(Check):
    kind = "model"
    needs_reference = False
    needs = ANSWERED | {FILES.name, RUNTIME.name}
    Options = ModelOptions

    def prepare(self, rng: np.random.Generator) -> None:
        path = self.references.module_dir / self.options.record
        self.record = json.loads(path.read_text())
        self.reference_value = float(self.record["metrics"][self.options.metric])
        self.full_at = self.reference_value - self.options.margin

    def preflight(self) -> None:
        o = self.options
        try:
            datasets.require(o.dataset, o.split, datasets.data_root(self.references.course))
            if o.input.standardize:
                datasets.require(o.dataset, "train", datasets.data_root(self.references.course))
        except datasets.DatasetMissing as exc:
            raise NotReady(f"{self.question.id} ({self.answer.name}): {exc}") from None

    def held_out(self) -> list[str]:
        return datasets.expected_files(self.options.dataset, self.options.split)

    def requests(self) -> list[Request]:
        reqs = [Request(key=f"{self.answer.name}#file", name=self.options.file, kind="file",
                        max_bytes=int(self.options.max_mib * 2**20))]
        if self.options.reported:
            reqs.append(Request(key=f"{self.answer.name}#reported", name=self.options.reported))
        return reqs

    def expected_json(self) -> Any:
        return {"metric": self.options.metric, "reference": self.reference_value, "full_marks_at": self.full_at,
                "floor": self.options.floor, "record": self.record}

    def job(self) -> dict[str, Any]:
        o = self.options
        return {"format": o.format, "dataset": o.dataset, "split": o.split, "input": o.input.model_dump(),
                "positive": o.positive,
                "architecture": f"{self.references.package}.{o.architecture}" if o.architecture else None,
                "max_examples": o.max_examples}

    def grade(self, evidence: Evidence) -> Outcome:
        from grader.models.runner import evaluate_model

        reply = evidence[FILES].get(self.options.file)
        if reply is None or reply.status == "missing":
            outcome = unanswered(evidence, self.question.id, self.answer.name)
            if outcome.status is Status.MISSING:
                outcome.feedback = msg.model_not_saved(self.options.file)
            return outcome
        runtime = evidence[RUNTIME]
        if reply.status == "error" or not isinstance(reply.value, bytes) or runtime is None:
            return Outcome(0.0, Status.ERROR, msg.reply_failed(reply.reason, self.options.file), error=reply.error)
        result = evaluate_model(self.job(), reply.value, Path(self.options.file).suffix, runtime,
                                datasets.data_root(self.references.course))
        status = result.get("status")
        if status == "refused":
            ops = [str(op) for op in result.get("refused_ops") or []]
            feedback = refused_ops(ops) if ops else msg.MODEL_REFUSED
            return Outcome(0.0, Status.FAILED, feedback, error=str(result.get("error")))
        if status == "architecture":
            problems = [str(p) for p in result.get("architecture_problems", [])][:20]
            return Outcome(0.0, Status.FAILED, msg.MODEL_ARCHITECTURE, error="\n".join(problems))
        if status != "ok":
            feedback = msg.MODEL_GPU_MEMORY if status == "gpu_memory" else msg.MODEL_FAILED
            return Outcome(0.0, Status.ERROR, feedback, error=str(result.get("error"))[:800])
        return self.score(result, evidence)

    def score(self, result: dict[str, Any], evidence: Evidence) -> Outcome:
        o = self.options
        measured = float(result["metrics"][o.metric])
        problems = [str(p) for p in result.get("architecture_problems", [])]
        expected_params = self.record.get("parameters") if o.architecture else None  # else any network will do
        arch_ok = not problems and (expected_params is None or int(result["parameters"]) == int(expected_params))
        fraction = o.architecture_share * arch_ok + (1 - o.architecture_share) * curve(measured, self.full_at, o.floor)
        details = [
            Detail(label="parameters", expected=None if expected_params is None else str(expected_params),
              found=str(result["parameters"]),
              ok=arch_ok, note="; ".join(problems[:5]) or None),
            Detail(label=f"{o.metric} ({o.dataset} {o.split}, {result['metrics']['examples']} examples)",
              expected=f">= {_pct(self.full_at)}", found=_pct(measured), ok=measured >= self.full_at,
              note=f"reference model {_pct(self.reference_value)}; no points at or below {_pct(o.floor)}"),
            Detail(label="loss", expected=None, found=_pct(result["metrics"]["loss"]), ok=True),
            Detail(label="evaluated on", expected=None, ok=True,
              found=f"{result.get('device')}, {float(result.get('seconds') or 0):.2f} s"
                      + (f", peak GPU memory {float(result['peak_gpu_mib']):.0f} MiB" if result.get("peak_gpu_mib") else "")),
        ]
        if len(result["metrics"]["f1"]) == 2:  # a binary task: accuracy alone hides the minority class
            m = result["metrics"]
            details.append(Detail(label="precision / recall / F1 (class 1)", expected=None, ok=True,
                             found=f"{m['precision'][1]:.3f} / {m['recall'][1]:.3f} / {m['f1'][1]:.3f}",
                             note=f"confusion matrix {m['confusion']}"))
        outcome = Outcome.scored(fraction, details=details, expected=f"{o.metric} >= {_pct(self.full_at)}",
                                 found=f"{o.metric} = {_pct(measured)}")
        reported = evidence[REPLIES].get(f"{self.answer.name}#reported")
        if o.reported and reported is not None and reported.status == "ok":
            try:
                claimed = as_number(reported.value)  # '0.93', '۰٫۹۳', [0.93] too; a huge int is no error of ours
            except Unreadable:
                claimed = float("nan")
            consistent = abs(claimed - measured) <= o.reported_tolerance
            details.append(Detail(label=f"reported {o.metric} ({o.reported})", expected=_pct(measured),
                             found=decimal(claimed, o.reported_tolerance) if math.isfinite(claimed)
                             else str(reported.value)[:40], ok=consistent))
            if not consistent:
                flag = msg.reported_mismatch(o.reported, claimed, measured)
                outcome.feedback = Text(f"{outcome.feedback.fa} {flag.fa}", f"{outcome.feedback.en} {flag.en}")
        return outcome

    @classmethod
    def validate(cls, answer: Answer, options: BaseModel, references: References) -> list[tuple[tuple, str]]:
        problems: list[tuple[tuple, str]] = []
        if not options.file.endswith(SUFFIXES[options.format]):
            problems.append((("options", "file"), f"a {options.format} model file ends with one of "
                                                  f"{', '.join(SUFFIXES[options.format])}"))
        if Path(options.file).is_absolute() or ".." in Path(options.file).parts:
            problems.append((("options", "file"), "the model file is a path inside the notebook's folder"))
        if options.format == "state_dict" and not options.architecture:
            problems.append((("options", "architecture"), "a state_dict is loaded into the reference architecture: "
                                                          "name the function that builds it"))
        if options.dataset not in datasets.DATASETS:
            problems.append((("options", "dataset"), f"unknown dataset (known: {', '.join(datasets.DATASETS)})"))
        if not (references.module_dir / options.record).is_file():
            problems.append((("options", "record"), f"no record file {options.record} in {references.package}"))
        return problems
