/** Base class of the store's errors; the API layer maps each to one HTTP status in one place. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** The object does not exist (HTTP 404). */
export class NotFoundError extends StoreError {
  override name = 'NotFoundError';
  constructor(
    readonly table: string,
    readonly id: string,
  ) {
    super(`${table.replace(/s$/, '')} ${id} not found`);
  }
}

/** An object with this id already exists. */
export class ExistsError extends StoreError {
  override name = 'ExistsError';
  constructor(
    readonly table: string,
    readonly id: string,
  ) {
    super(`${table.replace(/s$/, '')} ${id} already exists`);
  }
}

/** Another object of the table already has this name (HTTP 409). */
export class NameConflictError extends StoreError {
  override name = 'NameConflictError';
  constructor(
    readonly table: string,
    readonly objectName: string,
  ) {
    super(`name conflicts with an existing object`);
  }
}

/** The write was based on an old version of the object (HTTP 400 "update out of sequence"). */
export class SequenceConflictError extends StoreError {
  override name = 'SequenceConflictError';
  constructor(
    readonly table: string,
    readonly id: string,
  ) {
    super('update out of sequence');
  }
}
