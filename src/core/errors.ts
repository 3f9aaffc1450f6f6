// Runtime errors: one base class and a closed set of stable codes; callers
// branch on err.code, never on message text. User input never reaches here:
// it returns diagnostics (src/config/diagnostics.ts).

export type AcesimErrorCode =
  | 'ACESIM_ERR_IO'
  | 'ACESIM_ERR_USAGE'
  | 'ACESIM_ERR_BIND'
  | 'ACESIM_ERR_NOT_PERMITTED'
  | 'ACESIM_ERR_TIMEOUT'
  | 'ACESIM_ERR_ABORTED'
  | 'ACESIM_ERR_NO_SERVER'
  | 'ACESIM_ERR_INTERNAL';

export class AcesimError extends Error {
  readonly code: AcesimErrorCode;

  constructor(code: AcesimErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AcesimError';
    this.code = code;
  }
}

export function isAcesimError(err: unknown, code?: AcesimErrorCode): err is AcesimError {
  return err instanceof AcesimError && (code === undefined || err.code === code);
}
