#!/usr/bin/env python3
"""Adds the other platforms' optional @biomejs/cli-* entries to package-lock.json.

This machine's npm mirror serves only linux-x64 binaries, so `npm install` here leaves the
optional @biomejs/cli-<platform> packages for every other platform out of package-lock.json.
`npm ci` then refuses the lockfile, because it no longer matches what package.json asks for
(biome lists all of them as optional dependencies). This script writes the missing entries,
with biome's version, os/cpu/libc and license, so the lockfile is complete again.

Run it after every `npm install`:

    python3 scripts/complete-lockfile.py [path/to/package-lock.json]

The path defaults to package-lock.json in the current directory.
"""

import json
import sys

PLATFORMS = {
    'android-arm64': (['android'], ['arm64'], None),
    'android-x64': (['android'], ['x64'], None),
    'darwin-arm64': (['darwin'], ['arm64'], None),
    'darwin-x64': (['darwin'], ['x64'], None),
    'linux-arm64-musl': (['linux'], ['arm64'], ['musl']),
    'linux-x64-musl': (['linux'], ['x64'], ['musl']),
    'win32-arm64': (['win32'], ['arm64'], None),
    'win32-x64': (['win32'], ['x64'], None),
}


def complete(path):
    with open(path) as file:
        lock = json.load(file)
    packages = lock['packages']
    version = packages['node_modules/@biomejs/biome']['version']
    for name, (os_, cpu, libc) in PLATFORMS.items():
        key = 'node_modules/@biomejs/cli-%s' % name
        if key in packages:
            continue
        entry = {'version': version, 'cpu': cpu, 'dev': True}
        if libc:
            entry['libc'] = libc
        entry.update({
            'license': 'MIT OR Apache-2.0',
            'optional': True,
            'os': os_,
            'engines': {'node': '>=14.21.3'},
        })
        packages[key] = entry
    # npm keeps the root entry ('') first and the rest sorted by path.
    lock['packages'] = dict(sorted(packages.items(), key=lambda kv: (kv[0] != '', kv[0])))
    with open(path, 'w') as file:
        json.dump(lock, file, indent=2)
        file.write('\n')


if __name__ == '__main__':
    complete(sys.argv[1] if len(sys.argv) > 1 else 'package-lock.json')
