/**
 * The body oslo.policy's HttpCheck sends (`http:`/`https:` rules): `rule`, `target` and
 * `credentials`, each JSON-encoded in a form (`remote_content_type` application/x-www-form-urlencoded,
 * the default) or as members of one JSON object (`application/json`). `curl -X POST` with no body
 * (Staffeln's README) is accepted too: no target.
 */

export interface PolicyRequest {
  /** The policy target (for Cinder: the object's fields, e.g. `id`, `project_id`, `metadata`). */
  readonly target?: Readonly<Record<string, unknown>>
  readonly credentials?: Readonly<Record<string, unknown>>
  readonly rule?: unknown
}

export type ParsedPolicyRequest =
  | { readonly ok: true; readonly request: PolicyRequest }
  | { readonly ok: false; readonly status: 400 | 415; readonly reason: string }

const FIELDS = ['rule', 'target', 'credentials'] as const
type Field = (typeof FIELDS)[number]

/** Parses the raw body by its content type; never throws. */
export function parsePolicyRequest(contentType: string | undefined, body: string | undefined): ParsedPolicyRequest {
  if (body === undefined || body.trim() === '') return { ok: true, request: {} }
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (media === 'application/x-www-form-urlencoded') return fromForm(body)
  if (media === 'application/json') return fromJson(body)
  return {
    ok: false,
    status: 415,
    reason: `content type "${media || '(none)'}" is not accepted; accepted: application/x-www-form-urlencoded or application/json (oslo.policy's remote_content_type)`,
  }
}

function fromForm(body: string): ParsedPolicyRequest {
  // One pass over the fields (the hot path: Cinder sends ~2 kB per delete); only ours are decoded.
  const raw: Partial<Record<Field, string>> = {}
  for (const pair of body.split('&')) {
    const eq = pair.indexOf('=')
    const name = eq < 0 ? pair : pair.slice(0, eq)
    if (name !== 'rule' && name !== 'target' && name !== 'credentials') continue
    if (raw[name] !== undefined) return bad(`form field "${name}" is given more than once; accepted: once`)
    raw[name] = eq < 0 ? '' : pair.slice(eq + 1)
  }
  const values: Partial<Record<Field, unknown>> = {}
  for (const field of FIELDS) {
    const encoded = raw[field]
    if (encoded === undefined) continue
    try {
      values[field] = JSON.parse(decodeURIComponent(encoded.replace(/\+/g, ' ')))
    } catch {
      return bad(`form field "${field}" is not JSON; accepted: a JSON value, as oslo.policy encodes it`)
    }
  }
  return shape(values, 'form field')
}

function fromJson(body: string): ParsedPolicyRequest {
  let doc: unknown
  try {
    doc = JSON.parse(body)
  } catch {
    return bad('the JSON body is not valid JSON')
  }
  if (!isObject(doc)) return bad('the JSON body is not an object; accepted: {"rule": …, "target": {…}, "credentials": {…}}')
  const values: Partial<Record<Field, unknown>> = {}
  for (const field of FIELDS) if (Object.hasOwn(doc, field)) values[field] = doc[field]
  return shape(values, 'JSON member')
}

function shape(values: Partial<Record<Field, unknown>>, where: string): ParsedPolicyRequest {
  const { target, credentials, rule } = values
  if (target !== undefined && !isObject(target)) return bad(`${where} "target" is not an object; accepted: a JSON object`)
  if (credentials !== undefined && credentials !== null && !isObject(credentials)) {
    return bad(`${where} "credentials" is not an object; accepted: a JSON object`)
  }
  return {
    ok: true,
    request: {
      ...(target !== undefined ? { target } : {}),
      ...(isObject(credentials) ? { credentials } : {}),
      ...(rule !== undefined ? { rule } : {}),
    },
  }
}

function bad(reason: string): ParsedPolicyRequest {
  return { ok: false, status: 400, reason }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
