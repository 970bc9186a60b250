import type { Random, Sleep } from '../domain/clock.ts'
import type { Logger } from '../domain/logger.ts'
import type { Cloud, CloudIdentity, ListScope } from '../domain/ports.ts'
import { UserError } from '../domain/errors.ts'
import { DEFAULT_RETRY, withRetry } from '../executor/retry.ts'

/** The listing scope for --all-projects: all_tenants needs an admin credential. */
export async function scopeFor(cloud: Cloud, identity: CloudIdentity, allProjects: boolean): Promise<ListScope> {
  void cloud
  if (!allProjects) return { allProjects: false, projectId: identity.projectId }
  if (!identity.isAdmin) {
    throw new UserError(
      `--all-projects needs an admin credential; ${identity.projectName} has roles [${identity.roles.join(', ')}]`,
      'CLI_USAGE',
    )
  }
  return { allProjects: true }
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

export interface ReadDeps {
  readonly cloud: Cloud
  readonly sleep: Sleep
  readonly random: Random
  readonly logger?: Logger
}

/**
 * A whole read (one listing through every page, or the identity) retried as a unit on transient
 * errors with backoff and jitter; a retried listing starts again from its first page.
 */
export function readWithRetry<T>(deps: ReadDeps, what: string, read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return withRetry(read, {
    ...DEFAULT_RETRY,
    isTransient: (err) => deps.cloud.isTransient(err),
    retryAfterMs: (err) => deps.cloud.retryAfterMs(err),
    sleep: deps.sleep,
    random: deps.random,
    ...(signal ? { signal } : {}),
    onRetry: (info) => deps.logger?.warn({ what, attempt: info.attempt, delayMs: info.delayMs }, `${what} failed transiently; retrying`),
  })
}

/** Lists through every page, retrying the listing as a unit on transient errors. */
export function listAll<T>(deps: ReadDeps, what: string, list: () => AsyncIterable<T>, signal?: AbortSignal): Promise<T[]> {
  return readWithRetry(deps, what, () => collect(list()), signal)
}
