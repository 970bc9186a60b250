import { createPrng, type Prng } from './prng.ts'
import type { SimResourceKind } from './sim-types.ts'

/** What a fault does to one call. */
export type FaultAction =
  /** Answer with this status (5xx usually) and the service's error body, without doing the call. */
  | { readonly kind: 'status'; readonly status: number }
  /** Destroy the socket before doing anything. */
  | { readonly kind: 'reset' }
  /** Wait this long (on the simulator's sleep) before handling; with `until`, also until it settles
   *  (a call the test holds back and releases). */
  | { readonly kind: 'latency'; readonly ms: number; readonly until?: PromiseLike<unknown> }
  /** 429 with Retry-After, without doing the call. */
  | { readonly kind: 'rateLimit'; readonly retryAfterSeconds: number }
  /** Do the call (a create really happens), then destroy the socket instead of answering. With
   *  `atOnce`, the socket is destroyed as the request arrives (the client gives up at once, as on its
   *  own timeout) and the call is still done after any latency or hold. */
  | { readonly kind: 'loseResponse'; readonly atOnce?: boolean }

export interface FaultRule {
  /** Route template as counted by `calls()`, e.g. `POST /volume/v3/{project_id}/snapshots`;
   *  without a method prefix it matches every method. Omitted: every route. */
  readonly route?: string
  readonly action: FaultAction
  /** Probability for each matching call, drawn from the seeded PRNG. Default 1. */
  readonly rate?: number
  /** Fire at most this many times. Default unlimited. */
  readonly times?: number
}

interface LiveRule {
  readonly rule: FaultRule
  fired: number
}

interface FailSpec {
  readonly rate: number
  remaining: number
}

/** Seeded, deterministic fault injection: the same seed and call sequence give the same faults. */
export class SimFaults {
  private readonly prng: Prng
  private rules: LiveRule[] = []
  private readonly stuckByKind = new Map<SimResourceKind, Set<string>>()
  private readonly stuckById = new Map<string, Set<string>>()
  private readonly failing = new Map<SimResourceKind, FailSpec>()
  private onExpireTokens: () => void = () => {}

  constructor(seed: number) {
    this.prng = createPrng(seed ^ 0x5eed5)
  }

  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const live: LiveRule = { rule, fired: 0 }
    this.rules.push(live)
    return () => {
      this.rules = this.rules.filter((r) => r !== live)
    }
  }

  errorRate(rate: number, opts: { status?: number; route?: string; times?: number } = {}): () => void {
    return this.add({ action: { kind: 'status', status: opts.status ?? 500 }, rate, route: opts.route, times: opts.times })
  }

  resetRate(rate: number, opts: { route?: string; times?: number } = {}): () => void {
    return this.add({ action: { kind: 'reset' }, rate, route: opts.route, times: opts.times })
  }

  latency(ms: number, opts: { route?: string; rate?: number } = {}): () => void {
    return this.add({ action: { kind: 'latency', ms }, rate: opts.rate, route: opts.route })
  }

  rateLimit(retryAfterSeconds: number, opts: { route?: string; rate?: number; times?: number } = {}): () => void {
    return this.add({ action: { kind: 'rateLimit', retryAfterSeconds }, rate: opts.rate, route: opts.route, times: opts.times })
  }

  /**
   * The next `times` matching calls happen but their answers are lost (socket reset). With
   * `landAfter`, the answer is lost at once and the call is done only when `landAfter` settles: a
   * create that outlived the client's timeout and landed after the client had moved on.
   */
  loseResponse(route: string, times = 1, opts: { landAfter?: PromiseLike<unknown> } = {}): () => void {
    if (opts.landAfter === undefined) return this.add({ action: { kind: 'loseResponse' }, route, times })
    const removeHold = this.hold(route, opts.landAfter, { times })
    const removeLose = this.add({ action: { kind: 'loseResponse', atOnce: true }, route, times })
    return () => {
      removeHold()
      removeLose()
    }
  }

  /** The next `times` matching calls (default every one) wait until `until` settles before they are handled. */
  hold(route: string, until: PromiseLike<unknown>, opts: { times?: number } = {}): () => void {
    return this.add({ action: { kind: 'latency', ms: 0, until }, route, times: opts.times })
  }

  /** Resources of this kind (or only `id`) never leave `status` while stuck. */
  stick(kind: SimResourceKind, status: string, id?: string): void {
    const map = id === undefined ? this.stuckByKind : this.stuckById
    const key = id ?? kind
    const set = (map as Map<string, Set<string>>).get(key) ?? new Set<string>()
    set.add(status)
    ;(map as Map<string, Set<string>>).set(key, set)
  }

  unstick(): void {
    this.stuckByKind.clear()
    this.stuckById.clear()
  }

  isStuck(kind: SimResourceKind, id: string, status: string): boolean {
    return this.stuckByKind.get(kind)?.has(status) === true || this.stuckById.get(id)?.has(status) === true
  }

  /** Transitions of this kind end in `error` (create) or `error_deleting` (delete). */
  failTransitions(kind: SimResourceKind, opts: { rate?: number; times?: number } = {}): void {
    this.failing.set(kind, { rate: opts.rate ?? 1, remaining: opts.times ?? Number.POSITIVE_INFINITY })
  }

  shouldFail(kind: SimResourceKind): boolean {
    const spec = this.failing.get(kind)
    if (spec === undefined || spec.remaining <= 0) return false
    if (spec.rate < 1 && this.prng.next() >= spec.rate) return false
    spec.remaining -= 1
    return true
  }

  /** Every token issued so far expires now (the next use answers 401). */
  expireTokensNow(): void {
    this.onExpireTokens()
  }

  /** @internal wired by the simulator. */
  setTokenExpirer(fn: () => void): void {
    this.onExpireTokens = fn
  }

  clear(): void {
    this.rules = []
    this.unstick()
    this.failing.clear()
  }

  /** The actions that fire for one call, in rule order. */
  pick(method: string, template: string): FaultAction[] {
    const out: FaultAction[] = []
    for (const live of this.rules) {
      const { rule } = live
      if (!routeMatches(rule.route, method, template)) continue
      if (rule.times !== undefined && live.fired >= rule.times) continue
      const rate = rule.rate ?? 1
      if (rate < 1 && this.prng.next() >= rate) continue
      live.fired += 1
      out.push(rule.action)
    }
    return out
  }
}

function routeMatches(route: string | undefined, method: string, template: string): boolean {
  if (route === undefined) return true
  const space = route.indexOf(' ')
  if (space > 0 && /^[A-Z]+$/.test(route.slice(0, space))) return route === `${method} ${template}`
  return route === template
}
