/**
 * The Standard Schema interface (version 1, https://standardschema.dev), written out here as
 * the specification asks of libraries that accept schemas, so coatcheck needs no package for it.
 * Zod (3.24 and later), Valibot (1.0 and later), ArkType (2.0 and later) and others make schemas
 * that fit it; coatcheck only ever calls `validate` with one argument and reads the result.
 *
 * Types only: nothing here exists at run time.
 *
 * @module
 */

/**
 * A schema from any library that implements Standard Schema: the value of `settings.schema`.
 * @typeParam Input - what the schema accepts.
 * @typeParam Output - what it gives back when the value passes: the session data type.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The standard's properties, under a name no library uses for its own API. */
  readonly '~standard': StandardSchemaProps<Input, Output>;
}

/** What a Standard Schema exposes under `~standard`. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  /** The version of the standard: 1. */
  readonly version: 1;
  /** The library that made the schema (`'zod'`, `'valibot'`, `'arktype'`, ...). */
  readonly vendor: string;
  /** Checks a value; may answer at once or through a promise (a schema with async checks). */
  readonly validate: (
    value: unknown,
  ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  /** The input and output types, for inference only: never present at run time. */
  readonly types?: StandardSchemaTypes<Input, Output> | undefined;
}

/** What `validate` answers: the output value, or the issues that refused the input. */
export type StandardSchemaResult<Output> = StandardSchemaSuccess<Output> | StandardSchemaFailure;

/** The value passed: `value` is the schema's output (defaults filled in, transforms applied). */
export interface StandardSchemaSuccess<Output> {
  readonly value: Output;
  /** Absent (or undefined) on success: the standard tells the two results apart by it. */
  readonly issues?: undefined;
}

/** The value was refused, for these reasons. */
export interface StandardSchemaFailure {
  readonly issues: readonly StandardSchemaIssue[];
}

/** One reason a value was refused. */
export interface StandardSchemaIssue {
  /** The library's explanation. It may quote the value, so coatcheck never logs it. */
  readonly message: string;
  /** Where in the value: keys and indexes from the top, bare or wrapped in `{ key }`. */
  readonly path?: readonly (PropertyKey | StandardSchemaPathSegment)[] | undefined;
}

/** A path segment in the wrapped form. */
export interface StandardSchemaPathSegment {
  readonly key: PropertyKey;
}

/** The types a schema carries for inference. */
export interface StandardSchemaTypes<Input = unknown, Output = Input> {
  readonly input: Input;
  readonly output: Output;
}

/** The output type of a Standard Schema: what `createSessions` makes the session data type. */
export type InferSchemaOutput<Schema extends StandardSchemaV1> = NonNullable<
  Schema['~standard']['types']
>['output'];
