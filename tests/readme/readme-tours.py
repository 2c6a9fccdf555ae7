#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs every program of README.md and checks what it prints.

Each ```c, ```python, ```js and ```vala block of the README is a whole
program; the ```text block right after it is what it prints. The C and Vala
ones are compiled against the build tree, the Python and GJS ones run with
the build tree's typelib, PyGObject override and GJS module. Any other
language (but ```sh, commands to type, and ```text) is an error, so that no
tour escapes the check.

    readme-tours.py README.md SOURCE_ROOT BUILD_ROOT
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile

BLOCK = re.compile(r'^```(\w*)\n(.*?)^```\n', re.M | re.S)
TIMEOUT_S = 120  # only a guard against a hang


def tours(text):
    """(line, language, code, expected output) for each program."""
    blocks = [(text.count('\n', 0, m.start()) + 1, m.group(1), m.group(2), m.end(), m.start())
              for m in BLOCK.finditer(text)]
    found = []
    for i, (line, language, code, end, _) in enumerate(blocks):
        if language in ('sh', 'text'):
            continue
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if following is None or following[1] != 'text' or text[end:following[4]].strip():
            raise SystemExit(f'README.md:{line}: a ```{language} block without its '
                             '```text output right after it')
        found.append((line, language, code, following[2]))
    return found


def pkg_config(*args):
    return shlex.split(subprocess.check_output(['pkg-config', *args], text=True))


class Runner:
    def __init__(self, source_root, build_root, workdir):
        self.source_root = source_root
        self.build_root = build_root
        self.workdir = workdir
        self.env = dict(os.environ)
        for name, path in (('LD_LIBRARY_PATH', 'pod-glib'), ('GI_TYPELIB_PATH', 'introspection')):
            self.env[name] = os.pathsep.join(filter(None, [os.path.join(build_root, path),
                                                           self.env.get(name)]))
        for name, path in (('PYTHONPATH', 'bindings/python'), ('GJS_PATH', 'bindings/gjs')):
            self.env[name] = os.pathsep.join(filter(None, [os.path.join(source_root, path),
                                                           self.env.get(name)]))

    def c_flags(self):
        return ['-I' + os.path.join(self.source_root, 'pod-glib'),
                '-I' + os.path.join(self.build_root, 'pod-glib'),
                *pkg_config('--cflags', 'gio-2.0')]

    def link_flags(self):
        return ['-L' + os.path.join(self.build_root, 'pod-glib'), '-lpod-glib-1',
                *pkg_config('--libs', 'gio-2.0')]

    def write(self, name, code):
        path = os.path.join(self.workdir, name)
        with open(path, 'w') as f:
            f.write(code)
        return path

    def command(self, line, language, code):
        """The command that runs the program, after compiling it if need be."""
        name = f'tour{line}'
        if language == 'python':
            return ['/usr/bin/python3', self.write(name + '.py', code)]
        if language == 'js':
            return ['gjs', self.write(name + '.js', code)]
        exe = os.path.join(self.workdir, name)
        if language == 'c':
            compile_ = [os.environ.get('CC', 'cc'), '-Wall', '-Werror', '-o', exe,
                        self.write(name + '.c', code), *self.c_flags(), *self.link_flags()]
        elif language == 'vala':
            compile_ = ['valac', '--target-glib=2.74', '-o', exe,
                        '--vapidir', os.path.join(self.build_root, 'introspection'),
                        '--pkg', 'pod-glib-1', '--pkg', 'gio-2.0',
                        *[arg for flag in self.c_flags() + self.link_flags() + ['-w']
                          for arg in ('-X', flag)],
                        self.write(name + '.vala', code)]
        else:
            raise SystemExit(f'README.md:{line}: no way to run a ```{language} block')
        subprocess.run(compile_, check=True, cwd=self.workdir, timeout=TIMEOUT_S)
        return [exe]

    def run(self, line, language, code, expected):
        argv = self.command(line, language, code)
        done = subprocess.run(argv, cwd=self.workdir, env=self.env, text=True,
                              stdout=subprocess.PIPE, timeout=TIMEOUT_S)
        if done.returncode != 0 or done.stdout != expected:
            print(f'FAIL README.md:{line} ({language}): exit status {done.returncode}, printed:\n'
                  f'{done.stdout}--- instead of:\n{expected}---')
            return False
        print(f'ok README.md:{line} ({language})')
        return True


def main():
    readme, source_root, build_root = sys.argv[1:4]
    with open(readme) as f:
        programs = tours(f.read())
    with tempfile.TemporaryDirectory() as workdir:
        runner = Runner(os.path.abspath(source_root), os.path.abspath(build_root), workdir)
        results = [runner.run(*program) for program in programs]
    print(f'{results.count(True)} of {len(results)} README programs print what they say')
    return 0 if programs and all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
