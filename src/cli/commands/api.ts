/**
 * `api`: serve the protection API alone (Staffeln's staffeln-api): Cinder's backup:delete policy
 * asks `POST /v1/backup?backup_id=<id>` and gets `True` (a non-admin may delete) or `False`.
 */
import { onShutdown } from '../../daemon/signals.ts'
import { UserError } from '../../domain/errors.ts'
import { defineCommand } from '../command.ts'
import type { CliDeps } from '../deps.ts'
import { EXIT } from '../exit-codes.ts'
import { storeUrl } from '../open-store.ts'
import { ACCEPT_MODES, isProtectionWorker, leaveCluster, onStopMessage, startProtectionCluster, type AcceptMode } from '../protection-cluster.ts'
import { startProtectionServer, type ProtectionTlsFiles } from '../protection-server.ts'

interface Options {
  readonly host?: string
  readonly port?: number
  readonly db?: string
  readonly tlsCert?: string
  readonly tlsKey?: string
  readonly tlsClientCa?: string
  readonly workers?: number
  readonly accept?: AcceptMode
}

/** Most worker processes `--workers` accepts. */
const MAX_WORKERS = 16

export const apiCommand = defineCommand<Options>({
  name: 'api',
  summary: "serve the protection API that Cinder's backup:delete policy asks (Staffeln's API, fail-closed)",
  configure: (cmd) =>
    cmd
      .option('--bind-address <host:port>', 'listener (default 127.0.0.1:8808 or config protection.bind/protection.port)')
      .option('--db <url>', 'the store to read: sqlite:<path>, a path or postgres://… (default SNAPWARDEN_DB, config database.url, then SQLite in the state directory)')
      .option('--tls-cert <file>', 'PEM server certificate: serve HTTPS (default config protection.tls.cert_file)')
      .option('--tls-key <file>', 'PEM private key of --tls-cert (default config protection.tls.key_file)')
      .option('--tls-client-ca <file>', 'PEM CA: require client certificates it signed (default config protection.tls.client_ca_file)')
      .option('--workers <n>', `processes serving the API on the same listener (node:cluster), 1 to ${MAX_WORKERS} (default 1)`)
      .option(
        '--accept <mode>',
        'with --workers: who accepts connections: workers (each from the shared socket; for a new connection per check, as oslo.policy makes) or primary (hands them to the workers in turn; for long-lived keep-alive connections) (default workers)',
      ),
  parseOptions(raw) {
    let host: string | undefined
    let port: number | undefined
    if (typeof raw.bindAddress === 'string') {
      const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(raw.bindAddress)
      if (!m || Number(m[2]) > 65535) throw new UserError(`--bind-address "${raw.bindAddress}": accepted: host:port such as 127.0.0.1:8808`)
      host = m[1]!.replace(/^\[|\]$/g, '')
      port = Number(m[2])
    }
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
    const opts: Options = {
      ...(host !== undefined ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(str(raw.db) !== undefined ? { db: str(raw.db)! } : {}),
      ...(str(raw.tlsCert) !== undefined ? { tlsCert: str(raw.tlsCert)! } : {}),
      ...(str(raw.tlsKey) !== undefined ? { tlsKey: str(raw.tlsKey)! } : {}),
      ...(str(raw.tlsClientCa) !== undefined ? { tlsClientCa: str(raw.tlsClientCa)! } : {}),
    }
    if (raw.workers !== undefined) {
      const n = Number(raw.workers)
      if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
        throw new UserError(`--workers "${String(raw.workers)}": accepted: a whole number from 1 to ${MAX_WORKERS}`)
      }
      ;(opts as { workers?: number }).workers = n
    }
    if (raw.accept !== undefined) {
      const mode = ACCEPT_MODES.find((m) => m === raw.accept)
      if (mode === undefined) throw new UserError(`--accept "${String(raw.accept)}": accepted: ${ACCEPT_MODES.join(' or ')}`)
      if ((opts.workers ?? 1) < 2) throw new UserError(`--accept ${mode} needs --workers 2 or more (one process accepts its own connections)`)
      ;(opts as { accept?: AcceptMode }).accept = mode
    }
    if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
      throw new UserError(`--tls-cert and --tls-key go together: ${opts.tlsCert === undefined ? '--tls-key' : '--tls-cert'} was given alone`)
    }
    if (opts.tlsClientCa !== undefined && opts.tlsCert === undefined) {
      throw new UserError('--tls-client-ca needs --tls-cert and --tls-key (client certificates are checked over HTTPS only)')
    }
    return opts
  },
  async run(opts, deps) {
    if (!isProtectionWorker()) return serve(opts, deps)
    // A worker of `--workers N`: however it ends, it leaves the cluster so its process can exit.
    try {
      return await serve(opts, deps)
    } finally {
      leaveCluster()
    }
  },
})

async function serve(opts: Options, deps: CliDeps): Promise<number> {
  const config = deps.config().protection
  let tls: ProtectionTlsFiles | undefined
  let tlsSource = { cert: 'protection.tls.cert_file', key: 'protection.tls.key_file', clientCa: 'protection.tls.client_ca_file' }
  if (opts.tlsCert !== undefined && opts.tlsKey !== undefined) {
    tls = { certFile: opts.tlsCert, keyFile: opts.tlsKey, ...(opts.tlsClientCa !== undefined ? { clientCaFile: opts.tlsClientCa } : {}) }
    tlsSource = { cert: '--tls-cert', key: '--tls-key', clientCa: '--tls-client-ca' }
  } else if (config.tls) {
    tls = {
      certFile: config.tls.cert_file,
      keyFile: config.tls.key_file,
      ...(config.tls.client_ca_file !== undefined ? { clientCaFile: config.tls.client_ca_file } : {}),
    }
  }
  const workers = opts.workers ?? 1
  if (workers > 1 && !isProtectionWorker()) {
    // The primary: each worker runs this same command line and serves (the branch below).
    const pool = await startProtectionCluster({ workers, accept: opts.accept ?? 'workers', scheme: tls ? 'https' : 'http', logger: deps.logger })
    process.stderr.write(`snapwarden api: serving /v1/backup?backup_id= and /v1/snapshot?snapshot_id= on ${pool.address} (${workers} workers)\n`)
    return new Promise<number>((resolve) => {
      const off = onShutdown(process, async () => {
        await pool.close()
        off()
        resolve(EXIT.ok)
      }, { logger: deps.logger })
      void pool.failed.then((err) => {
        off()
        deps.logger.error({ err: err.message }, 'protection API stopped: its workers keep dying')
        resolve(EXIT.internal)
      })
    })
  }
  const server = await startProtectionServer(
    {
      host: opts.host ?? config.bind,
      port: opts.port ?? config.port,
      storeUrl: storeUrl(deps, opts.db),
      ...(tls ? { tls, tlsSource } : {}),
    },
    deps.logger,
  )
  if (!isProtectionWorker()) process.stderr.write(`snapwarden api: serving /v1/backup?backup_id= and /v1/snapshot?snapshot_id= on ${server.address}\n`)
  await new Promise<void>((resolve) => {
    let stopped = false
    const stop = async () => {
      if (stopped) return
      stopped = true
      await server.close()
      off()
      resolve()
    }
    const off = onShutdown(process, stop, { logger: deps.logger })
    // A worker of `--workers N` also stops when its primary asks (the primary got the signal).
    if (isProtectionWorker()) onStopMessage(() => void stop())
  })
  return EXIT.ok
}
