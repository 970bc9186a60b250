/**
 * A Glance metadata-definitions namespace built from the key registry, so Horizon/Skyline show every
 * key (ours and SnapSentry's) as a form field on volumes. Glance property schemas take JSON-schema-like
 * `type`, `enum`, `minimum`, `maximum`, `pattern` and `default`.
 */
import { METADATA_KEYS } from './metadata-keys.ts'

export interface MetadefProperty {
  readonly title: string
  readonly description: string
  readonly type: 'boolean' | 'string' | 'integer'
  readonly enum?: readonly string[]
  readonly minimum?: number
  readonly maximum?: number
  readonly pattern?: string
  readonly default?: string | number | boolean
}

export interface MetadefsNamespace {
  readonly namespace: string
  readonly display_name: string
  readonly description: string
  readonly visibility: 'public' | 'private'
  readonly protected: boolean
  readonly resource_type_associations: readonly { readonly name: string; readonly properties_target?: string }[]
  readonly properties: Readonly<Record<string, MetadefProperty>>
}

export const METADEFS_NAMESPACE = 'OS::Snapwarden::Snapshots'

export interface MetadefsOptions {
  /**
   * Glance `properties_target` of the OS::Cinder::Volume association. Default `metadata` (volume
   * metadata, as opposed to `image` for volume image metadata).
   */
  readonly propertiesTarget?: string
}

export function buildMetadefsNamespace(opts: MetadefsOptions = {}): MetadefsNamespace {
  const properties: Record<string, MetadefProperty> = {}
  for (const k of METADATA_KEYS) {
    properties[k.key] = {
      title: k.title,
      description: `${k.description} Accepted: ${k.accepted}.`,
      type: k.type,
      ...(k.enum ? { enum: k.enum } : {}),
      ...(k.minimum !== undefined ? { minimum: k.minimum } : {}),
      ...(k.maximum !== undefined ? { maximum: k.maximum } : {}),
      ...(k.pattern !== undefined ? { pattern: k.pattern } : {}),
      ...(k.default !== undefined ? { default: k.default } : {}),
    }
  }
  return {
    namespace: METADEFS_NAMESPACE,
    display_name: 'Snapwarden: snapshot policies',
    description:
      'Snapshot schedules and retention for this volume. x-snapwarden-* keys win over the SnapSentry-compatible x-snapsentry-* keys, field by field.',
    visibility: 'public',
    protected: true,
    resource_type_associations: [{ name: 'OS::Cinder::Volume', properties_target: opts.propertiesTarget ?? 'metadata' }],
    properties,
  }
}
