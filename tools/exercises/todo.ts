/**
 * The marker a starter file uses for the part the student writes. `todo("what to do", x, y)`
 * throws a TodoError; passing the variables the missing code needs keeps the starter free of
 * "declared but never read" errors under the project's strict compiler settings.
 * The checker reports it as "file:line: TODO - what to do", never as a stack trace.
 */
export class TodoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TodoError";
  }
}

export function todo(what: string, ..._uses: unknown[]): never {
  throw new TodoError(what);
}
