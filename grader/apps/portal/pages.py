"""The portal's HTML: inline Jinja2 templates (so no package data is needed) and one stylesheet.

Every visible text is bilingual: Persian right-to-left first, English beside it. The stylesheet is
served as a file because the Content-Security-Policy (default-src 'self') forbids inline styles.
"""
from __future__ import annotations

from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape

from grader.core.result import Status
from grader.core.text import Text
from grader.outputs.reports.bidi import direction_of
from grader.outputs.reports.persian import fmt_points, persian_digits

MESSAGES: dict[str, dict[str, str]] = {
    "bad_login": {"fa": "شماره دانشجویی یا کد دسترسی درست نیست.",
                  "en": "The student ID or access code is not correct."},
    "bad_staff": {"fa": "کد کادر آموزشی درست نیست.", "en": "The staff code is not correct."},
    "too_many": {"fa": "تلاش‌های ناموفق بیش از حد مجاز بود. لطفاً {seconds} ثانیه صبر کنید و دوباره تلاش کنید.",
                 "en": "Too many failed attempts. Please try again in {seconds} s."},
    "form_type": {"fa": "این درخواست فرم صفحهٔ ورود نیست؛ صفحه را دوباره باز کنید و از فرم آن استفاده کنید.",
                  "en": "This request is not the sign-in form; open the page again and use its form."},
    "form_large": {"fa": "فرم ارسال‌شده بیش از حد بزرگ است.", "en": "The form that was sent is too large."},
    "form_fields": {"fa": "فرم ارسال‌شده فیلد ناشناخته، تکراری یا جاافتاده دارد.",
                    "en": "The form that was sent has an unknown, repeated or missing field."},
    "form_encoding": {"fa": "فرم ارسال‌شده متن UTF-8 معتبر نیست.", "en": "The form that was sent is not valid UTF-8 text."},
    "staff_only": {"fa": "برای دیدن این صفحه با کد کادر آموزشی وارد شوید.",
                   "en": "Sign in with the staff code to see this page."},
    "not_ready": {"fa": "کارنامهٔ شما هنوز آماده نیست؛ بعداً دوباره سر بزنید.",
                  "en": "Your report is not ready yet; please come back later."},
    "not_found": {"fa": "صفحه پیدا نشد.", "en": "Page not found."},
    "bad_request": {"fa": "درخواست نامعتبر است.", "en": "Invalid request."},
    "bad_csrf": {"fa": "این فرم از صفحه‌ای کهنه یا از جای دیگری آمده است؛ صفحه را دوباره باز کنید.",
                 "en": "This form came from an old page or from elsewhere; open the page again."},
    "bad_number": {"fa": "یکی از امتیازها عدد نیست.", "en": "One of the points is not a number."},
    "student_only": {"fa": "برای دیدن این صفحه با شماره دانشجویی و کد دسترسی وارد شوید.",
                     "en": "Sign in with your student ID and access code to see this page."},
    "regrade_filed": {"fa": "درخواست بازبینی ثبت شد؛ پاسخ آن همین‌جا نشان داده می‌شود.",
                      "en": "Your regrade request was filed; the answer will appear here."},
    "regrade_answered": {"fa": "پاسخ درخواست ثبت شد.", "en": "The reply was recorded."},
    "graded": {"fa": "نمرهٔ {count} پاسخ ثبت شد.", "en": "Graded {count} answer(s)."},
    "stale": {"fa": "{count} پاسخ پس از بارگذاری این صفحه توسط {names} تصحیح شده بود و ذخیره نشد؛ چیزی بازنویسی نشد. "
                    "نمرهٔ کنونی آن‌ها در زیر آمده است؛ در صورت نیاز دوباره ثبت کنید.",
              "en": "{count} answer(s) were graded by {names} after you loaded this page and were not saved; nothing "
                    "was overwritten. Their current grades are shown below: save again if you still disagree."},
    "item_saved": {"fa": "بند ذخیره شد؛ نمرهٔ {count} پاسخ دوباره حساب شد.",
                   "en": "Item saved; {count} answer(s) rescored."},
}

_BASE = """{% from "macros" import bi %}<!doctype html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{ title.fa or "کارنامه" }} | {{ title.en or "Reports" }}</title>
<link rel="stylesheet" href="/static/portal.css">
</head>
<body class="{{ layout }}">
<header class="top"><div class="wrap">
  {% if course.fa or course.en %}<p class="course">{{ bi(course.fa, course.en) }}</p>{% endif %}
  <h1>{{ title.fa or "کارنامه‌ها" }}</h1>
  <p class="en subtitle" lang="en" dir="ltr">{{ title.en or "Reports" }}</p>
</div></header>
<main class="wrap">
{% if message %}<div class="alert" role="alert"><p>{{ message.fa }}</p><p class="en" lang="en" dir="ltr">{{ message.en }}</p></div>{% endif %}
{% for f in flashes or [] %}<div class="alert{% if not f.warn %} note{% endif %}" role="status"><p>{{ f.fa }}</p><p class="en" lang="en" dir="ltr">{{ f.en }}</p></div>{% endfor %}
{% block main %}{% endblock %}
</main>
</body>
</html>
"""

