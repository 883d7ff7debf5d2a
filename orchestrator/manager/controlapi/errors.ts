/**
 * Errors as the Docker daemon returns SwarmKit's gRPC errors: the text carries the gRPC code
 * (`rpc error: code = InvalidArgument desc = ...`) and the HTTP status follows it (InvalidArgument and
 * FailedPrecondition 400, NotFound 404, AlreadyExists 409, Unimplemented 501).
 */
import { ApiError } from '../../api/errors.js';

const rpc = (status: number, code: string) => (message: string) =>
  new ApiError(status, `rpc error: code = ${code} desc = ${message}`);

export const failedPrecondition = rpc(400, 'FailedPrecondition');
export const invalidArgument = rpc(400, 'InvalidArgument');
export const unknownError = rpc(400, 'Unknown');
export const alreadyExists = rpc(409, 'AlreadyExists');
export const unimplemented = rpc(501, 'Unimplemented');
export const permissionDenied = rpc(403, 'PermissionDenied');

/** A daemon-side error without a gRPC code (the daemon's own validation). */
export const invalidParameter = (message: string) => new ApiError(400, message);
export const notFoundError = (message: string) => new ApiError(404, message);
export const conflictError = (message: string) => new ApiError(409, message);
export const forbidden = (message: string) => new ApiError(403, message);
