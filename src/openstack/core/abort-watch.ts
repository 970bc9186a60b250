/**
 * One `abort` listener per signal, however many requests wait on it. A cycle's requests share its
 * signal: a listener each (16 creates in flight, a round of parallel pages) passes Node's limit of
 * 10 and prints "MaxListenersExceededWarning: Possible EventTarget memory leak detected" on the
 * operator's terminal, though nothing leaks. Here the signal holds one listener while anything
 * watches it, and that listener calls every callback watching at that moment.
 */
interface Watched {
  readonly callbacks: Set<() => void>
  readonly fire: () => void
}

const watched = new WeakMap<AbortSignal, Watched>()

/**
 * Calls `onAbort` once when `signal` aborts (not if it already has: the caller checks that first),
 * unless the returned function was called before. Stopping twice is harmless.
 */
export function watchAbort(signal: AbortSignal, onAbort: () => void): () => void {
  let w = watched.get(signal)
  if (w === undefined) {
    const callbacks = new Set<() => void>()
    const fire = (): void => {
      watched.delete(signal)
      for (const f of callbacks) f()
      callbacks.clear()
    }
    w = { callbacks, fire }
    watched.set(signal, w)
    signal.addEventListener('abort', fire, { once: true })
  }
  // A function of its own per watch: the same callback watched twice is stopped once each.
  const entry = (): void => onAbort()
  const { callbacks, fire } = w
  callbacks.add(entry)
  return () => {
    if (!callbacks.delete(entry) || callbacks.size > 0) return
    if (watched.get(signal)?.callbacks === callbacks) watched.delete(signal)
    signal.removeEventListener('abort', fire)
  }
}