_MACROS = """{% macro bi(fa, en) -%}
<span class="bi"><span class="fa">{{ fa }}</span> <span class="en" lang="en" dir="ltr">{{ en }}</span></span>
{%- endmacro %}
{% macro logout(who) -%}
<form method="post" action="/staff/logout"><input type="hidden" name="csrf" value="{{ who.csrf }}"><button type="submit" class="secondary">{{ bi("خروج", "Sign out") }} <span class="who" dir="ltr">({{ who.name }})</span></button></form>
{%- endmacro %}
{% macro label(for, fa, en) -%}
<label for="{{ for }}"><span class="fa">{{ fa }}</span><span class="en" lang="en" dir="ltr">{{ en }}</span></label>
{%- endmacro %}"""

_LOGIN = """{% extends "base" %}{% from "macros" import bi, label %}{% set layout = "narrow" %}
{% block main %}
<section class="card">
  <h2>{{ bi("دریافت کارنامه", "Download your report") }}</h2>
  <p class="hint">شماره دانشجویی و کد دسترسی‌ای را که از دستیار آموزشی گرفته‌اید وارد کنید.</p>
  <p class="hint en" lang="en" dir="ltr">Enter your student ID and the access code you received from the teaching assistant.</p>
  <form method="post" action="/download" autocomplete="off">
    {{ label("student_id", "شماره دانشجویی", "Student ID") }}
    <input id="student_id" name="student_id" dir="ltr" maxlength="64" required autocomplete="username">
    {{ label("code", "کد دسترسی", "Access code") }}
    <input id="code" name="code" type="password" dir="ltr" maxlength="64" required autocomplete="current-password">
    <button type="submit" class="download">{{ bi("دریافت کارنامه", "Download report") }}</button>
    <button type="submit" class="secondary mine" formaction="/student/login">{{ bi("نمره‌ها و درخواست بازبینی", "My scores and regrade requests") }}</button>
  </form>
</section>
<section class="card staff">
  <h2>{{ bi("ورود کادر آموزشی", "Staff sign-in") }}</h2>
  <form method="post" action="/staff/login" autocomplete="off">
    {{ label("staff_code", "کد کادر آموزشی", "Staff code") }}
    <input id="staff_code" name="code" type="password" dir="ltr" maxlength="64" required>
    <button type="submit" class="secondary">{{ bi("ورود", "Sign in") }}</button>
  </form>
</section>
{% endblock %}"""

