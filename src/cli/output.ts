/** Human output (aligned tables) and --json output on stdout. */

export interface Out {
  line(text?: string): void
  json(value: unknown): void
}

export function stdoutOut(stream: NodeJS.WritableStream = process.stdout): Out {
  return {
    line: (text = '') => void stream.write(`${text}\n`),
    json: (value) => void stream.write(`${JSON.stringify(value, null, 2)}\n`),
  }
}

/** Renders rows as an aligned text table with a header. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map(cell))]
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)))
  const fmt = (r: readonly unknown[]) =>
    r
      .map((c, i) => String(c ?? '').padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [fmt(headers), fmt(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(fmt)].join('\n')
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z')
  if (Array.isArray(v)) return v.join(',')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}
