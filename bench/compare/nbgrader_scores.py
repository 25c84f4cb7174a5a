"""Print the autograded scores of assignment `cmp` from the gradebook in the current course folder,
as JSON {student: {question: points}}. Runs in bench/.venv-compare, where nbgrader is."""
import json

from nbgrader.api import Gradebook

with Gradebook("sqlite:///gradebook.db") as gb:
    print(json.dumps({s.student.id: {g.name.removesuffix("_test"): float(g.score) for g in s.notebooks[0].grades}
                      for s in gb.assignment_submissions("cmp")}))
