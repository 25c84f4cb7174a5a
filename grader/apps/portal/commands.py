"""`grader tokens OUT` and `grader serve OUT`, added to the `grader` command by add_commands."""
from __future__ import annotations

import argparse
import csv
import io
import ipaddress
import os
import sys
from pathlib import Path

from grader.apps.portal.index import ClassIndex
from grader.apps.portal.tokens import (STAFF, TokenError, add_staff, check_can_create, create_tokens, reset_student,
                                       tokens_path)
from grader.untrusted import csv_text


def _codes_csv(index: ClassIndex, codes: dict[str, str], staff: str) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["student_id", "name", "code"])
    for sid, code in codes.items():
        s = index.students[sid]
        out.writerow([csv_text(sid), csv_text(" / ".join(n for n in (s.name_fa, s.name_en) if n)), code])
    out.writerow([STAFF, "کادر آموزشی / Staff", staff])
    return buf.getvalue()


def cmd_tokens(args: argparse.Namespace) -> int:
    """Codes are printed once (or written to --csv with mode 0600) and only their hashes kept."""
    out = Path(args.out_dir)
    if args.staff:
        try:
            code = add_staff(out, args.staff, rotate=args.rotate)
        except OSError as exc:
            raise TokenError(str(exc)) from None
        print(f"{args.staff},{code}")
        print(f"the staff code of {args.staff} is not shown again", file=sys.stderr)
        return 0
    index = ClassIndex.build(out)
    if args.student is not None:
        return _reset_one(out, index, args.student)
    if not index.students:
        print(f"grader: no results in {out}/results/; run `grader run` first", file=sys.stderr)
        return 2
    sink = None
    try:
        check_can_create(out, args.rotate)  # refuse before touching the --csv file
        if args.csv:
            sink = os.fdopen(os.open(args.csv, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w",
                             encoding="utf-8-sig", newline="")
        codes, staff = create_tokens(out, list(index.students), rotate=args.rotate)
    except OSError as exc:  # the tokens file or --csv cannot be written
        raise TokenError(str(exc)) from None
    text = _codes_csv(index, codes, staff)
    if sink is None:
        sys.stdout.write(text)
    else:
        with sink:
            sink.write(text)
        print(f"{args.csv}: codes for {len(codes)} students and staff", file=sys.stderr)
    print(f"hashes in {tokens_path(out)}; these codes are not shown again", file=sys.stderr)
    return 0


def _reset_one(out: Path, index: ClassIndex, student_id: str) -> int:
    """One student's new code on stdout; a running portal stops taking the old one at its next request."""
    student = index.find(student_id)
    if student is None:
        print(f"grader: no result for student {student_id!r} in {out}/results/", file=sys.stderr)
        return 2
    try:
        code = reset_student(out, student.student_id)
    except OSError as exc:
        raise TokenError(str(exc)) from None
    print(f"{csv_text(student.student_id)},{code}")
    print(f"the new code of {student.student_id} is not shown again; the old one no longer works", file=sys.stderr)
    return 0


LOOPBACK = "127.0.0.1,::1"


def _networks(text: str) -> list[str]:
    """Comma-separated addresses or networks; a typo is an error, not a proxy silently distrusted."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    try:
        for item in items:
            ipaddress.ip_network(item, strict=False)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not items:
        raise argparse.ArgumentTypeError("no proxy address given")
    return items


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from grader.apps.portal.app import create_app

    app = create_app(Path(args.out_dir), proxies=args.proxy_addresses if args.behind_proxy else (),
                     secure_cookie=args.secure_cookie)
    uvicorn.run(app, host=args.host, port=args.port, server_header=False, proxy_headers=False,
                log_level="info")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tok = subparsers.add_parser("tokens", help="make access codes for the download portal (shown once)")
    tok.add_argument("out_dir", metavar="OUT", help="the output folder of `grader run`")
    tok.add_argument("--rotate", action="store_true", help="replace every existing code")
    tok.add_argument("--csv", metavar="FILE", help="write the codes to FILE (mode 0600) instead of stdout")
    who = tok.add_mutually_exclusive_group()
    who.add_argument("--staff", metavar="NAME", help="make (with --rotate: replace) one teaching assistant's own "
                                                     "code only; the scores they give are stamped with NAME")
    who.add_argument("--student", metavar="ID", help="replace one student's code only (every other code stays); "
                                                     "a running portal refuses the old one at once")
    tok.set_defaults(fn=cmd_tokens)

    srv = subparsers.add_parser("serve", help="serve the reports: students download their own PDF")
    srv.add_argument("out_dir", metavar="OUT", help="the output folder of `grader run`, with its codes")
    srv.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: this machine only)")
    srv.add_argument("--port", type=int, default=8000, help="default: 8000")
    srv.add_argument("--behind-proxy", action="store_true",
                     help="requests come through a TLS reverse proxy: believe its X-Forwarded-For (client "
                          "address, for throttling) and X-Forwarded-Proto (the staff cookie is Secure unless it "
                          "says http); the same headers from any other address are ignored")
    srv.add_argument("--proxy-addresses", type=_networks, default=LOOPBACK, metavar="ADDRESSES",
                     help=f"the proxy's comma-separated addresses or networks (default: {LOOPBACK})")
    srv.add_argument("--secure-cookie", action="store_true",
                     help="mark the staff cookie Secure (sent only over HTTPS) whatever the scheme")
    srv.set_defaults(fn=cmd_serve)
