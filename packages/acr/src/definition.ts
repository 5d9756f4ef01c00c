/**
 * A rule over the `amr` claim (RFC 8176 values) under which an authorization server may claim a
 * class: every method in `allOf` was used and, when `anyOf` is given, at least one of `anyOf`.
 *
 * @example
 * ```ts
 * const registry = createAcrRegistry([{ value: 'urn:example:gold', amr: { allOf: ['hwk'], anyOf: ['pin', 'fpt', 'face'] } }])
 * registry.fromAmr(['hwk', 'fpt']) // ['urn:example:gold']
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8176#section-2
 */
export interface AmrRule {
  /** Methods that must all appear in `amr`. */
  readonly allOf?: readonly string[]
  /** Methods of which at least one must appear in `amr`, when given. */
  readonly anyOf?: readonly string[]
}

/**
 * One authentication context class as {@link createAcrRegistry} takes it: its `acr` value, the
 * other spellings of the same class, and the classes it also satisfies.
 *
 * @example
 * ```ts
 * const registry = createAcrRegistry([
 *   { value: 'urn:example:silver' },
 *   { value: 'urn:example:gold', description: 'Hardware key and PIN', satisfies: ['urn:example:silver'], amr: { allOf: ['hwk', 'pin'] } },
 * ])
 * registry.get('urn:example:gold')?.description // 'Hardware key and PIN'
 * ```
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export interface AcrDefinition {
  /** The `acr` value exactly as it appears on the wire (case-sensitive). */
  readonly value: string
  /** What the class means, in a sentence. */
  readonly description?: string
  /** URL of the specification or document that defines the class. */
  readonly source?: string
  /** Values (or aliases) of weaker classes that this class also satisfies. */
  readonly satisfies?: readonly string[]
  /** Other spellings of this same class, such as a URI for a short name. */
  readonly aliases?: readonly string[]
  /** When an authorization server may claim this class from the `amr` methods used. */
  readonly amr?: AmrRule
}
