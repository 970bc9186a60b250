import { parseRequiredWireTime, parseWireTime } from '../../../core/wire-time.ts'

export interface Server {
  readonly id: string
  readonly name: string
  readonly status: string
  /** `tenant_id`. */
  readonly projectId: string | undefined
  readonly userId: string | undefined
  readonly metadata: Readonly<Record<string, string>>
  /** From `os-extended-volumes:volumes_attached`. */
  readonly volumeIds: readonly string[]
  readonly availabilityZone: string | undefined
  readonly hostId: string | undefined
  readonly createdAt: Date
  readonly updatedAt: Date | undefined
}

/** What a create answers: the id (the admin password Nova may add is dropped). */
export interface CreatedServer {
  readonly id: string
}

interface ServerBody {
  id: string
  name: string
  status: string
  tenant_id?: string
  user_id?: string
  metadata?: Record<string, string> | null
  'os-extended-volumes:volumes_attached'?: { id: string }[]
  'OS-EXT-AZ:availability_zone'?: string | null
  hostId?: string | null
  created: string
  updated?: string | null
}

export function parseServer(raw: unknown): Server {
  const b = raw as ServerBody
  return {
    id: b.id,
    name: b.name,
    status: b.status,
    projectId: b.tenant_id,
    userId: b.user_id,
    metadata: b.metadata ?? {},
    volumeIds: (b['os-extended-volumes:volumes_attached'] ?? []).map((v) => v.id),
    availabilityZone: b['OS-EXT-AZ:availability_zone'] ?? undefined,
    hostId: b.hostId || undefined,
    createdAt: parseRequiredWireTime(b.created),
    updatedAt: parseWireTime(b.updated),
  }
}

