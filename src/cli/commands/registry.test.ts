import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { COMMANDS } from './index.ts'
import { buildProgram } from '../main.ts'
import { COMMAND_TABLE, commandsToLoad as commandsFor, loadCommands, optionsTakingValue } from './registry.ts'

/** As main.ts calls it: the global options that take a value come from the program itself. */
const commandsToLoad = (args: readonly string[]) => commandsFor(args, optionsTakingValue(buildProgram()))

const names = (t: readonly { name: string }[]): string[] => t.map((c) => c.name)

describe('commands/registry.ts: the commands main.ts loads on demand', () => {
  test('lists every command of COMMANDS, in its order, and each loads that very command', async () => {
    assert.deepEqual(names(COMMAND_TABLE), names(COMMANDS))
    const loaded = await loadCommands(COMMAND_TABLE)
    loaded.forEach((c, i) => assert.equal(c, COMMANDS[i], `${COMMAND_TABLE[i]!.name} loads ${c.name}`))
  })

  test('picks the command named by the first word that is not an option or a global option’s value', () => {
    assert.deepEqual(names(commandsToLoad(['create-snapshots', '--all-projects'])), ['create-snapshots'])
    assert.deepEqual(names(commandsToLoad(['--os-cloud', 'plan', '--debug', 'run'])), ['run'], 'the value of --os-cloud is not the command')
    assert.deepEqual(names(commandsToLoad(['-c', 'snapwarden.yaml', '--log-level', 'info', 'plan', '--json'])), ['plan'])
    assert.deepEqual(names(commandsToLoad(['--config=x.yaml', '--simulator', 'inventory'])), ['inventory'])
    assert.deepEqual(names(commandsToLoad(['plan', '--simulator', '--json'])), ['plan'])
    assert.deepEqual(names(commandsToLoad(['backup', 'run', '--all-projects'])), ['backup run', 'backup expire', 'backup list', 'backup plan'])
    assert.deepEqual(names(commandsToLoad(['db', 'status'])), ['db migrate', 'db status'])
  })

  test('the global options that take a value are read from the program (a new one needs no second list)', () => {
    assert.deepEqual([...optionsTakingValue(buildProgram())].sort(), ['--cloud', '--config', '--log-level', '--os-cloud', '-c'])
  })

  test('loads none for --version (commander answers it first), every command for help, no command, an unknown one or after `--`', () => {
    assert.deepEqual(commandsToLoad(['--version']), [])
    assert.deepEqual(commandsToLoad(['--debug', '-V']), [])
    for (const args of [[], ['--help'], ['-V', '--help'], ['help', 'plan'], ['creat-snapshots'], ['--', 'plan'], ['--cloud', 'x']]) {
      assert.equal(commandsToLoad(args), COMMAND_TABLE, JSON.stringify(args))
    }
  })
})
