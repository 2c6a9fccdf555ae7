#!/usr/bin/python3
"""Run an example and check what it printed and how it exited.

  check-output.py [--exit N] [--match REGEX]... [--absent REGEX]...
                  [--count REGEX=N]... [--max REGEX=N]... [--order REGEX]...
                  [--timeout S] -- CMD...

--match: some line matches REGEX; --absent: no line does;
--count: exactly N lines match; --max: at most N lines match;
--order (repeated): lines matching each REGEX appear in the order given
(a later line matches the next REGEX).
stdout and stderr are checked together, as a user would see them.
"""

import argparse
import re
import subprocess
import sys


def pair(text):
    regex, _, number = text.rpartition('=')
    return re.compile(regex), int(number)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--exit', type=int, default=0)
    parser.add_argument('--match', action='append', default=[], type=re.compile)
    parser.add_argument('--absent', action='append', default=[], type=re.compile)
    parser.add_argument('--count', action='append', default=[], type=pair)
    parser.add_argument('--max', action='append', default=[], type=pair)
    parser.add_argument('--order', action='append', default=[], type=re.compile)
    parser.add_argument('--timeout', type=float, default=120)
    parser.add_argument('command', nargs='+')
    args = parser.parse_args()

    try:
        proc = subprocess.run(args.command, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=args.timeout,
                              text=True, errors='replace')
    except subprocess.TimeoutExpired as e:
        print(f'FAIL: {args.command} did not end within {args.timeout} s')
        print(e.output or '')
        return 1

    lines = proc.stdout.splitlines()
    failures = []
    if proc.returncode != args.exit:
        failures.append(f'exit code {proc.returncode}, expected {args.exit}')
    for regex in args.match:
        if not any(regex.search(line) for line in lines):
            failures.append(f'no line matches {regex.pattern!r}')
    for regex in args.absent:
        if any(regex.search(line) for line in lines):
            failures.append(f'a line matches {regex.pattern!r}, which must not appear')
    for regex, n in args.count:
        got = sum(1 for line in lines if regex.search(line))
        if got != n:
            failures.append(f'{got} lines match {regex.pattern!r}, expected {n}')
    for regex, n in args.max:
        got = sum(1 for line in lines if regex.search(line))
        if got > n:
            failures.append(f'{got} lines match {regex.pattern!r}, at most {n} allowed')
    found = 0
    for line in lines:
        if found < len(args.order) and args.order[found].search(line):
            found += 1
    if found < len(args.order):
        failures.append(f'no line matching {args.order[found].pattern!r} after the lines '
                        f'matching {[r.pattern for r in args.order[:found]]!r}')

    sys.stdout.write(proc.stdout)
    for failure in failures:
        print('FAIL:', failure)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