_STAFF = """{% extends "base" %}{% from "macros" import bi, logout %}{% set layout = "wide" %}
{% block main %}
<nav class="toolbar">
  <span class="count">{{ bi(fa_num(students|length) ~ " دانشجو", (students|length) ~ " students") }}</span>
  {% if has_summary %}<a class="button" href="/staff/summary.pdf">{{ bi("خلاصهٔ کلاس", "Class summary (PDF)") }}</a>{% endif %}
  {% if has_grades %}<a class="button" href="/staff/grades.csv">{{ bi("جدول نمره‌ها", "Grades (CSV)") }}</a>{% endif %}
  <a class="button" href="/staff/grade">{{ bi("تصحیح پرسش‌های تشریحی", "Grade essays") }}</a>
  <a class="button" href="/staff/regrades">{{ bi("درخواست‌های بازبینی", "Regrade requests") }}</a>
  {{ logout(who) }}
</nav>
<table class="class">
<thead><tr>
  <th>شماره دانشجویی<span class="en" lang="en" dir="ltr">Student ID</span></th>
  <th>نام<span class="en" lang="en" dir="ltr">Name</span></th>
  <th>نمره<span class="en" lang="en" dir="ltr">Score</span></th>
  <th>خطای اجرا<span class="en" lang="en" dir="ltr">Run errors</span></th>
  <th>تصحیح دستی مانده<span class="en" lang="en" dir="ltr">Manual pending</span></th>
  <th>کارنامه<span class="en" lang="en" dir="ltr">Report</span></th>
  <th>کد دسترسی<span class="en" lang="en" dir="ltr">Access code</span></th>
</tr></thead>
<tbody>
{% for s in students %}<tr>
  <td class="sid" dir="ltr">{{ s.student_id }}</td>
  <td data-label="نام · Name">{{ s.name_fa }}<span class="en" lang="en" dir="ltr">{{ s.name_en }}</span></td>
  <td class="num" data-label="نمره · Score">{{ fa_num(pts(s.total)) }} از {{ fa_num(pts(s.max_total)) }}<span class="en" lang="en" dir="ltr">{{ pts(s.total) }} / {{ pts(s.max_total) }}</span></td>
  <td class="num{% if s.errors %} warn{% endif %}" data-label="خطای اجرا · Run errors">{{ fa_num(s.errors) }}<span class="en" lang="en" dir="ltr">{{ s.errors }}</span></td>
  <td class="num" data-label="تصحیح دستی مانده · Manual pending">{{ fa_num(pts(s.manual_pending)) }}<span class="en" lang="en" dir="ltr">{{ pts(s.manual_pending) }}</span></td>
  <td data-label="کارنامه · Report">{% if s.pdf %}<a href="/staff/report/{{ s.student_id|urlencode }}" download>PDF</a>{% else %}—{% endif %}</td>
  <td data-label="کد دسترسی · Access code"><details class="reset"><summary>{{ bi("کد تازه", "New code") }}</summary>
    <form method="post" action="/staff/code/{{ s.student_id|urlencode }}"><input type="hidden" name="csrf" value="{{ who.csrf }}">
    <button type="submit" class="secondary">{{ bi("جایگزینی کد این دانشجو", "Replace this student's code") }}</button></form>
  </details></td>
</tr>{% endfor %}
</tbody>
</table>
{% if similar is not none %}
<section class="card similar">
  <h2>{{ bi("ارسال‌های مشابه (برای داوری یک فرد)", "Similar submissions (for a person to judge)") }}</h2>
  <p class="hint">فقط نشانه‌ای برای بررسی است و هیچ نمره‌ای را تغییر نمی‌دهد؛ سلول‌های مشابه در خلاصهٔ کلاس آمده‌اند.</p>
  <p class="hint en" lang="en" dir="ltr">A hint for a person to check; it changes no score. The matching cells are in the class summary.</p>
  {% if similar %}
  <table class="class">
  <thead><tr>
    <th>دو دانشجو<span class="en" lang="en" dir="ltr">Students</span></th>
    <th>امتیاز ترکیبی<span class="en" lang="en" dir="ltr">Combined score</span></th>
    <th>شباهت کد<span class="en" lang="en" dir="ltr">Code similarity</span></th>
    <th>پاسخ‌های نادرست یکسان<span class="en" lang="en" dir="ltr">Identical wrong answers</span></th>
    <th>علامت‌خورده<span class="en" lang="en" dir="ltr">Flagged</span></th>
  </tr></thead>
  <tbody>
  {% for p in similar %}<tr>
    <td class="sid" dir="ltr">{{ p.a }} – {{ p.b }}</td>
    <td class="num" data-label="امتیاز ترکیبی · Combined">{{ fa_num(pts(p.score)) }}<span class="en" lang="en" dir="ltr">{{ pts(p.score) }}</span></td>
    <td class="num" data-label="شباهت کد · Code">{{ fa_num(pts(100 * p.code_score)) }}٪<span class="en" lang="en" dir="ltr">{{ pts(100 * p.code_score) }}%</span></td>
    <td class="sid" dir="ltr" data-label="Identical wrong answers">{{ p.shared_wrong|join(", ") }}</td>
    <td{% if p.flagged %} class="warn"{% endif %} data-label="علامت‌خورده · Flagged">{% if p.flagged %}{{ bi("بله", "yes") }}{% else %}—{% endif %}</td>
  </tr>{% endfor %}
  </tbody>
  </table>
  {% else %}<p>{{ bi("هیچ جفت مشابهی پیدا نشد.", "No similar pair was found.") }}</p>{% endif %}
</section>
{% endif %}
{% endblock %}"""

_CODE = """{% extends "base" %}{% from "macros" import bi, logout %}{% set layout = "narrow" %}
{% block main %}
<nav class="toolbar">
  <a class="button secondary" href="/staff">{{ bi("فهرست کلاس", "Class list") }}</a>
  {{ logout(who) }}
</nav>
<section class="card">
  <h2>{{ bi("کد دسترسی تازه", "New access code") }}</h2>
  <p><span dir="ltr" class="sid">{{ student.student_id }}</span> {{ student.name_fa }} <span class="en" lang="en" dir="ltr">{{ student.name_en }}</span></p>
  <p class="code" dir="ltr">{{ code }}</p>
  <p class="hint">این کد را به همین دانشجو بدهید؛ دوباره نشان داده نمی‌شود. کد پیشین او دیگر کار نمی‌کند و کد دیگران تغییری نکرده است.</p>
  <p class="hint en" lang="en" dir="ltr">Give this code to this student; it is not shown again. Their old code no longer works; nobody else's code changed.</p>
</section>
{% endblock %}"""

_ERROR = """{% extends "base" %}{% from "macros" import bi %}{% set layout = "narrow" %}
{% block main %}<p class="back"><a href="/">{{ bi("بازگشت به صفحهٔ اصلی", "Back to the start page") }}</a></p>{% endblock %}"""

