/**
 * Starts the protection API (for `snapwarden api` and the daemon's `protection.enabled`): a
 * read-only view of the store's tracked backups behind Staffeln's contract, on loopback by default,
 * HTTPS (with required client certificates) when configured.
 */
import { readFileSync } from 'node:fs'
import { buildProtectionApp, type ProtectionApp, type ProtectionTls } from '../api/protection-app.ts'
import { toErrorInfo, UserError } from '../domain/errors.ts'
import type { Logger } from '../domain/logger.ts'
import { openTrackedBackupReader, type TrackedBackupReader } from '../store/index.ts'
import type { CliDeps } from './deps.ts'
import { storeUrl } from './open-store.ts'

export interface ProtectionTlsFiles {
  readonly certFile: string
  readonly keyFile: string
  readonly clientCaFile?: string
}

export interface ProtectionServerSettings {
  readonly host: string
  readonly port: number
  readonly storeUrl: string
  readonly tls?: ProtectionTlsFiles
  /** What set each TLS file, for messages (`--tls-cert` or `protection.tls.cert_file`). */
  readonly tlsSource?: { readonly cert: string; readonly key: string; readonly clientCa: string }
}

export interface ProtectionServer {
  readonly address: string
  readonly app: ProtectionApp
  close(): Promise<void>
}

export async function startProtectionServer(settings: ProtectionServerSettings, logger: Logger): Promise<ProtectionServer> {
  const tls = settings.tls ? readTls(settings.tls, settings.tlsSource) : undefined
  let reader: TrackedBackupReader
  try {
    reader = openTrackedBackupReader(settings.storeUrl)
  } catch (err) {
    throw new UserError(`protection API: ${toErrorInfo(err).message}`, 'CONFIG_INVALID', { cause: err })
  }
  const log = logger.child({ component: 'protection-api' })
  // Not fatal: until the store can be read every answer is False (fail-closed), and it is retried per request.
  await reader.isTracked('snapwarden-startup-probe').catch((err: unknown) => {
    log.error({ store: reader.display, err: toErrorInfo(err) }, 'protection API: the store cannot be read; answering False until it can')
  })
  let app: ProtectionApp
  try {
    app = buildProtectionApp({ lookup: reader, logger: log }, tls ? { tls } : {})
  } catch (err) {
    await reader.close()
    const s = settings.tlsSource ?? { cert: 'protection.tls.cert_file', key: 'protection.tls.key_file' }
    throw new UserError(`${s.cert}/${s.key}: the certificate and key cannot be used: ${toErrorInfo(err).message}; accepted: a PEM certificate and its private key`, 'CONFIG_INVALID', { cause: err })
  }
  if (!isLoopback(settings.host) && !tls) {
    log.warn({ host: settings.host }, 'protection API listens beyond loopback without TLS: configure protection.tls')
  }
  let address: string
  try {
    address = await app.listen({ host: settings.host, port: settings.port })
  } catch (err) {
    await reader.close()
    throw new UserError(`protection API cannot listen on ${settings.host}:${settings.port}: ${toErrorInfo(err).message}`, 'CONFIG_INVALID', {
      cause: err,
    })
  }
  log.info({ address, store: reader.display, tls: tls ? (tls.clientCa ? 'client certificates required' : 'on') : 'off' }, 'protection API listening')
  return {
    address,
    app,
    async close() {
      await app.close()
      await reader.close()
    },
  }
}

function readTls(files: ProtectionTlsFiles, source = { cert: 'protection.tls.cert_file', key: 'protection.tls.key_file', clientCa: 'protection.tls.client_ca_file' }): ProtectionTls {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path)
    } catch (err) {
      throw new UserError(`${what} ${path} cannot be read: ${(err as Error).message}; accepted: a readable PEM file`, 'CONFIG_INVALID', {
        cause: err,
      })
    }
  }
  return {
    cert: read(files.certFile, source.cert),
    key: read(files.keyFile, source.key),
    ...(files.clientCaFile !== undefined ? { clientCa: read(files.clientCaFile, source.clientCa) } : {}),
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}

/**
 * The daemon's protection API: started when the config says `protection.enabled: true`, on
 * `protection.bind`/`protection.port` (TLS from `protection.tls`), reading the daemon's store.
 */
export async function startConfiguredProtection(deps: CliDeps): Promise<ProtectionServer | undefined> {
  const p = deps.config().protection
  if (!p.enabled) return undefined
  return startProtectionServer(
    {
      host: p.bind,
      port: p.port,
      storeUrl: storeUrl(deps),
      ...(p.tls
        ? { tls: { certFile: p.tls.cert_file, keyFile: p.tls.key_file, ...(p.tls.client_ca_file !== undefined ? { clientCaFile: p.tls.client_ca_file } : {}) } }
        : {}),
    },
    deps.logger,
  )
}
