import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { installedNodeFlags } from './compiled-bench.ts'

const LAUNCHER = fileURLToPath(new URL('../../bin/snapwarden.mjs', import.meta.url))

test('a compiled benchmark runs with the node flags the installed command gets from its launcher', () => {
  const flags = installedNodeFlags()
  assert.deepEqual(flags, ['--max-semi-space-size=8'])
  // The launcher, run as a command, execs node with exactly those flags before itself (sh reads its
  // second line; node, which runs the rest, reads that line as a string and a comment).
  const shown = execFileSync('/bin/sh', ['-c', `PATH="$BIN:$PATH" "$LAUNCHER" --version`], {
    env: { ...process.env, REAL_NODE: process.execPath, BIN: fileURLToPath(new URL('./testing/fake-node/', import.meta.url)), LAUNCHER },
    encoding: 'utf8',
  })
  assert.equal(shown.trim(), JSON.stringify([...flags, LAUNCHER, '--version']))
})

test('a launcher without the exec line is refused, naming what is missing', () => {
  assert.throws(() => installedNodeFlags('#!/usr/bin/env node\nconsole.log(1)\n'), /bin\/snapwarden\.mjs has no line .*exec node <flags>/)
  assert.deepEqual(installedNodeFlags(`#!/bin/sh\n':' //; exec node --a=1  --b "$0" "$@"\n`), ['--a=1', '--b'])
})