_QUESTIONS = """{% extends "base" %}{% from "macros" import bi, logout %}{% set layout = "wide" %}
{% block main %}
<nav class="toolbar">
  <a class="button secondary" href="/staff">{{ bi("فهرست کلاس", "Class list") }}</a>
  {{ logout(who) }}
</nav>
<h2>{{ bi("پرسش‌های تشریحی", "Essay questions") }}</h2>
{% if not questions %}<p>{{ bi("این تکلیف پرسش تشریحی ندارد.", "This assignment has no essay question.") }}</p>{% endif %}
<ul class="questions">
{% for q in questions %}{% set done = q.counts.get("graded", 0) %}
<li class="card">
  <a class="qlink" href="/staff/grade/{{ q.id|urlencode }}{% if anon %}?anon=1{% endif %}"><span dir="ltr">{{ q.id }}</span> — {{ bi(q.title.fa, q.title.en) }}</a>
  <progress max="{{ q.answered or 1 }}" value="{{ done }}"></progress>
  <p class="progress">{{ bi(fa_num(done) ~ " از " ~ fa_num(q.answered) ~ " پاسخ تصحیح شده", done ~ " of " ~ q.answered ~ " answers graded") }}
  {% if q.counts.get("changed") %}<br>{{ bi(fa_num(q.counts.changed) ~ " پاسخ پس از تصحیح عوض شده", q.counts.changed ~ " changed since graded") }}{% endif %}
  {% if q.counts.get("no_answer") %}<br>{{ bi(fa_num(q.counts.no_answer) ~ " بی‌پاسخ (صفر خودکار)", q.counts.no_answer ~ " unanswered (0, automatic)") }}{% endif %}</p>
</li>{% endfor %}
</ul>
{% endblock %}"""

_QUESTION = """{% extends "base" %}{% from "macros" import bi, logout %}{% set layout = "wide" %}
{% block main %}
{% set done = question.counts.get("graded", 0) %}
<nav class="toolbar">
  <a class="button secondary" href="/staff/grade{% if anon %}?anon=1{% endif %}">{{ bi("همهٔ پرسش‌ها", "All questions") }}</a>
  {% if anon %}<a class="button secondary" href="/staff/grade/{{ question.id|urlencode }}">{{ bi("نمایش نام‌ها", "Show names") }}</a>
  {% else %}<a class="button secondary" href="/staff/grade/{{ question.id|urlencode }}?anon=1">{{ bi("پنهان کردن نام‌ها", "Hide names") }}</a>{% endif %}
  {{ logout(who) }}
</nav>
<h2><span dir="ltr">{{ question.id }}</span> — {{ bi(question.title.fa, question.title.en) }}</h2>
<p class="progress"><progress max="{{ question.answered or 1 }}" value="{{ done }}"></progress>
  {{ bi(fa_num(done) ~ " از " ~ fa_num(question.answered) ~ " پاسخ تصحیح شده؛ حداکثر " ~ fa_num(pts(question.top)) ~ " نمره",
        done ~ " of " ~ question.answered ~ " graded; out of " ~ pts(question.top)) }}</p>
<p class="hint keys">{{ bi("کلیدها: j/k پاسخ بعدی/قبلی، ۱ تا ۹ بندها، Enter ثبت", "Keys: j/k next/previous group, 1–9 toggle item, Enter saves") }}</p>

<section class="card" id="items">
  <h3>{{ bi("بندهای نمره‌دهی", "Rubric items") }}</h3>
  <p class="hint">{{ bi("تغییر امتیاز یک بند، نمرهٔ همهٔ پاسخ‌هایی را که آن بند را دارند دوباره حساب می‌کند.", "Changing an item's points rescores every answer that has it.") }}</p>
  {% for it in items %}
  <form method="post" action="/staff/grade/{{ question.id|urlencode }}/item" class="item">
    <input type="hidden" name="csrf" value="{{ who.csrf }}"><input type="hidden" name="anon" value="{{ 1 if anon else 0 }}">
    <input type="hidden" name="id" value="{{ it.id }}">
    <span class="key" dir="ltr">{{ loop.index }}</span>
    <input name="points" class="pts" dir="ltr" value="{{ pts(it.points) }}" aria-label="points" maxlength="12">
    <input name="fa" value="{{ it.fa }}" aria-label="توضیح فارسی" maxlength="200">
    <input name="en" value="{{ it.en }}" dir="ltr" aria-label="English comment" maxlength="200">
    <button type="submit" class="secondary">{{ bi("ذخیره", "Save") }}</button>
  </form>
  {% endfor %}
  <form method="post" action="/staff/grade/{{ question.id|urlencode }}/item" class="item new">
    <input type="hidden" name="csrf" value="{{ who.csrf }}"><input type="hidden" name="anon" value="{{ 1 if anon else 0 }}">
    <input type="hidden" name="id" value="">
    <span class="key">+</span>
    <input name="points" class="pts" dir="ltr" placeholder="±1" aria-label="points" maxlength="12" required>
    <input name="fa" placeholder="توضیح فارسی" aria-label="توضیح فارسی" maxlength="200">
    <input name="en" dir="ltr" placeholder="English comment" aria-label="English comment" maxlength="200">
    <button type="submit">{{ bi("افزودن بند", "Add item") }}</button>
  </form>
</section>

{% for g in groups %}{% set gid = "g" ~ loop.index %}{% set shown = g.shown %}
<section class="card group{% if g.done %} done{% endif %}" id="{{ gid }}" tabindex="-1">
  <h3>{{ bi("گروه " ~ fa_num(loop.index), "Group " ~ loop.index) }} ·
    {{ bi(fa_num(g.answers|length) ~ " پاسخ", (g.answers|length) ~ " answer(s)") }}
    {% if g.texts|length > 1 %}<span class="tag">{{ bi("پاسخ‌های مشابه", "similar answers") }}</span>{% endif %}
    {% if g.done %}<span class="tag ok">{{ bi("تصحیح شده", "graded") }}</span>{% endif %}</h3>
  {% if g.mixed %}<p class="tag warn">{{ bi("پاسخ‌های این گروه نمره‌های متفاوتی دارند؛ ثبت، به همهٔ پاسخ‌های تیک‌خورده یک نمره می‌دهد.", "The answers of this group hold different grades: saving gives every ticked answer one grade.") }}</p>{% endif %}
  <form method="post" action="/staff/grade/{{ question.id|urlencode }}" class="grade">
    <input type="hidden" name="csrf" value="{{ who.csrf }}"><input type="hidden" name="anon" value="{{ 1 if anon else 0 }}">
    <input type="hidden" name="group" value="{{ gid }}">
    {% for same in g.texts %}
    <div class="answer">
      <blockquote dir="{{ dir_of(same[0].shown) }}">{{ same[0].shown }}</blockquote>
      <ul class="members">{% for a in same %}
        <li class="{{ a.state }}"><label><input type="checkbox" name="m" value="{{ a.token }}" checked>
          {% if anon %}<span>{{ bi("پاسخ", "answer") }}</span>{% else %}<span dir="ltr" class="sid">{{ a.student_id }}</span> {{ a.name_fa }} <span class="en" dir="ltr">{{ a.name_en }}</span>{% endif %}
          {% if a.state == "graded" %}<span class="score">{{ fa_num(pts(a.entry.score)) }} از {{ fa_num(pts(question.top)) }}</span> <span class="stamp"><bdi>{{ a.entry.by }}</bdi> · <bdi>{{ (a.entry.at or "")[:16]|replace("T", " ") }}</bdi></span>
          {% elif a.state == "changed" %}<span class="tag warn">{{ bi("پاسخ عوض شده؛ دوباره تصحیح کنید", "answer changed: grade again") }}</span>
            <span class="hint-old" dir="ltr">{{ bi("پیشین: " ~ fa_num(pts(a.entry.score)), "before: " ~ pts(a.entry.score)) }}{% if a.entry.comment %} — «{{ a.entry.comment }}»{% endif %}</span>
          {% else %}<span class="tag">{{ bi("در انتظار", "pending") }}</span>{% endif %}
        </label>{% if g.answers|length > 1 %}<button type="button" class="only secondary" hidden>{{ bi("فقط این پاسخ", "only this one") }}</button>{% endif %}</li>{% endfor %}
      </ul>
    </div>
    {% endfor %}
    <fieldset class="items">
      {% for it in items %}
      <label class="pick"><input type="checkbox" name="item" value="{{ it.id }}" data-key="{{ loop.index }}"{% if shown and it.id in (shown.get("items") or [])|map(attribute="id")|list %} checked{% endif %}>
        <span class="key" dir="ltr">{{ loop.index }}</span> <span dir="ltr">{{ "%+g"|format(it.points) }}</span> {{ it.fa }} <span class="en" dir="ltr">{{ it.en }}</span></label>
      {% endfor %}
    </fieldset>
    <div class="row">
      <label>{{ bi("تغییر نمره", "Adjust ±") }} <input name="adjust" class="pts" dir="ltr" maxlength="12" value="{{ pts(shown.adjust) if shown and shown.adjust else '' }}"></label>
      <label class="grow">{{ bi("توضیح", "Comment") }} <input name="comment" dir="auto" maxlength="{{ max_comment }}" value="{{ shown.comment if shown else '' }}"></label>
      <button type="submit">{{ bi("ثبت نمره", "Save grade") }}</button>
    </div>
  </form>
</section>
{% else %}<p>{{ bi("هیچ پاسخی برای تصحیح نیست.", "No answers to grade.") }}</p>
{% endfor %}
<script src="/static/grade.js"></script>
{% endblock %}"""

