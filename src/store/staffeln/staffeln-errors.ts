import { AppError, type ErrorCode } from '../../domain/errors.ts'

/** Staffeln's database cannot be opened, reached, logged into or read. Nothing was adopted. */
export class StaffelnUnavailableError extends AppError {
  readonly code = 'STAFFELN_UNAVAILABLE' satisfies ErrorCode
}

/** The database lacks a table or column of Staffeln's schema (not Staffeln's database, or too old). */
export class StaffelnSchemaError extends AppError {
  readonly code = 'STAFFELN_SCHEMA' satisfies ErrorCode
}
