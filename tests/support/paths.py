"""Where the repository and its bundled rubrics are."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUBRICS = ROOT / "rubrics"
HW3 = RUBRICS / "hw3.yaml"
