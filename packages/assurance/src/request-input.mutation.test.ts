import { describe, expect, it } from 'vitest'
import {
  bodyKind,
  decodeBody,
  INVALID_REQUEST,
  InvalidRequestError,
  normalizePath,
  readLimited,
} from './request-input.js'

const stream = (...chunks: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk)
      c.close()
    },
  })

async function* lines(...chunks: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk as Uint8Array
}

describe('InvalidRequestError', () => {
  it('has the code ERR_REQUEST_INVALID, on the class and on every instance', () => {
    expect(InvalidRequestError.code).toBe('ERR_REQUEST_INVALID')
    expect(new InvalidRequestError(INVALID_REQUEST.target)).toMatchObject({
      code: 'ERR_REQUEST_INVALID',
      error: 'invalid_request',
      status: 400,
    })
  })
})

describe('bodyKind: the JSON media types', () => {
  it('are the whole type, not the end of another', () => {
    expect(bodyKind('application/problem+json')).toBe('json')
    expect(bodyKind('text/application/json')).toBeUndefined()
  })
})

describe('bodyKind: the form media type', () => {
  it('allows whitespace before its parameters', () => {
    expect(bodyKind('application/x-www-form-urlencoded ; charset=utf-8')).toBe('form')
  })

  it('is the whole type, not a prefix or a suffix of another', () => {
    expect(bodyKind('application/x-www-form-urlencodedx')).toBeUndefined()
    expect(bodyKind('text/application/x-www-form-urlencoded')).toBeUndefined()
  })
})

describe('decoding errors keep what went wrong as their cause', () => {
  it('JSON that does not parse', () => {
    let error: unknown
    try {
      decodeBody('application/json', '{')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error).toMatchObject({ message: INVALID_REQUEST.malformed })
    expect((error as Error).cause).toBeInstanceOf(SyntaxError)
  })

  it('bytes that are not UTF-8, even where they would decode as a form', async () => {
    const read = readLimited(stream(new Uint8Array([0x61, 0x3d, 0xff])), 100)
    await expect(read).rejects.toMatchObject({
      name: 'InvalidRequestError',
      message: INVALID_REQUEST.malformed,
      cause: expect.any(TypeError),
    })
  })

  it('a target that is neither a path nor an absolute URL', () => {
    let error: unknown
    try {
      normalizePath('not a url')
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ name: 'InvalidRequestError', message: INVALID_REQUEST.target })
    expect((error as Error).cause).toBeInstanceOf(TypeError)
  })
})

describe('readLimited', () => {
  it('reads string chunks (a Node request with an encoding set) as their UTF-8 bytes', async () => {
    expect(await readLimited(lines('a=', 'é'), 4)).toBe('a=é')
    await expect(readLimited(lines('a=', 'é'), 3)).rejects.toMatchObject({
      message: INVALID_REQUEST.tooLarge,
    })
  })
})

describe('normalizePath', () => {
  it.each([
    ['/admin?x=1#top', '/admin'],
    ['/a/./b', '/a/b'],
    ['/a/%2fb', '/a/%2Fb'],
    ['/a/', '/a/'],
    ['/a/.', '/a/'],
    ['/a/b/..', '/a/'],
    ['/a/..', '/'],
    ['/', '/'],
    ['/a', '/a'],
  ])('%s reads as %s', (target, path) => {
    expect(normalizePath(target)).toBe(path)
  })
})
