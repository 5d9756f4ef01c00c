// Reading challenges: the RFC 9110 grammar and the typed OAuth view.
import { parseOAuthChallenge, parseWwwAuthenticate } from '@stepup/www-authenticate'

export const read = (value: string) => parseWwwAuthenticate(value).map(parseOAuthChallenge)