_ME = """{% extends "base" %}{% from "macros" import bi %}{% set layout = "wide" %}
{% block main %}
<nav class="toolbar">
  <span class="count" dir="ltr">{{ who.name }}</span>
  <a class="button" href="/me/report.pdf">{{ bi("دریافت کارنامه", "Download report") }}</a>
  <form method="post" action="/me/logout"><input type="hidden" name="csrf" value="{{ who.csrf }}"><button type="submit" class="secondary">{{ bi("خروج", "Sign out") }}</button></form>
</nav>
{% if result %}<p class="total">{{ bi("نمرهٔ کل: " ~ fa_num(pts(result.total)) ~ " از " ~ fa_num(pts(result.max_total)),
                      "Total: " ~ pts(result.total) ~ " of " ~ pts(result.max_total)) }}
  {% if result.pending_points %}· {{ bi(fa_num(pts(result.pending_points)) ~ " نمره در انتظار تصحیح", pts(result.pending_points) ~ " points waiting for a grade") }}{% endif %}</p>{% endif %}
{% for q in (result.questions if result else []) %}{% set asked = requests|selectattr("question", "equalto", q.id)|list %}
<section class="card question" id="q-{{ loop.index }}">
  <h3><span dir="ltr">{{ q.id }}</span> — {{ bi(q.title.fa, q.title.en) }}</h3>
  <p>{% if q.status == PENDING %}{{ bi("در انتظار تصحیح", "waiting for a grade") }}
     {% else %}<span class="score">{{ fa_num(pts(q.points)) }} از {{ fa_num(pts(q.max_points)) }}</span>{% endif %}</p>
  {% if q.answer_text %}<blockquote dir="{{ dir_of(q.answer_text) }}">{{ q.answer_text }}</blockquote>{% endif %}
  {% if q.feedback and q.status != PENDING %}<p>{{ q.feedback.fa }}</p><p class="en" dir="ltr">{{ q.feedback.en }}</p>{% endif %}
  {% for r in asked %}
  <div class="request {{ r.status }}">
    <p><strong>{{ bi("درخواست شما", "Your request") }}</strong> <bdi class="stamp">{{ r.at[:16]|replace("T", " ") }}</bdi></p>
    <blockquote dir="{{ dir_of(r.message) }}">{{ r.message }}</blockquote>
    {% if r.status == "answered" %}<p><strong>{{ bi("پاسخ", "Answer") }}</strong> <bdi class="stamp">{{ r.by }} · {{ r.answered_at[:16]|replace("T", " ") }}</bdi></p>
    <blockquote dir="{{ dir_of(r.reply) }}" class="reply">{{ r.reply }}</blockquote>
    {% else %}<p class="tag">{{ bi("در انتظار پاسخ", "waiting for an answer") }}</p>{% endif %}
  </div>
  {% endfor %}
  {% if not asked or asked[-1].status != "open" %}
  <details><summary>{{ bi("درخواست بازبینی این پرسش", "Ask for a regrade of this question") }}</summary>
  <form method="post" action="/me/regrade">
    <input type="hidden" name="csrf" value="{{ who.csrf }}"><input type="hidden" name="question" value="{{ q.id }}">
    <textarea name="message" dir="auto" rows="4" maxlength="{{ max_message }}" required aria-label="message"></textarea>
    <button type="submit">{{ bi("ارسال درخواست", "Send request") }}</button>
  </form></details>
  {% endif %}
</section>
{% endfor %}
{% endblock %}"""

