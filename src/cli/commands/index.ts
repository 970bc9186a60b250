/** Every CLI command, in the order `--help` lists them. */
import { adoptStaffelnCommand } from './adopt.ts'
import { apiCommand } from './api.ts'
import { backupExpireCommand, backupListCommand, backupPlanCommand, backupRunCommand } from './backup.ts'
import { daemonCommand } from './daemon.ts'
import { dbMigrateCommand, dbStatusCommand } from './db.ts'
import { inventoryCommand } from './inventory.ts'
import { simulatorCommand } from './simulator.ts'
import { metadefsCommand } from './metadefs.ts'
import { policiesCommand } from './policies.ts'
import { reportCommand } from './report.ts'
import { createSnapshotsCommand, expireSnapshotsCommand, planCommand, runCommand } from './snapshot-cycle-commands.ts'
import { subscribeCommand, unsubscribeCommand } from './subscribe.ts'

export const COMMANDS = [
  inventoryCommand,
  runCommand,
  planCommand,
  createSnapshotsCommand,
  expireSnapshotsCommand,
  policiesCommand,
  subscribeCommand,
  unsubscribeCommand,
  metadefsCommand,
  backupRunCommand,
  backupExpireCommand,
  backupListCommand,
  backupPlanCommand,
  reportCommand,
  daemonCommand,
  apiCommand,
  dbMigrateCommand,
  dbStatusCommand,
  adoptStaffelnCommand,
  simulatorCommand,
] as const
