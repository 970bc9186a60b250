/** A progress bar on a terminal, plain lines in a pipe (both on stderr, stdout stays for results). */
import type { SnapshotProgress } from '../executor/run-snapshot-plan.ts'

export interface ProgressPrinter {
  update(p: SnapshotProgress): void
  done(): void
}

export function progressPrinter(isTTY: boolean, stream: NodeJS.WritableStream = process.stderr): ProgressPrinter {
  let drawn = false
  return {
    update(p) {
      if (p.item.action === 'keep' || p.item.action === 'skip') return
      if (isTTY) {
        const width = 30
        const filled = Math.round((p.done / Math.max(1, p.total)) * width)
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}`)
        drawn = true
      } else {
        const subject = p.item.action === 'create' ? p.item.name : p.item.snapshotId
        stream.write(`${p.done}/${p.total} ${p.item.action} ${subject} ${p.status}\n`)
      }
    },
    done() {
      if (drawn) stream.write('\n')
    },
  }
}
