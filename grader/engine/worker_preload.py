"""What every local grading worker needs, loaded once in the forkserver the workers are forked from.

Spawned workers each imported the grading code and, at their first report, WeasyPrint with its
fonts, stylesheet and templates: about 2.5 s of CPU per worker, paid while the warm-kernel
factory imports the course's modules on the same cores. Importing this module (done by
multiprocessing's forkserver, see `local.run`) pays it once; the workers start with it loaded.
"""
from grader.engine import worker  # noqa: F401 - the grading code
from grader.engine.local import die_with_parent

die_with_parent()  # the forkserver is the grader's child: it and the workers it forks die with it
try:
    from grader.outputs.reports import warm_up  # WeasyPrint and its system libraries

    warm_up()
except Exception:  # noqa: BLE001 - a forkserver that failed here could fork no worker; the first
    pass           # report of each worker meets the same failure and it becomes that student's result
