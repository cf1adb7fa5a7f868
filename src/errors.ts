// Errors the user can fix: printed as one line, exit code 2, nothing written.
export class UsageError extends Error {
  override readonly name = "UsageError";
}
