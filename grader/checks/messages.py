"""Bilingual feedback the checks give, in words a student understands."""
from grader.core.result import FEEDBACK, Status
from grader.core.text import Text, persian_digits

CELL_FAILED = Text(fa="سلولی که این پاسخ را می‌ساخت با خطا متوقف شد؛ خروجی خطا در پایین آمده است.",
                   en="The cell that builds this answer stopped with an error; its output is shown below.")
CELL_TIMEOUT = Text(fa="سلولی که این پاسخ را می‌ساخت از زمان مجاز بیشتر طول کشید و متوقف شد (شاید یک حلقه بی‌پایان).",
                    en="The cell that builds this answer ran past its time limit and was stopped (an endless loop?).")
MANUAL = FEEDBACK[Status.PENDING]
MANUAL_EMPTY = Text(fa="پاسخی برای این پرسش نوشته نشده است.",
                    en="No answer was written for this question.")


def for_status(status: Status) -> Text:
    return FEEDBACK[status]


def missing(name: str) -> Text:
    return Text(fa=f"نوت‌بوک متغیر {name} را تعریف نکرده است (یا مقدار آن None است).",
                en=f"The notebook does not define {name} (or it is None).")


def shape_mismatch(expected: tuple, found: tuple) -> Text:
    return Text(fa=f"شکل آرایه {found} است ولی {expected} انتظار می‌رفت.",
                en=f"The array has shape {found}; {expected} was expected.")


def wrong_keys(missing_keys: list[str]) -> Text:
    keys = ", ".join(missing_keys)
    return Text(fa=f"این بخش‌ها در پاسخ نیامده‌اند: {keys}", en=f"These parts are missing from the answer: {keys}")


def cells_right(right: int, total: int) -> Text:
    return Text(fa=persian_digits(f"{right} خانه از {total} خانه درست است."),
                en=f"{right} of {total} cells are right.")


def trials_right(right: int, total: int) -> Text:
    return Text(fa=persian_digits(f"تابع روی {right} ورودی از {total} ورودی آزمون، پاسخ درست داد."),
                en=f"The function gave the right result on {right} of {total} test inputs.")


MODEL_REFUSED = Text(fa="فایل مدل بارگذاری نشد: یا کد پایتونِ pickle‌شده دارد (که سامانه برای امنیت اجرا نمی‌کند) یا در "
                        "قالب خواسته‌شده نیست. فقط وزن‌ها را ذخیره کنید (state_dict، TorchScript یا ‎.keras‎).",
                     en="The model file was not loaded: it holds pickled Python code (which the grader never runs) or is "
                        "not in the requested format. Save the weights only (a state_dict, TorchScript or .keras).")
MODEL_ARCHITECTURE = Text(fa="معماری مدل ذخیره‌شده با معماری خواسته‌شده در صورت پرسش یکی نیست؛ تفاوت‌ها در پایین آمده‌اند.",
                          en="The saved model's architecture differs from the one the question asks for; the "
                             "differences are listed below.")
MODEL_FAILED = Text(fa="ارزیابی مدل ذخیره‌شده روی داده آزمون با خطا روبه‌رو شد.",
                    en="Evaluating the saved model on the held-out data failed.")
MODEL_GPU_MEMORY = Text(fa="مدل در حافظه GPU جا نشد و ارزیابی نشد.",
                        en="The model did not fit in the GPU's memory and could not be evaluated.")


def model_not_saved(name: str) -> Text:
    return Text(fa=f"نوت‌بوک فایل مدل {name} را ذخیره نکرده است.",
                en=f"The notebook did not save the model file {name}.")


def reported_mismatch(name: str, claimed: float, measured: float) -> Text:
    return Text(fa=f"مقداری که نوت‌بوک گزارش کرده ({name} = {claimed:.4f}) با ارزیابی سامانه ({measured:.4f}) "
                   "فاصله زیادی دارد: شاید مدل ذخیره‌شده همان مدل گزارش‌شده نباشد. دستیار آموزشی بررسی می‌کند.",
                en=f"The value the notebook reports ({name} = {claimed:.4f}) is far from the grader's own evaluation "
                   f"({measured:.4f}): the saved model may not be the one reported. A teaching assistant will look.")


def reply_failed(reason: str | None, name: str) -> Text:
    """Why an answer could not be collected from the kernel, by the probe's reason (probe.REASONS)."""
    fa, en = {
        "timeout": (f"خواندن یا اجرای {name} از زمان مجاز بیشتر طول کشید و متوقف شد.",
                    f"Reading or calling {name} ran past its time limit and was stopped."),
        "exit": (f"{name} هنگام اجرا sys.exit() یا exit() را صدا زد.",
                 f"{name} called sys.exit() or exit() while it ran."),
        "raised": (f"خواندن یا اجرای {name} با خطا روبه‌رو شد؛ خروجی خطا در پایین آمده است.",
                   f"Reading or calling {name} raised an error; its output is shown below."),
        "too_large": (f"پاسخ {name} از اندازه مجاز برای یک پاسخ بزرگ‌تر یا تودرتوتر است.",
                      f"The answer {name} is larger, or nested deeper, than one answer may be."),
        "kernel_ended": (f"هسته پایتون هنگام خواندن {name} از کار افتاد؛ نوت‌بوک در هسته‌ای تازه دوباره اجرا "
                         "و بقیه پاسخ‌ها خوانده شدند.",
                         f"The Python kernel died while {name} was collected; the notebook ran again in a fresh "
                         "kernel and the other answers were collected."),
        "not_run": (f"پاسخ {name} خوانده نشد: هسته پایتون بارها از کار افتاد یا زمان نوت‌بوک تمام شد.",
                    f"{name} was not collected: the notebook's kernel kept ending or its time ran out."),
        "forged": (f"هنگام خواندن {name} پاسخی ساختگی به نام سامانه نمایش داده شد؛ پاسخ پذیرفته نشد.",
                   f"Something displayed a reply in the grader's name while {name} was collected; it was refused."),
    }.get(reason or "", (f"پاسخ {name} از نوت‌بوک خوانده نشد.", f"The answer {name} could not be read from the notebook."))
    return Text(fa=fa, en=en)


INTERNAL_ERROR = Text(fa="سامانه تصحیح در بررسی این پاسخ خطا کرد (اشکال از سامانه است، نه از نوت‌بوک شما)؛ "
                         "دستیار آموزشی آن را بررسی می‌کند.",
                      en="The grader failed while checking this answer (a fault of the grader, not of your "
                         "notebook); a teaching assistant will look at it.")
