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
  let rule: string | undefined
  let target: string | undefined
  let credentials: string | undefined
  let at = 0
  while (at <= body.length) {
    let end = body.indexOf('&', at)
    if (end < 0) end = body.length
    const eq = body.indexOf('=', at)
    const nameEnd = eq >= 0 && eq < end ? eq : end
    const name = body.slice(at, nameEnd)
    if (name === 'rule' || name === 'target' || name === 'credentials') {
      const value = nameEnd === end ? '' : body.slice(nameEnd + 1, end)
      if ((name === 'rule' ? rule : name === 'target' ? target : credentials) !== undefined) {
        return bad(`form field "${name}" is given more than once; accepted: once`)
      }
      if (name === 'rule') rule = value
      else if (name === 'target') target = value
      else credentials = value
    }
    at = end + 1
  }
  // Decoded in this order, so the first field that is not JSON is the one named.
  const values: Partial<Record<Field, unknown>> = {}
  for (const field of FIELDS) {
    const encoded = field === 'rule' ? rule : field === 'target' ? target : credentials
    if (encoded === undefined) continue
    try {
      values[field] = JSON.parse(decodeURIComponent(encoded.includes('+') ? encoded.replace(/\+/g, ' ') : encoded))
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
  const request: { target?: Record<string, unknown>; credentials?: Record<string, unknown>; rule?: unknown } = {}
  if (target !== undefined) request.target = target
  if (isObject(credentials)) request.credentials = credentials
  if (rule !== undefined) request.rule = rule
  return { ok: true, request }
}

function bad(reason: string): ParsedPolicyRequest {
  return { ok: false, status: 400, reason }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
