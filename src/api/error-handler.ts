import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import { AppError, type ErrorCode } from '../domain/errors.ts'
import type { Logger } from '../domain/logger.ts'

/** HTTP status per error code; codes not listed are server errors (500). */
export const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  API_BAD_REQUEST: 400,
  API_UNAUTHORIZED: 401,
  API_NOT_FOUND: 404,
  CONFIG_INVALID: 400,
  STORE_UNAVAILABLE: 503,
}

/** The one error body (Fastify's fallbackErrorHandler shape). */
export interface ErrorBody {
  readonly error: string
  readonly code: string
  readonly message: string
  readonly statusCode: number
}

export function errorBody(statusCode: number, code: string, message: string): ErrorBody {
  return { error: STATUS_CODES[statusCode] ?? 'Error', code, message, statusCode }
}

/**
 * AppErrors map to their status with their message; Fastify's own client errors (4xx, e.g. a bad
 * content type) keep theirs; anything else is logged and answered with a generic 500.
 */
export function makeErrorHandler(logger: Logger) {
  return function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
    let body: ErrorBody
    if (err instanceof AppError && STATUS_BY_CODE[err.code] !== undefined) {
      body = errorBody(STATUS_BY_CODE[err.code]!, err.code, err.message)
    } else if (isClientError(err)) {
      body = errorBody(err.statusCode!, err.code ?? 'API_BAD_REQUEST', err.message)
    } else {
      logger.error(
        { method: request.method, url: request.url, err: { name: err.name, message: err.message, stack: err.stack } },
        'unhandled error in HTTP handler',
      )
      body = errorBody(500, 'INTERNAL', 'Internal Server Error')
    }
    return reply.code(body.statusCode).header('cache-control', 'no-store').send(body)
  }
}

function isClientError(err: Error): err is FastifyError {
  const status = (err as Partial<FastifyError>).statusCode
  return typeof status === 'number' && status >= 400 && status < 500
}
