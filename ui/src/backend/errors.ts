import { t } from '../i18n/index.svelte';
import { API_ERROR_CODES, type ApiError, type ApiErrorCode } from './types';

/** An `ApiError` that is also a real `Error`, so it keeps a stack and can be thrown. */
export class BackendError extends Error implements ApiError {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
  }
}

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && (API_ERROR_CODES as readonly string[]).includes(value);
}

/** True for a well-formed `{ code, message }` with a known code. */
export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isApiErrorCode(v.code) && typeof v.message === 'string';
}

/**
 * Turns anything a backend call can reject with into a `BackendError`: a well-formed ApiError
 * keeps its code; anything else (a string from Tauri, a TypeError from fetch) becomes `internal`.
 */
export function toBackendError(value: unknown): BackendError {
  if (value instanceof BackendError) return value;
  if (isApiError(value)) return new BackendError(value.code, value.message);
  if (value instanceof Error) return new BackendError('internal', value.message);
  if (typeof value === 'string') return new BackendError('internal', value);
  return new BackendError('internal', t('app.unexpected_error'));
}

/** The code for an HTTP failure whose body is not an ApiError (a proxy page, an empty body). */
export function codeForHttpStatus(status: number): ApiErrorCode {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 400 || status === 409 || status === 422) return 'invalid_input';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  return 'internal';
}