_REGRADES = """{% extends "base" %}{% from "macros" import bi, logout %}{% set layout = "wide" %}
{% block main %}
<nav class="toolbar">
  <a class="button secondary" href="/staff">{{ bi("فهرست کلاس", "Class list") }}</a>
  <a class="button secondary" href="/staff/grade">{{ bi("تصحیح پرسش‌های تشریحی", "Grade essays") }}</a>
  {{ logout(who) }}
</nav>
{% set open = entries|selectattr("request.status", "equalto", "open")|list|length %}
<h2>{{ bi("درخواست‌های بازبینی", "Regrade requests") }} · {{ bi(fa_num(open) ~ " باز", open ~ " open") }}</h2>
{% for e in entries %}{% set r = e.request %}
<section class="card request {{ r.status }}">
  <h3><span dir="ltr" class="sid">{{ r.student }}</span> {{ e.student.name_fa if e.student }} <span class="en" dir="ltr">{{ e.student.name_en if e.student }}</span> ·
    <span dir="ltr">{{ r.question }}</span>{% if e.question %} — {{ bi(e.question.title.fa, e.question.title.en) }}{% endif %}</h3>
  <p class="stamp"><bdi>{{ r.at[:16]|replace("T", " ") }}</bdi></p>
  <blockquote dir="{{ dir_of(r.message) }}">{{ r.message }}</blockquote>
  {% if e.question %}<p>{{ bi("نمرهٔ کنونی", "Current score") }}: <span class="score">{{ fa_num(pts(e.question.points)) }} از {{ fa_num(pts(e.question.max_points)) }}</span>{% if e.question.status == PENDING %} ({{ bi("در انتظار", "pending") }}){% endif %}</p>{% endif %}
  {% if e.essay %}<p><strong>{{ bi("پاسخ دانشجو", "The student's answer") }}</strong></p><blockquote dir="{{ dir_of(e.essay.shown) }}">{{ e.essay.shown }}</blockquote>{% endif %}
  {% if r.status == "open" %}
  <form method="post" action="/staff/regrades/{{ r.id }}" class="reply">
    <input type="hidden" name="csrf" value="{{ who.csrf }}"><input type="hidden" name="m" value="{{ e.essay.token if e.essay else '' }}">
    <label>{{ bi("پاسخ به دانشجو", "Reply to the student") }}<textarea name="reply" dir="auto" rows="3" maxlength="{{ max_message }}" required></textarea></label>
    {% if e.essay %}<label>{{ bi("نمرهٔ تازه (اختیاری)", "New score (optional)") }} <input name="score" class="pts" dir="ltr" maxlength="12"></label>
    {% else %}<input type="hidden" name="score" value="">{% endif %}
    <button type="submit">{{ bi("ثبت پاسخ", "Send reply") }}</button>
  </form>
  {% else %}<p><strong>{{ bi("پاسخ", "Answer") }}</strong> <bdi class="stamp">{{ r.by }} · {{ r.answered_at[:16]|replace("T", " ") }}</bdi></p><blockquote dir="{{ dir_of(r.reply) }}">{{ r.reply }}</blockquote>{% endif %}
</section>
{% else %}<p>{{ bi("درخواستی نیست.", "No requests.") }}</p>
{% endfor %}
{% endblock %}"""

