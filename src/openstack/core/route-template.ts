/**
 * A request's route with ids replaced, e.g. `backups/{id}` for `…/v3/<project>/backups/<uuid>?x=1`:
 * what request counters count by (bounded label values: no ids, no query).
 */

/** UUIDs (with or without dashes, as Keystone writes project ids) and plain numbers. */
const ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|\d+)$/i

/**
 * The URL's path relative to `endpoint` when it lies under it (`backups/detail`), else its absolute
 * path (`/v3/`); every id segment becomes `{id}`; query and fragment are dropped. The endpoint
 * itself is `/`.
 */
export function routeTemplate(url: string, endpoint?: string): string {
  const bare = url.replace(/[?#].*$/, '')
  let path: string
  if (endpoint !== undefined && bare.startsWith(endpoint)) path = bare.slice(endpoint.length)
  else {
    try {
      path = new URL(bare).pathname
    } catch {
      path = bare
    }
  }
  if (path === '') return '/'
  return path
    .split('/')
    .map((s) => (ID.test(s) ? '{id}' : s))
    .join('/')
}
