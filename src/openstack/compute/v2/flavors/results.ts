export interface Flavor {
  readonly id: string
  readonly name: string
  readonly ramMb: number
  readonly diskGb: number
  readonly vcpus: number
}

interface FlavorBody {
  id: string
  name: string
  ram: number
  disk: number
  vcpus: number
}

export function parseFlavor(raw: unknown): Flavor {
  const b = raw as FlavorBody
  return { id: b.id, name: b.name, ramMb: b.ram, diskGb: b.disk, vcpus: b.vcpus }
}