JS = """'use strict';
// j/k move between answer groups, 1-9 toggle the current group's rubric items, "only this one"
// leaves a single answer of a group ticked (to give it its own comment or adjustment).
(function () {
  document.querySelectorAll('button.only').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      const mine = button.parentElement.querySelector('input[name=m]');
      button.closest('form').querySelectorAll('input[name=m]').forEach(b => { b.checked = b === mine; });
    });
  });
  const groups = Array.from(document.querySelectorAll('section.group'));
  let at = Math.max(0, groups.findIndex(g => !g.classList.contains('done')));
  function focus(i) {
    if (!groups.length) return;
    at = Math.min(groups.length - 1, Math.max(0, i));
    groups.forEach((g, n) => g.classList.toggle('current', n === at));
    groups[at].focus({preventScroll: true});
    groups[at].scrollIntoView({block: 'start'});
  }
  if (location.hash) { const n = groups.findIndex(g => '#' + g.id === location.hash); if (n >= 0) at = n; }
  focus(at);
  document.addEventListener('keydown', function (e) {
    const t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && t.type !== 'checkbox')))) return;
    if (e.key === 'j') { focus(at + 1); e.preventDefault(); }
    else if (e.key === 'k') { focus(at - 1); e.preventDefault(); }
    else if (/^[1-9]$/.test(e.key) && groups[at]) {
      const box = groups[at].querySelector('input[name=item][data-key="' + e.key + '"]');
      if (box) { box.checked = !box.checked; e.preventDefault(); }
    } else if (e.key === 'Enter' && groups[at]) { groups[at].querySelector('form.grade').requestSubmit(); e.preventDefault(); }
  });
})();
"""

