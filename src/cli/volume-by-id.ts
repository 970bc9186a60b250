/** A volume named on the command line (`--volume-id`): an id Cinder does not know is a user error. */
import { toErrorInfo, UserError } from '../domain/errors.ts'
import type { Cloud } from '../domain/ports.ts'
import type { VolumeRef } from '../domain/inventory.ts'

export async function volumeById(cloud: Cloud, volumeId: string): Promise<VolumeRef> {
  try {
    return await cloud.getVolume(volumeId)
  } catch (err) {
    if (toErrorInfo(err).code !== 'OS_NOT_FOUND') throw err
    throw new UserError(`--volume-id "${volumeId}": no such volume (Cinder answered 404); accepted: the id of a volume this credential sees (snapwarden inventory lists them)`, 'CLI_USAGE', { cause: err })
  }
}
