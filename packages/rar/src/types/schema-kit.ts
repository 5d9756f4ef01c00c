import {
  _minLength,
  _regex,
  type $strict,
  $ZodArray,
  $ZodBoolean,
  $ZodEnum,
  $ZodNever,
  $ZodObject,
  $ZodOptional,
  type $ZodShape,
  $ZodString,
  type $ZodType,
} from 'zod/v4/core'

/** A string, optionally required to match `pattern` (reported with `message`). */
export const string = (pattern?: RegExp, message?: string): $ZodString =>
  new $ZodString({
    type: 'string',
    checks: [pattern ? _regex(pattern, message) : _minLength(1, 'must not be empty')],
  })

/** A boolean. */
export const boolean = (): $ZodBoolean => new $ZodBoolean({ type: 'boolean' })

/** One of the given strings. */
export const oneOf = <const Values extends readonly string[]>(
  values: Values,
): $ZodEnum<{ [V in Values[number]]: V }> =>
  new $ZodEnum({
    type: 'enum',
    entries: Object.fromEntries(values.map((v) => [v, v])),
  }) as unknown as $ZodEnum<{ [V in Values[number]]: V }>

/** An array of `element`. */
export const array = <Element extends $ZodType>(element: Element): $ZodArray<Element> =>
  new $ZodArray({ type: 'array', element }) as $ZodArray<Element>

/** `inner` or absent. */
export const optional = <Inner extends $ZodType>(inner: Inner): $ZodOptional<Inner> =>
  new $ZodOptional({ type: 'optional', innerType: inner }) as $ZodOptional<Inner>

/** An object with exactly the members of `shape`. */
export const strictObject = <Shape extends $ZodShape>(shape: Shape): $ZodObject<Shape, $strict> =>
  new $ZodObject({
    type: 'object',
    shape,
    catchall: new $ZodNever({ type: 'never' }),
  }) as unknown as $ZodObject<Shape, $strict>