CSS = """
:root { --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --accent: #0b6e4f; --bg: #f5f7fa; --warn: #b42318; }
* { box-sizing: border-box; }
html { font-family: "Vazirmatn", "Noto Sans Arabic", "Noto Sans", "DejaVu Sans", sans-serif;
       line-height: 1.6; color: var(--ink); background: var(--bg); }
body { margin: 0; --width: 60rem; }
body.narrow { --width: 32rem; }
.wrap { max-width: var(--width); margin: 0 auto; }
/* English sits beside or under the Persian; its blocks keep the page's right edge */
.en { font-family: "Noto Sans", "DejaVu Sans", sans-serif; color: var(--muted); font-size: 0.88em; text-align: right; }
.bi > .en { display: inline-block; border-right: 1px solid #b8c4ce; padding-right: .5em; margin-right: .3em; }
header.top { background: #fff; border-bottom: 3px solid var(--accent); padding: 1.2rem 1rem; }
header.top h1 { margin: 0; font-size: 1.5rem; line-height: 1.4; }
header.top .course { margin: 0 0 .2rem; color: var(--muted); }
header.top .subtitle { margin: 0; }
main.wrap { margin: 1.5rem auto; padding: 0 1rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1.2rem 1.5rem;
        margin-bottom: 1.2rem; }
.card h2 { margin: 0 0 .6rem; font-size: 1.15rem; }
.card.staff h2 { font-size: 1rem; }
.hint { margin: 0; }
.hint.en { margin-bottom: .4rem; }
label { display: block; margin: .8rem 0 .3rem; font-weight: 600; }
label .en { display: block; font-weight: normal; }
input { width: 100%; padding: .55rem .7rem; font-size: 1rem; border: 1px solid #9aa5b1; border-radius: 6px;
        font-family: "DejaVu Sans Mono", monospace; }
input:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
button, a.button { display: inline-block; margin-top: 1rem; padding: .5rem 1.1rem; border-radius: 6px;
        border: 1px solid var(--accent); background: var(--accent); color: #fff; font: inherit; cursor: pointer;
        text-decoration: none; }
button .en, a.button .en { color: #e3f2ec; border-color: #6fae97; }
button.secondary { background: #fff; color: var(--accent); }
button.secondary .en { color: var(--muted); border-color: #b8c4ce; }
.alert { background: #fdecea; border: 1px solid #f5c2bd; border-radius: 8px; padding: .7rem 1rem;
         margin-bottom: 1.2rem; color: var(--warn); }
.alert p { margin: 0; }
.alert .en { color: var(--warn); }
.toolbar { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin-bottom: 1rem; }
.toolbar .count { margin-left: auto; font-weight: 600; }
.toolbar button, .toolbar a.button { margin-top: 0; }
.toolbar form { margin: 0; }
table.class { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
table.class th, table.class td { padding: .5rem .7rem; border-bottom: 1px solid var(--line); text-align: right;
        vertical-align: top; }
table.class th { background: #eef2f6; font-size: .95rem; }
table.class th .en, table.class td .en { display: block; }
table.class td.sid { font-family: "Noto Sans", "DejaVu Sans", sans-serif; white-space: nowrap; }
table.class td.warn { color: var(--warn); font-weight: 600; }
a { color: var(--accent); }
.card.similar { margin-top: 1.5rem; }
.alert.note { background: #e8f4ef; border-color: #b7dccb; color: var(--ink); }
.alert.note .en { color: var(--muted); }
.who { font-size: .85em; }
ul.questions { list-style: none; padding: 0; }
a.qlink { font-weight: 600; font-size: 1.05rem; }
progress { width: 100%; max-width: 24rem; height: .8rem; display: block; margin: .4rem 0; }
.card h3 { margin: 0 0 .5rem; font-size: 1.05rem; }
.group.current { outline: 3px solid var(--accent); outline-offset: 2px; }
.group.done { border-color: #b7dccb; }
blockquote { margin: .3rem 0 .5rem; padding: .6rem .8rem; background: var(--bg); border-right: 4px solid var(--line);
             white-space: pre-wrap; overflow-wrap: anywhere; max-height: 24rem; overflow: auto; }
ul.members { list-style: none; padding: 0; margin: 0 0 .6rem; }
ul.members li label, label.pick { display: block; font-weight: normal; margin: .15rem 0; }
ul.members li label { display: inline-block; }
button.only { margin: 0 .5rem; padding: .05rem .5rem; font-size: .8rem; }
ul.members input, label.pick input, form.item input.pts, .row input.pts { width: auto; }
.tag { display: inline-block; font-size: .8rem; padding: 0 .4rem; border-radius: 4px; background: #eef2f6; }
.tag.ok { background: #e8f4ef; color: var(--accent); }
.tag.warn { background: #fdecea; color: var(--warn); }
.score { font-weight: 600; }
.stamp, .hint-old { color: var(--muted); font-size: .85em; }
fieldset.items { border: 1px dashed var(--line); border-radius: 6px; margin: .4rem 0; padding: .3rem .6rem; }
.key { display: inline-block; min-width: 1.4em; text-align: center; border: 1px solid #9aa5b1; border-radius: 4px;
       font-size: .8rem; }
form.item input, .row input { font-family: inherit; }
form.item { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .3rem 0; }
form.item input { flex: 1 1 10rem; width: auto; min-width: 0; }
form.item input.pts, .row input.pts { flex: 0 0 5rem; max-width: 5rem; }
form.item button, .row button { margin-top: 0; }
.row { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; }
.row label { margin: 0; font-weight: normal; }
.row .grow { flex: 1 1 14rem; min-width: 0; }
.row .grow input { display: block; width: 100%; }
textarea { width: 100%; padding: .5rem .7rem; font: inherit; border: 1px solid #9aa5b1; border-radius: 6px; }
.request.answered { border-color: #b7dccb; }
blockquote.reply { border-right-color: var(--accent); }
p.total { font-weight: 600; font-size: 1.1rem; }
summary { cursor: pointer; color: var(--accent); }
form.reply input.pts { width: 6rem; }
p.code { font-family: "DejaVu Sans Mono", monospace; font-size: 1.6rem; letter-spacing: .05em; text-align: center;
         background: var(--bg); border-radius: 6px; padding: .5rem; overflow-wrap: anywhere; }
details.reset summary { font-size: .9em; white-space: nowrap; }
details.reset button { margin-top: .4rem; font-size: .85em; padding: .3rem .6rem; }
/* A phone: each table row becomes a card of labelled lines, so nothing scrolls sideways */
@media (max-width: 40rem) {
  table.class, table.class tbody, table.class tr, table.class td { display: block; width: 100%; }
  table.class thead { display: none; }
  table.class tr { border-bottom: 2px solid var(--line); padding: .4rem 0; }
  table.class td { border: 0; padding: .15rem .7rem; overflow-wrap: anywhere; }
  table.class td.sid { font-weight: 600; white-space: normal; }
  table.class td[data-label]::before { content: attr(data-label); float: left; margin-right: .8rem; font-size: .8rem;
                                       color: var(--muted); }  /* the label at the far edge, the value on its line */
  table.class td[data-label] { display: flow-root; }
  table.class td .en { display: inline; margin-right: .5em; }
  .toolbar .count { margin-left: 0; width: 100%; }
  main.wrap { padding: 0 .6rem; }
  .card { padding: .8rem; }
}
"""

_env = Environment(loader=DictLoader({"base": _BASE, "macros": _MACROS, "login": _LOGIN,
                                      "staff": _STAFF, "code": _CODE, "error": _ERROR, "questions": _QUESTIONS,
                                      "question": _QUESTION, "me": _ME, "regrades": _REGRADES}),
                   autoescape=select_autoescape(default=True, default_for_string=True))
_env.globals.update(fa_num=persian_digits, pts=fmt_points, PENDING=Status.PENDING, dir_of=direction_of)


def render(page: str, *, title: Text, course: Text, message: str | None = None,
           seconds: int = 0, **context: Any) -> str:
    """`seconds` fills the waiting time into the message, in Persian digits for the Persian text."""
    text = None
    if message:
        text = {"fa": MESSAGES[message]["fa"].format(seconds=persian_digits(str(seconds))),
                "en": MESSAGES[message]["en"].format(seconds=seconds)}
    return _env.get_template(page).render(title=title, course=course, message=text, **context)
