/**
 * One parameter of a URL's query string, decoded as a form value (`+` is a space): a string,
 * an array when it is given more than once, undefined when absent. A value that cannot be decoded
 * (a broken `%` escape) is kept as it came, so the caller refuses it as not an id.
 */
export function queryParam(search: string, name: string): Record<string, string | string[]> {
  let found: string | string[] | undefined
  let at = 0
  while (at <= search.length && search.length > 0) {
    let end = search.indexOf('&', at)
    if (end < 0) end = search.length
    const eq = search.indexOf('=', at)
    const keyEnd = eq >= 0 && eq < end ? eq : end
    if (decode(search.slice(at, keyEnd)) === name) {
      const value = keyEnd === end ? '' : decode(search.slice(keyEnd + 1, end))
      found = found === undefined ? value : Array.isArray(found) ? [...found, value] : [found, value]
    }
    at = end + 1
  }
  return found === undefined ? {} : { [name]: found }
}

function decode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}
